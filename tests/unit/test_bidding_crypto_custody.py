"""Custodian keys, their files and share-submission signatures (the dealer-free ceremony itself
is tests/unit/test_bidding_crypto_dkg.py)."""

from __future__ import annotations

import json
import os
import stat

import pytest

from bidding.sealing.crypto import custody

TENDER = "T-2026-7"
ITER = 1000  # few KDF iterations: these files only live in a test


def test_key_file_round_trip_is_owner_only(tmp_path) -> None:
    keys = custody.generate_custodian_keys()
    path = tmp_path / "custodian.key"
    custody.save_key_file(path, keys, "正确 horse battery", iterations=ITER)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = custody.load_key_file(path, "正确 horse battery")
    assert loaded.public() == keys.public()
    text = path.read_text()
    assert "PRIVATE" not in text and str(int(keys.hpke_key.d)) not in text
    with pytest.raises(FileExistsError):  # never overwrites a key
        custody.save_key_file(path, keys, "x", iterations=ITER)
    with pytest.raises(custody.KeyFileError) as caught:
        custody.load_key_file(path, "wrong")
    assert "wrong passphrase" in caught.value.reason_en


def test_a_key_file_with_a_swapped_public_part_is_refused(tmp_path) -> None:
    keys, other = custody.generate_custodian_keys(), custody.generate_custodian_keys()
    document = custody.key_file_document(keys, "pw", iterations=ITER)
    document["public"] = other.public().to_document()
    with pytest.raises(custody.KeyFileError):
        custody.keys_from_document(document, "pw")


def test_public_document_round_trip_and_fingerprint_check() -> None:
    public = custody.generate_custodian_keys().public("C-9")
    document = public.to_document()
    assert custody.CustodianPublic.from_document("C-9", document) == public
    forged = {**document, "fingerprint": "0" * 64}
    with pytest.raises(custody.CustodyError):
        custody.CustodianPublic.from_document("C-9", forged)
    with pytest.raises(custody.CustodyError):
        custody.CustodianPublic.from_document("C-9", {**document, "hpke_public_key": "AAAA"})


def test_share_submission_signatures() -> None:
    keys = {c: custody.generate_custodian_keys() for c in ("C-2", "C-3")}
    share, other = os.urandom(32), os.urandom(32)
    signature = custody.sign_share_submission(share, TENDER, "C-2", keys["C-2"].signing_key)
    public = keys["C-2"].public("C-2").signing_public_key
    custody.verify_share_submission(share, signature, TENDER, "C-2", public)
    for args in ((share, signature, "T-OTHER", "C-2", public),
                 (share, signature, TENDER, "C-3", public),
                 (other, signature, TENDER, "C-2", public),
                 (share, signature, TENDER, "C-2", keys["C-3"].public().signing_public_key)):
        with pytest.raises(custody.ShareError):
            custody.verify_share_submission(*args)


def test_protected_secrets_need_the_passphrase_and_their_label() -> None:
    document = custody.protect(b"dealer secrets", "口令 pw", "ggzy-test/1", iterations=ITER)
    assert b"dealer secrets" not in json.dumps(document).encode()
    assert custody.unprotect(document, "口令 pw", "ggzy-test/1") == b"dealer secrets"
    for passphrase, label in (("wrong", "ggzy-test/1"), ("口令 pw", "ggzy-other/1")):
        with pytest.raises(custody.KeyFileError):
            custody.unprotect(document, passphrase, label)
    with pytest.raises(custody.KeyFileError):
        custody.unprotect({**document, "kdf": {**document["kdf"], "iterations": 10}}, "口令 pw",
                          "ggzy-test/1")
