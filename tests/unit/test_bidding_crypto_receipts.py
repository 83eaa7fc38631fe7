"""Platform-signed receipts: canonical signing, offline verification, the owner-only key file."""

from __future__ import annotations

import stat

import pytest
from Crypto.PublicKey import ECC

from bidding.sealing.crypto import receipts

FIELDS: dict[str, str | int] = {
    "receipt_id": "R-1", "tender_id": "T-1", "section_id": "S-1", "bidder_id": "B-1",
    "envelope_sha256": "ab" * 32, "envelope_size": 12345,
    "server_time": "2026-11-27T05:00:00.123456Z", "log_promise": 42}


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "receipt_signing.key"
    monkeypatch.setenv(receipts.KEY_FILE_ENV, str(path))
    return path


def test_key_is_created_owner_only_once(key_file) -> None:
    first = receipts.platform_receipt_public_key()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    receipts.forget_loaded_keys()
    assert receipts.platform_receipt_public_key() == first  # read back, not regenerated


def test_default_key_path_is_in_the_var_dir(var_dir, monkeypatch) -> None:
    monkeypatch.delenv(receipts.KEY_FILE_ENV, raising=False)
    assert receipts.receipt_key_path() == var_dir / "keys" / "receipt_signing.key"


def test_sign_and_verify_round_trip(key_file) -> None:
    receipt = receipts.sign_receipt(FIELDS)
    public = receipts.platform_receipt_public_key()
    again = receipts.Receipt.from_json(receipt.to_json())
    assert again == receipt
    receipts.verify_receipt(again, public)
    reordered = receipts.Receipt(dict(reversed(list(FIELDS.items()))), receipt.key_id,
                                 receipt.signature)
    receipts.verify_receipt(reordered, public)  # canonical JSON: field order is irrelevant


@pytest.mark.parametrize(("name", "value"), [("envelope_sha256", "cd" * 32),
                                             ("envelope_size", 12346), ("log_promise", "42"),
                                             ("server_time", "2026-11-27T05:00:00.123457Z"),
                                             ("extra", "x")])
def test_any_change_breaks_the_receipt(key_file, name: str, value: str | int) -> None:
    receipt = receipts.sign_receipt(FIELDS)
    changed = receipts.Receipt({**receipt.fields, name: value}, receipt.key_id,
                               receipt.signature)
    with pytest.raises(receipts.ReceiptError):
        receipts.verify_receipt(changed, receipts.platform_receipt_public_key())


def test_another_key_is_refused(key_file) -> None:
    receipt = receipts.sign_receipt(FIELDS)
    other = ECC.generate(curve="ed25519").public_key().export_key(format="raw")
    with pytest.raises(receipts.ReceiptError):
        receipts.verify_receipt(receipt, other)
    forged = receipts.sign_receipt(FIELDS, key=ECC.generate(curve="ed25519"))
    with pytest.raises(receipts.ReceiptError):
        receipts.verify_receipt(forged, receipts.platform_receipt_public_key())


def test_incomplete_fields_and_bad_json_are_refused(key_file) -> None:
    with pytest.raises(ValueError):
        receipts.sign_receipt({k: v for k, v in FIELDS.items() if k != "log_promise"})
    with pytest.raises(TypeError):
        receipts.sign_receipt({**FIELDS, "envelope_size": 1.5})  # type: ignore[dict-item]
    for text in ("not json", "[]", '{"type": "other"}'):
        with pytest.raises(receipts.ReceiptError):
            receipts.Receipt.from_json(text)
