"""The bidder-decrypts suite (``HPKE-P256-SHA256-AES256GCM-BD/1``, envelope version 2): the file
key is the XOR of a half sealed to the opening key and a half sealed to the bidder's own key.

The checked-in vector (tests/data/bidding/envelope-vector-bd.json) opens in Python here and in
Chromium (tests/e2e/test_bidding_browser_crypto.py). Regenerate (only when the format changes)
with ``.venv/bin/python -m tests.unit.test_bidding_crypto_bidder_decrypts``."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from Crypto.Protocol import HPKE
from Crypto.PublicKey import ECC

from bidding.sealing.crypto import custody, envelope
from bidding.sealing.crypto.common import b64decode, b64encode, sha256

VECTOR = Path(__file__).resolve().parents[1] / "data" / "bidding" / "envelope-vector-bd.json"
IDS = envelope.ExpectedIds("T-2026-0002", "S-01", "B-9001")


def load_vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR.read_text(encoding="utf-8"))
    return data


def _layout(env: bytes) -> dict[str, bytes]:
    h = int.from_bytes(env[9:11], "big")
    fixed = env[:11 + h]
    o = len(fixed)
    return {"fixed": fixed, "enc": env[o:o + 65], "sealed": env[o + 65:o + 113],
            "enc_b": env[o + 113:o + 178], "sealed_b": env[o + 178:o + 226],
            "prefix": env[:o + 226]}


def build_vector() -> dict[str, Any]:
    opening_scalar = sha256(b"ggzy test vector opening key BD")
    opening = custody.import_opening_private_key(opening_scalar)
    public = opening.public_key().export_key(format="raw")
    bidder_scalar = sha256(b"ggzy test vector bidder decryption key")
    bidder = custody.import_opening_private_key(bidder_scalar)
    bidder_public = bidder.public_key().export_key(format="raw")
    plaintext = ("投标函 ggzy bidder-decrypts vector — 报价 7654321.00 元\n" * 5).encode()
    out = io.BytesIO()
    result = envelope.seal_stream(
        io.BytesIO(plaintext), out, opening_public_key=public, tender_id="T-2026-0002",
        section_id="S-01", bidder_id="B-9001", key_id=custody.key_id_for(public),
        segment_size=64, bidder_public_key=bidder_public)
    env = out.getvalue()
    parts = _layout(env)
    header_digest = sha256(parts["fixed"])
    platform_half = HPKE.new(receiver_key=opening, aead_id=HPKE.AEAD.AES256_GCM,
                             enc=parts["enc"], info=envelope.hpke_info(header_digest)
                             ).unseal(parts["sealed"])
    bidder_half = envelope.open_bidder_half(io.BytesIO(env), bidder)
    file_key = envelope.xor_halves(platform_half, bidder_half)
    seg_key, nonce_prefix = envelope.segment_keys(file_key, sha256(parts["prefix"]))
    return {
        "description": "ggzy envelope v2 (bidder decrypts) test vector; see docs/envelope.md",
        "suite": envelope.SUITE_BD,
        "opening_private_key_b64": b64encode(opening_scalar),
        "opening_public_key_b64": b64encode(public),
        "bidder_private_key_b64": b64encode(bidder_scalar),
        "bidder_public_key_b64": b64encode(bidder_public),
        "bidder_key_id": envelope.bidder_key_id(bidder_public),
        "tender_id": "T-2026-0002", "section_id": "S-01", "bidder_id": "B-9001",
        "key_id": custody.key_id_for(public), "segment_size": 64,
        "plaintext_b64": b64encode(plaintext), "plaintext_sha256": result.plaintext_sha256,
        "envelope_b64": b64encode(env), "envelope_sha256": result.envelope_sha256,
        "envelope_size": result.envelope_size, "segment_count": result.segment_count,
        "intermediate": {
            "header_digest_hex": header_digest.hex(),
            "platform_half_hex": bytes(platform_half).hex(),
            "bidder_half_hex": bidder_half.hex(),
            "file_key_hex": file_key.hex(),
            "prefix_sha256_hex": sha256(parts["prefix"]).hex(),
            "segment_key_hex": seg_key.hex(),
            "nonce_prefix_hex": nonce_prefix.hex(),
        },
    }


def _keys(v: dict[str, Any]) -> tuple[ECC.EccKey, ECC.EccKey]:
    return (custody.import_opening_private_key(b64decode(v["opening_private_key_b64"])),
            custody.import_opening_private_key(b64decode(v["bidder_private_key_b64"])))


def test_vector_opens_with_both_halves() -> None:
    v = load_vector()
    env = b64decode(v["envelope_b64"])
    opening, bidder = _keys(v)
    assert env[8] == envelope.VERSION_BD
    half = envelope.open_bidder_half(io.BytesIO(env), bidder)
    assert half.hex() == v["intermediate"]["bidder_half_hex"]
    i = v["intermediate"]
    assert envelope.xor_halves(bytes.fromhex(i["platform_half_hex"]), half).hex() == \
        i["file_key_hex"]
    out = io.BytesIO()
    expected = envelope.ExpectedIds(v["tender_id"], v["section_id"], v["bidder_id"],
                                    v["key_id"], v["envelope_sha256"], bidder_decrypts=True)
    result = envelope.open_stream(io.BytesIO(env), out, opening_private_key=opening,
                                  expected=expected, bidder_half=half)
    assert out.getvalue() == b64decode(v["plaintext_b64"])
    assert result.info.version == 2 and result.info.header.bidder_key_id == v["bidder_key_id"]
    assert result.info.envelope_size == v["envelope_size"] == len(env)
    info = envelope.inspect_stream(io.BytesIO(env), max_size=1 << 20, expected=expected)
    assert info.bidder_decrypts and info.segment_count == v["segment_count"]
    envelope.check_bidder_half(io.BytesIO(env), opening_private_key=opening, bidder_half=half,
                               expected=expected)


def test_halves_alone_open_nothing_and_a_wrong_half_is_named() -> None:
    v = load_vector()
    env = b64decode(v["envelope_b64"])
    opening, bidder = _keys(v)
    with pytest.raises(envelope.DecryptionError) as missing:
        envelope.open_stream(io.BytesIO(env), io.BytesIO(), opening_private_key=opening,
                             expected=None)
    assert missing.value.code == "bidder_half_missing" and missing.value.fault == "bidder"
    wrong = bytes(32)
    with pytest.raises(envelope.DecryptionError) as refused:
        envelope.check_bidder_half(io.BytesIO(env), opening_private_key=opening,
                                   bidder_half=wrong, expected=None)
    assert refused.value.code == "wrong_half"
    with pytest.raises(envelope.DecryptionError):
        envelope.open_stream(io.BytesIO(env), io.BytesIO(), opening_private_key=opening,
                             expected=None, bidder_half=wrong)
    # The bidder's key alone does not open the envelope, nor does another bidder key.
    with pytest.raises(envelope.DecryptionError):
        envelope.open_stream(io.BytesIO(env), io.BytesIO(), opening_private_key=bidder,
                             expected=None, bidder_half=envelope.open_bidder_half(
                                 io.BytesIO(env), bidder))
    with pytest.raises(envelope.EnvelopeError) as other:
        envelope.open_bidder_half(io.BytesIO(env), ECC.generate(curve="p256"))
    assert other.value.code == "wrong_bidder_key"


def test_every_bit_flip_in_the_new_fields_is_detected() -> None:
    """bidder_key_id in the header, the version byte, and the whole second key slot."""
    v = load_vector()
    env = b64decode(v["envelope_b64"])
    opening, bidder = _keys(v)
    half = envelope.open_bidder_half(io.BytesIO(env), bidder)
    parts = _layout(env)
    start = env.index(b'"bidder_key_id":"') + len(b'"bidder_key_id":"')
    positions = [8, *range(start, start + 32)]
    slot = len(parts["fixed"]) + 113
    positions += list(range(slot, slot + 113))
    for position in positions:
        for bit in (0, 3, 7):
            tampered = bytearray(env)
            tampered[position] ^= 1 << bit
            with pytest.raises(envelope.EnvelopeError):
                envelope.open_stream(io.BytesIO(bytes(tampered)), io.BytesIO(),
                                     opening_private_key=opening, expected=None,
                                     bidder_half=half)


def test_mode_is_enforced_and_old_envelopes_are_unchanged() -> None:
    v = load_vector()
    env = b64decode(v["envelope_b64"])
    with pytest.raises(envelope.EnvelopeError) as refused:
        envelope.inspect_stream(io.BytesIO(env), max_size=1 << 20, expected=envelope.ExpectedIds(
            v["tender_id"], v["section_id"], v["bidder_id"], bidder_decrypts=False))
    assert refused.value.code == "wrong_mode"
    opening = ECC.generate(curve="p256")
    public = opening.public_key().export_key(format="raw")
    out = io.BytesIO()
    envelope.seal_stream(io.BytesIO(b"plain bid"), out, opening_public_key=public,
                         tender_id="T", section_id="S", bidder_id="B", key_id="k")
    old = out.getvalue()
    assert old[8] == envelope.VERSION and b"bidder_key_id" not in old
    with pytest.raises(envelope.EnvelopeError) as wrong_mode:
        envelope.inspect_stream(io.BytesIO(old), max_size=1 << 20, expected=envelope.ExpectedIds(
            "T", "S", "B", bidder_decrypts=True))
    assert wrong_mode.value.code == "wrong_mode"
    # A version-1 envelope with the BD suite (or the reverse) is not an envelope of either.
    swapped = bytearray(env)
    swapped[8] = 1
    with pytest.raises(envelope.EnvelopeError):
        envelope.inspect_stream(io.BytesIO(bytes(swapped)), max_size=1 << 20)


if __name__ == "__main__":
    VECTOR.write_text(json.dumps(build_vector(), indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {VECTOR}")
