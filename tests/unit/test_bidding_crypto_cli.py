"""The local (non-HTTP) parts of ``ggzy bid`` and ``ggzy custody``: keygen, seal, signatures,
receipt verification. The HTTP round trips (and ``ggzy custody``) are covered by the bidding
integration tests against the real application."""

from __future__ import annotations

import io
import json
import stat

import pytest
from click.testing import CliRunner
from Crypto.PublicKey import ECC

from bidding import cli
from bidding.cli import bidder, common, custodian
from bidding.sealing.crypto import custody, envelope, receipts
from bidding.sealing.crypto.common import b64decode, b64encode


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def opening():
    key = ECC.generate(curve="p256")
    public = key.public_key().export_key(format="raw")
    return key, public, custody.key_id_for(public)


def _tender_key_file(tmp_path, public: bytes, key_id: str):
    path = tmp_path / "tender.json"
    path.write_text(json.dumps({"id": "T-1", "opening": {"public_key_b64": b64encode(public),
                                                         "key_id": key_id, "k": 3, "n": 5}}))
    return path


def test_custody_keygen_writes_an_owner_only_file(runner, tmp_path) -> None:
    out = tmp_path / "me.key"
    result = runner.invoke(custodian.custody_group, ["keygen", "--out", str(out),
                                                     "--kdf-iterations", "1000"],
                           input="pass 口令\npass 口令\n")
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    public = json.loads(result.stdout)
    assert public["format"] == custody.PUBLIC_FORMAT
    keys = custody.load_key_file(out, "pass 口令")
    assert keys.public().to_document() == public
    shown = runner.invoke(custodian.custody_group, ["show-public", "--key", str(out)])
    assert json.loads(shown.stdout) == public
    again = runner.invoke(custodian.custody_group, ["keygen", "--out", str(out)], input="a\na\n")
    assert again.exit_code != 0 and "not overwritten" in again.output


def test_bid_seal_produces_an_envelope_that_opens(runner, tmp_path, opening) -> None:
    key, public, key_id = opening
    bid_file = tmp_path / "bid.pdf"
    bid_file.write_bytes(b"%PDF-1.7 price 1000000\n" * 5000)
    out = tmp_path / "bid.env"
    args = ["seal", "--no-record-check", "--tender-key", str(_tender_key_file(tmp_path, public, key_id)),
            "--tender", "T-1", "--section", "S-1", "--bidder", "B-1", str(bid_file), str(out)]
    result = runner.invoke(bidder.bid, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    opened = io.BytesIO()
    with out.open("rb") as src:
        envelope.open_stream(src, opened, opening_private_key=key, expected=envelope.ExpectedIds(
            "T-1", "S-1", "B-1", key_id, summary["envelope_sha256"]))
    assert opened.getvalue() == bid_file.read_bytes()
    again = runner.invoke(bidder.bid, args)
    assert again.exit_code != 0 and "exists" in again.output


def test_bid_seal_with_a_signing_key(runner, tmp_path, opening, monkeypatch) -> None:
    _, public, key_id = opening
    monkeypatch.setenv(common.PASSPHRASE_ENV, "bidder pass")
    signing = tmp_path / "bidder.pem"
    made = runner.invoke(bidder.bid, ["keygen", "--out", str(signing)])
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(signing.stat().st_mode) == 0o600
    signer_public = b64decode(json.loads(made.stdout)["signing_public_key_b64"])
    bid_file = tmp_path / "bid.txt"
    bid_file.write_bytes(b"price 42")
    out = tmp_path / "bid.env"
    result = runner.invoke(bidder.bid, [
        "seal", "--no-record-check", "--tender-key",
        str(_tender_key_file(tmp_path, public, key_id)), "--tender", "T-1",
        "--section", "S-1", "--bidder", "B-1", "--signing-key", str(signing), str(bid_file),
        str(out)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    signed = json.loads((tmp_path / "bid.env.sig").read_text())
    assert b64decode(signed["public_key_b64"]) == signer_public
    envelope.verify_envelope_signature(summary["envelope_sha256"],
                                       b64decode(signed["signature_b64"]), signer_public)


def test_bid_seal_refuses_a_key_that_does_not_match_its_id(runner, tmp_path, opening) -> None:
    _, public, _ = opening
    bid_file = tmp_path / "bid.txt"
    bid_file.write_bytes(b"x")
    result = runner.invoke(bidder.bid, [
        "seal", "--no-record-check", "--tender-key", str(_tender_key_file(tmp_path, public, "0" * 32)),
        "--tender", "T-1", "--section", "S-1", "--bidder", "B-1", str(bid_file),
        str(tmp_path / "out.env")])
    assert result.exit_code != 0 and "does not match its key id" in result.output
    assert not (tmp_path / "out.env").exists()


def test_verify_receipt(runner, tmp_path, opening) -> None:
    _, public, key_id = opening
    env_path = tmp_path / "bid.env"
    with env_path.open("wb") as dst:
        sealed = envelope.seal_stream(io.BytesIO(b"bid"), dst, opening_public_key=public,
                                      tender_id="T-1", section_id="S-1", bidder_id="B-1",
                                      key_id=key_id)
    platform = ECC.generate(curve="ed25519")
    receipt = receipts.sign_receipt({
        "receipt_id": "R-1", "tender_id": "T-1", "section_id": "S-1", "bidder_id": "B-1",
        "envelope_sha256": sealed.envelope_sha256, "envelope_size": sealed.envelope_size,
        "server_time": "2026-11-27T05:00:00Z", "log_promise": 7}, key=platform)
    receipt_path = tmp_path / "bid.env.receipt.json"
    receipt_path.write_text(receipt.to_json())
    key_path = tmp_path / "platform.json"
    key_path.write_text(json.dumps({"public_key_b64": b64encode(
        platform.public_key().export_key(format="raw"))}))
    ok = runner.invoke(bidder.bid, ["verify-receipt", "--platform-key", str(key_path),
                                    "--envelope", str(env_path), str(receipt_path)])
    assert ok.exit_code == 0, ok.output
    assert "the receipt is valid" in ok.stdout
    other_env = tmp_path / "other.env"
    other_env.write_bytes(env_path.read_bytes()[:-1] + bytes([env_path.read_bytes()[-1] ^ 1]))
    mismatch = runner.invoke(bidder.bid, ["verify-receipt", "--platform-key", str(key_path),
                                          "--envelope", str(other_env), str(receipt_path)])
    assert mismatch.exit_code != 0 and "does not match" in mismatch.output
    data = json.loads(receipt_path.read_text())
    data["fields"]["log_promise"] = 8
    receipt_path.write_text(json.dumps(data))
    forged = runner.invoke(bidder.bid, ["verify-receipt", "--platform-key", str(key_path),
                                        str(receipt_path)])
    assert forged.exit_code != 0 and "signature is invalid" in forged.output


def test_commands_are_exported_for_the_plugin() -> None:
    assert [c.name for c in cli.commands] == ["bid", "custody"]


def test_bid_seal_builds_a_bid_plaintext_and_takes_ids_from_the_tender(runner, tmp_path,
                                                                       opening) -> None:
    key, public, key_id = opening
    tender = tmp_path / "tender.json"
    tender.write_text(json.dumps({
        "id": "T-9", "bidder_id": "B-9", "sections": [{"id": "S-9", "number": 1}],
        "opening": {"public_key_b64": b64encode(public), "key_id": key_id}}))
    attachment = tmp_path / "att.pdf"
    attachment.write_bytes(b"%PDF-1.7 technical proposal")
    out = tmp_path / "bid.env"
    result = runner.invoke(bidder.bid, ["seal", "--no-record-check", "--tender-key", str(tender), "--price",
                                        "1,190,000.5", "--duration-days", "250", "--quality", "合格",
                                        str(attachment), str(out)])
    assert result.exit_code == 0, result.output
    opened = io.BytesIO()
    with out.open("rb") as src:
        envelope.open_stream(src, opened, opening_private_key=key,
                             expected=envelope.ExpectedIds("T-9", "S-9", "B-9", key_id))
    first, rest = opened.getvalue().split(b"\n", 1)
    assert json.loads(first) == {"format": "ggzy-bid/1", "price_fen": 119000050,
                                 "duration_days": 250, "quality": "合格", "items": {}}
    assert rest == attachment.read_bytes()
    bad = runner.invoke(bidder.bid, ["seal", "--no-record-check", "--tender-key", str(tender),
                                     "--price", "1.234",
                                     str(attachment), str(tmp_path / "bad.env")])
    assert bad.exit_code != 0 and "two decimals" in bad.output


def test_bid_open_re_decrypts_after_the_opening(runner, tmp_path, opening) -> None:
    key, public, key_id = opening
    env_path = tmp_path / "bid.env"
    with env_path.open("wb") as dst:
        sealed = envelope.seal_stream(io.BytesIO(b"price 7"), dst, opening_public_key=public,
                                      tender_id="T-1", section_id="S-1", bidder_id="B-1",
                                      key_id=key_id)
    key_doc = tmp_path / "opening-key.json"
    key_doc.write_text(json.dumps({
        "key_id": key_id, "opening_public_key_b64": b64encode(public),
        "opening_private_key_b64": b64encode(custody.export_opening_private_key(key))}))
    receipt = receipts.sign_receipt({
        "receipt_id": "R-1", "tender_id": "T-1", "section_id": "S-1", "bidder_id": "B-1",
        "envelope_sha256": sealed.envelope_sha256, "envelope_size": sealed.envelope_size,
        "server_time": "2026-11-27T05:00:00Z", "log_promise": 7},
        key=ECC.generate(curve="ed25519"))
    receipt_path = tmp_path / "receipt.json"
    receipt_path.write_text(receipt.to_json())
    out = tmp_path / "bid.out"
    result = runner.invoke(bidder.bid, ["open", "--opening-key", str(key_doc), "--receipt",
                                        str(receipt_path), str(env_path), str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == b"price 7"
    damaged = tmp_path / "damaged.env"
    data = bytearray(env_path.read_bytes())
    data[-3] ^= 1
    damaged.write_bytes(bytes(data))
    failed = runner.invoke(bidder.bid, ["open", "--opening-key", str(key_doc), "--receipt",
                                        str(receipt_path), str(damaged), str(tmp_path / "d.out")])
    assert failed.exit_code != 0 and "fault: platform" in failed.output
    assert not (tmp_path / "d.out").exists()


def test_bidder_decrypts_keygen_seal_and_open_half(runner, tmp_path, opening) -> None:
    """``keygen --decrypt`` makes a P-256 key; ``seal --bidder-key`` uses the BD suite;
    ``open-half`` unseals the bidder's half from the bidder's own copy of the envelope."""
    key, public, key_id = opening
    key_file = tmp_path / "decrypt.pem"
    made = runner.invoke(bidder.bid, ["keygen", "--decrypt", "--out", str(key_file)],
                         input="pw 口令\npw 口令\n")
    assert made.exit_code == 0, made.output
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    shown = json.loads(made.stdout)
    bid_file = tmp_path / "bid.pdf"
    bid_file.write_bytes(b"%PDF-1.7 half and half\n" * 100)
    out = tmp_path / "bid.env"
    sealed = runner.invoke(bidder.bid, [
        "seal", "--no-record-check", "--tender-key",
        str(_tender_key_file(tmp_path, public, key_id)), "--section",
        "S-1", "--bidder", "B-1", "--bidder-key", str(key_file), "--segment-size", "1024",
        str(bid_file), str(out)], input="pw 口令\n")
    assert sealed.exit_code == 0, sealed.output
    info = envelope.inspect_stream(out.open("rb"), max_size=1 << 24)
    assert info.bidder_decrypts and info.header.bidder_key_id == shown["bidder_key_id"]
    half = runner.invoke(bidder.bid, ["open-half", "--url", "http://unused", "--print-only",
                                      "--key", str(key_file), str(out)], input="pw 口令\n")
    assert half.exit_code == 0, half.output
    body = json.loads(half.stdout[half.stdout.index("{"):])
    assert body["tender_id"] == "T-1" and body["section_id"] == "S-1"
    plain = io.BytesIO()
    envelope.open_stream(out.open("rb"), plain, opening_private_key=key, expected=None,
                         bidder_half=b64decode(body["half_b64"]))
    assert plain.getvalue() == bid_file.read_bytes()
