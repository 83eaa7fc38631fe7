"""The envelope's random test vector (``tests/data/bidding/envelope-vector.json``, docs/envelope.md):
an envelope sealed once with random keys. It opens here in Python and, in the browser test
(tests/e2e/test_bidding_browser_crypto.py), with seal.js. The worked example of the doc is
tests/unit/test_bidding_crypto_vectors.py; the custodian's share vector is
tests/unit/test_bidding_dkg_share_vector.py.

Regenerate it only when the format version changes, with
``.venv/bin/python -m tests.unit.test_bidding_envelope_vector``.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from Crypto.Protocol import HPKE

from bidding.sealing.crypto import custody, envelope
from bidding.sealing.crypto.common import b64decode, b64encode, sha256

VECTOR = Path(__file__).resolve().parents[1] / "data" / "bidding" / "envelope-vector.json"


def load_vector() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(VECTOR.read_text(encoding="utf-8"))
    return data


def unseal_file_key(env: bytes, private_key) -> bytes:
    """The file key sealed in ``env``'s header, unsealed with pycryptodome's HPKE."""
    header_length = int.from_bytes(env[9:11], "big")
    fixed = env[:11 + header_length]
    enc = env[len(fixed):len(fixed) + 65]
    sealed = env[len(fixed) + 65:len(fixed) + 113]
    context = HPKE.new(receiver_key=private_key, aead_id=HPKE.AEAD.AES256_GCM, enc=enc,
                       info=envelope.hpke_info(sha256(fixed)))
    return bytes(context.unseal(sealed))


def build_vector() -> dict[str, Any]:
    opening_scalar = sha256(b"ggzy test vector opening key")
    opening = custody.import_opening_private_key(opening_scalar)
    public = opening.public_key().export_key(format="raw")
    plaintext = ("投标函 ggzy test vector — 报价 1234567.89 元\n" * 9).encode()
    out = io.BytesIO()
    result = envelope.seal_stream(
        io.BytesIO(plaintext), out, opening_public_key=public, tender_id="T-2026-0001",
        section_id="S-01", bidder_id="B-9000", key_id=custody.key_id_for(public), segment_size=64)
    env = out.getvalue()
    file_key = unseal_file_key(env, opening)
    prefix_length = 11 + int.from_bytes(env[9:11], "big") + 113
    prefix_digest = sha256(env[:prefix_length])
    seg_key, nonce_prefix = envelope.segment_keys(file_key, prefix_digest)
    return {
        "description": "ggzy envelope v1 test vector; see docs/envelope.md",
        "suite": envelope.SUITE_ID,
        "opening_private_key_b64": b64encode(opening_scalar),
        "opening_public_key_b64": b64encode(public),
        "tender_id": "T-2026-0001", "section_id": "S-01", "bidder_id": "B-9000",
        "key_id": custody.key_id_for(public), "segment_size": 64,
        "plaintext_b64": b64encode(plaintext),
        "plaintext_sha256": result.plaintext_sha256,
        "envelope_b64": b64encode(env),
        "envelope_sha256": result.envelope_sha256,
        "envelope_size": result.envelope_size,
        "segment_count": result.segment_count,
        "intermediate": {
            "header_digest_hex": sha256(env[:11 + int.from_bytes(env[9:11], "big")]).hex(),
            "file_key_hex": file_key.hex(),
            "prefix_sha256_hex": prefix_digest.hex(),
            "segment_key_hex": seg_key.hex(),
            "nonce_prefix_hex": nonce_prefix.hex(),
        },
    }


def test_vector_opens_in_python() -> None:
    v = load_vector()
    env = b64decode(v["envelope_b64"])
    opening = custody.import_opening_private_key(b64decode(v["opening_private_key_b64"]))
    out = io.BytesIO()
    expected = envelope.ExpectedIds(v["tender_id"], v["section_id"], v["bidder_id"],
                                    v["key_id"], v["envelope_sha256"])
    result = envelope.open_stream(io.BytesIO(env), out, opening_private_key=opening,
                                  expected=expected)
    assert out.getvalue() == b64decode(v["plaintext_b64"])
    assert result.plaintext_sha256 == v["plaintext_sha256"]
    assert result.info.segment_count == v["segment_count"]
    assert unseal_file_key(env, opening).hex() == v["intermediate"]["file_key_hex"]
    key, prefix = envelope.segment_keys(bytes.fromhex(v["intermediate"]["file_key_hex"]),
                                        bytes.fromhex(v["intermediate"]["prefix_sha256_hex"]))
    assert (key.hex(), prefix.hex()) == (v["intermediate"]["segment_key_hex"],
                                         v["intermediate"]["nonce_prefix_hex"])
    assert custody.key_id_for(b64decode(v["opening_public_key_b64"])) == v["key_id"]


if __name__ == "__main__":
    VECTOR.write_text(json.dumps(build_vector(), indent=2, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    print(f"wrote {VECTOR}")
