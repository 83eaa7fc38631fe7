"""Custodian keys and the k-of-n ceremony: any k open, k-1 cannot, a bad share is named."""

from __future__ import annotations

import io
import itertools
import json
import os
import stat

import pytest

from bidding.crypto import custody, envelope
from bidding.crypto.custody import BadShareError, NotEnoughSharesError

TENDER = "T-2026-7"
ITER = 1000  # few KDF iterations: these files only live in a test


@pytest.fixture(scope="module")
def panel():
    keys = {f"C-{i}": custody.generate_custodian_keys() for i in range(1, 6)}
    result = custody.run_ceremony([k.public(cid) for cid, k in keys.items()], 3, TENDER)
    shares = {cid: custody.open_sealed_share(result.sealed_shares[cid], keys[cid], TENDER, cid)
              for cid in keys}
    return keys, result, shares


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


def test_ceremony_result_shape(panel) -> None:
    _, result, shares = panel
    assert len(result.opening_public_key) == 65
    assert result.key_id == custody.key_id_for(result.opening_public_key)
    assert result.commitment == custody.commitment_for(result.opening_public_key)
    assert sorted(result.share_indices.values()) == [1, 2, 3, 4, 5]
    assert all(len(s) == custody.SEALED_SHARE_LENGTH for s in result.sealed_shares.values())
    assert {cid: s[0] for cid, s in shares.items()} == result.share_indices
    upload = result.upload_document()
    assert json.loads(json.dumps(upload))["k"] == 3


def test_any_k_custodians_open_and_k_minus_1_cannot(panel) -> None:
    _, result, shares = panel
    for subset in itertools.combinations(sorted(shares), 3):
        key = custody.combine_shares({c: shares[c] for c in subset}, 3, result.opening_public_key)
        assert key.public_key().export_key(format="raw") == result.opening_public_key
    for pair in itertools.combinations(sorted(shares), 2):
        with pytest.raises(NotEnoughSharesError):
            custody.combine_shares({c: shares[c] for c in pair}, 3, result.opening_public_key)


def test_all_five_shares_combine(panel) -> None:
    _, result, shares = panel
    custody.combine_shares(shares, 3, result.opening_public_key)


@pytest.mark.parametrize("victim", ["C-1", "C-3", "C-5"])
def test_a_wrong_share_is_named_among_k_plus_1(panel, victim: str) -> None:
    _, result, shares = panel
    given = {c: shares[c] for c in ("C-1", "C-3", "C-4", "C-5")}
    given[victim] = given[victim][:1] + os.urandom(32)
    with pytest.raises(BadShareError) as caught:
        custody.combine_shares(given, 3, result.opening_public_key)
    assert caught.value.identified and caught.value.custodian_ids == (victim,)
    assert caught.value.key is not None  # the three honest shares still rebuilt the key
    assert caught.value.key.public_key().export_key(format="raw") == result.opening_public_key


def test_a_replayed_share_is_named(panel) -> None:
    _, result, shares = panel
    given = {"C-1": shares["C-1"], "C-2": shares["C-2"], "C-3": shares["C-3"],
             "C-4": shares["C-1"]}  # C-4 submits C-1's share
    with pytest.raises(BadShareError) as caught:
        custody.combine_shares(given, 3, result.opening_public_key)
    assert caught.value.custodian_ids == ("C-4",)


def test_a_wrong_share_among_exactly_k_cannot_be_named(panel) -> None:
    _, result, shares = panel
    given = {c: shares[c] for c in ("C-1", "C-2", "C-3")}
    given["C-2"] = given["C-2"][:1] + bytes(32)
    with pytest.raises(BadShareError) as caught:
        custody.combine_shares(given, 3, result.opening_public_key)
    assert not caught.value.identified and caught.value.key is None


def test_a_malformed_share_is_named_even_without_enough_others(panel) -> None:
    _, result, shares = panel
    with pytest.raises(BadShareError) as caught:
        custody.combine_shares({"C-1": shares["C-1"], "C-2": shares["C-2"], "C-3": b"short"}, 3,
                               result.opening_public_key)
    assert caught.value.custodian_ids == ("C-3",)


def test_sealed_shares_are_bound_to_custodian_and_tender(panel) -> None:
    keys, result, _ = panel
    sealed = result.sealed_shares["C-1"]
    with pytest.raises(custody.ShareError):
        custody.open_sealed_share(sealed, keys["C-1"], "T-OTHER", "C-1")
    with pytest.raises(custody.ShareError):
        custody.open_sealed_share(sealed, keys["C-1"], TENDER, "C-2")
    with pytest.raises(custody.ShareError):
        custody.open_sealed_share(sealed, keys["C-2"], TENDER, "C-1")
    with pytest.raises(custody.ShareError):
        custody.open_sealed_share(sealed[:-1], keys["C-1"], TENDER, "C-1")


def test_share_submission_signatures(panel) -> None:
    keys, _, shares = panel
    share = shares["C-2"]
    signature = custody.sign_share_submission(share, TENDER, "C-2", keys["C-2"].signing_key)
    public = keys["C-2"].public("C-2").signing_public_key
    custody.verify_share_submission(share, signature, TENDER, "C-2", public)
    for args in ((share, signature, "T-OTHER", "C-2", public),
                 (share, signature, TENDER, "C-3", public),
                 (shares["C-3"], signature, TENDER, "C-2", public),
                 (share, signature, TENDER, "C-2", keys["C-3"].public().signing_public_key)):
        with pytest.raises(custody.ShareError):
            custody.verify_share_submission(*args)


def test_invalid_thresholds_are_refused() -> None:
    publics = [custody.generate_custodian_keys().public(f"C-{i}") for i in range(3)]
    for k in (0, 1, 4):
        with pytest.raises(custody.CustodyError):
            custody.run_ceremony(publics, k, TENDER)
    with pytest.raises(ValueError):
        custody.run_ceremony([publics[0], publics[0]], 2, TENDER)


def test_ceremony_to_opening_end_to_end(panel) -> None:
    """A bid sealed to the ceremony's key opens with the key rebuilt from three shares, and
    the share-based key is the only thing needed (no plain private key ever existed outside
    the ceremony function)."""
    _, result, shares = panel
    plain = "投标报价：壹佰万元整".encode() * 100
    out = io.BytesIO()
    sealed = envelope.seal_stream(io.BytesIO(plain), out,
                                  opening_public_key=result.opening_public_key,
                                  tender_id=TENDER, section_id="S-1", bidder_id="B-1",
                                  key_id=result.key_id, segment_size=256)
    key = custody.combine_shares({c: shares[c] for c in ("C-2", "C-4", "C-5")}, 3,
                                 result.opening_public_key)
    exported = custody.export_opening_private_key(key)
    opened = io.BytesIO()
    envelope.open_stream(io.BytesIO(out.getvalue()), opened,
                         opening_private_key=custody.import_opening_private_key(exported),
                         expected=envelope.ExpectedIds(TENDER, "S-1", "B-1", result.key_id,
                                                       sealed.envelope_sha256))
    assert opened.getvalue() == plain
