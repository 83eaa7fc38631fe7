"""An independent implementation of the envelope's worked example (docs/envelope.md).

Written from the doc with nothing of ``bidding.sealing.crypto``: only pycryptodome's
HMAC-SHA256, AES-GCM, P-256 arithmetic and Ed25519, with HKDF and HPKE (RFC 9180) written out
here. tests/unit/test_bidding_crypto_vectors.py checks every value of the example against it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from Crypto.Cipher import AES
from Crypto.Hash import HMAC, SHA256
from Crypto.PublicKey import ECC
from Crypto.Signature import eddsa

KEM_SUITE_ID = b"KEM" + (0x0010).to_bytes(2, "big")
HPKE_SUITE_ID = (b"HPKE" + (0x0010).to_bytes(2, "big") + (0x0001).to_bytes(2, "big")
                 + (0x0002).to_bytes(2, "big"))
MAGIC = bytes.fromhex("8947475a59454e56")


def _hmac(key: bytes, data: bytes) -> bytes:
    return HMAC.new(key, data, digestmod=SHA256).digest()


def hkdf_extract(salt: bytes, ikm: bytes) -> bytes:
    return _hmac(salt, ikm)  # an empty salt is an HMAC key of zeros (RFC 2104 pads the key)


def hkdf_expand(prk: bytes, info: bytes, length: int) -> bytes:
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = _hmac(prk, block + info + bytes([counter]))
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite_id: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    return hkdf_extract(salt, b"HPKE-v1" + suite_id + label + ikm)


def labeled_expand(suite_id: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    return hkdf_expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite_id + label + info,
                       length)


def _p256_public(scalar: int) -> bytes:
    point = ECC.construct(curve="p256", d=scalar).pointQ  # scalar × the base point
    return b"\x04" + int(point.x).to_bytes(32, "big") + int(point.y).to_bytes(32, "big")


def _p256_dh(scalar: int, public: bytes) -> bytes:
    peer = ECC.construct(curve="p256", point_x=int.from_bytes(public[1:33], "big"),
                         point_y=int.from_bytes(public[33:65], "big")).pointQ
    return int((peer * scalar).x).to_bytes(32, "big")


def _gcm(key: bytes, nonce: bytes, aad: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=16)
    cipher.update(aad)
    ciphertext, tag = cipher.encrypt_and_digest(plaintext)
    return ciphertext, tag


def _ed25519_public(seed: bytes) -> bytes:
    return bytes(eddsa.import_private_key(seed).public_key().export_key(format="raw"))


def _ed25519_sign(seed: bytes, message: bytes) -> bytes:
    return bytes(eddsa.new(eddsa.import_private_key(seed), "rfc8032").sign(message))


def _jcs(value: Any) -> bytes:
    """RFC 8785 for what a receipt holds: ASCII keys and strings, integers below 2^53."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert text.isascii()
    return text.encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def compute_example(inputs: dict[str, Any]) -> dict[str, Any]:
    """Every value of the worked example, from its inputs, following docs/envelope.md."""
    sk_r = int(inputs["opening_private_key_hex"], 16)
    sk_e = int(inputs["ephemeral_private_key_hex"], 16)
    file_key = bytes.fromhex(inputs["file_key_hex"])
    segment_size = inputs["segment_size"]
    plaintext = inputs["plaintext"].encode("utf-8")
    pk_r = _p256_public(sk_r)
    key_id = hashlib.sha256(pk_r).hexdigest()[:32]

    header = json.dumps({
        "bidder_id": inputs["bidder_id"], "key_id": key_id, "plaintext_length": len(plaintext),
        "plaintext_sha256": hashlib.sha256(plaintext).hexdigest(),
        "section_id": inputs["section_id"], "segment_size": segment_size,
        "suite": "HPKE-P256-SHA256-AES256GCM/1", "tender_id": inputs["tender_id"],
    }, separators=(",", ":")).encode("ascii")
    fixed = MAGIC + b"\x01" + len(header).to_bytes(2, "big") + header
    header_digest = hashlib.sha256(fixed).digest()
    info = b"ggzy-envelope/1\x00" + header_digest

    # HPKE SetupBaseS (RFC 9180 §4.1, §5.1) with the ephemeral key given, then Seal at sequence 0.
    enc = _p256_public(sk_e)
    dh = _p256_dh(sk_e, pk_r)
    kem_context = enc + pk_r
    eae_prk = labeled_extract(KEM_SUITE_ID, b"", b"eae_prk", dh)
    shared_secret = labeled_expand(KEM_SUITE_ID, eae_prk, b"shared_secret", kem_context, 32)
    psk_id_hash = labeled_extract(HPKE_SUITE_ID, b"", b"psk_id_hash", b"")
    info_hash = labeled_extract(HPKE_SUITE_ID, b"", b"info_hash", info)
    key_schedule_context = b"\x00" + psk_id_hash + info_hash
    secret = labeled_extract(HPKE_SUITE_ID, shared_secret, b"secret", b"")
    hpke_key = labeled_expand(HPKE_SUITE_ID, secret, b"key", key_schedule_context, 32)
    base_nonce = labeled_expand(HPKE_SUITE_ID, secret, b"base_nonce", key_schedule_context, 12)
    sealed_key, sealed_tag = _gcm(hpke_key, base_nonce, b"", file_key)

    prefix = fixed + enc + sealed_key + sealed_tag
    prefix_digest = hashlib.sha256(prefix).digest()
    prk = hkdf_extract(prefix_digest, file_key)
    segment_key = hkdf_expand(prk, b"ggzy-envelope/1 segment key", 32)
    nonce_prefix = hkdf_expand(prk, b"ggzy-envelope/1 nonce prefix", 7)
    count = -(-len(plaintext) // segment_size)
    segments, body = [], b""
    for index in range(count):
        final = index == count - 1
        piece = plaintext[index * segment_size:(index + 1) * segment_size]
        nonce = nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")
        ciphertext, tag = _gcm(segment_key, nonce, prefix_digest, piece)
        flag = b"\x01" if final else b"\x00"
        body += flag + ciphertext + tag
        segments.append({"index": index, "flag_hex": flag.hex(), "plaintext_hex": piece.hex(),
                         "nonce_hex": nonce.hex(), "ciphertext_hex": ciphertext.hex(),
                         "tag_hex": tag.hex()})
    env = prefix + body
    env_sha256 = hashlib.sha256(env).hexdigest()

    bidder_seed = bytes.fromhex(inputs["bidder_signing_seed_hex"])
    signed_message = b"ggzy-bid-signature/1\x00" + bytes.fromhex(env_sha256)
    bid_signature = _ed25519_sign(bidder_seed, signed_message)

    t, s = inputs["tender_id"], inputs["section_id"]
    request = {
        "method": "PUT",
        "path": f"/api/v1/tenders/{t}/sections/{s}/bid",
        "headers": {
            "Authorization": f"Bearer {inputs['api_token']}",
            "Content-Type": "application/octet-stream",
            "Content-Length": str(len(env)),
            "X-Bid-Signature": _b64(bid_signature),
            "X-Bidder-Public-Key": _b64(_ed25519_public(bidder_seed)),
        },
    }

    platform_seed = bytes.fromhex(inputs["receipt_signing_seed_hex"])
    platform_public = _ed25519_public(platform_seed)
    key_id_input = b"ggzy-receipt-key/1\x00" + platform_public
    receipt_key_id = hashlib.sha256(key_id_input).hexdigest()[:16]
    fields = {
        "receipt_id": inputs["receipt"]["receipt_id"], "tender_id": t, "section_id": s,
        "bidder_id": inputs["bidder_id"], "envelope_sha256": env_sha256,
        "envelope_size": len(env), "server_time": inputs["receipt"]["server_time"],
        "deadline": inputs["receipt"]["deadline"],
        "log_promise": inputs["receipt"]["log_promise"],
    }
    signed = _jcs({"type": "ggzy-bid-receipt/2", "key_id": receipt_key_id, "fields": fields})
    receipt_signature = _ed25519_sign(platform_seed, signed)

    return {
        "opening_key": {"public_key_hex": pk_r.hex(), "public_key_b64": _b64(pk_r),
                        "key_id": key_id},
        "plaintext": {"length": len(plaintext), "hex": plaintext.hex(),
                      "sha256": hashlib.sha256(plaintext).hexdigest(),
                      "segment_count": count},
        "header": {"json": header.decode("ascii"), "length": len(header),
                   "fixed_start_hex": fixed[:11].hex(), "fixed_length": len(fixed),
                   "header_digest_hex": header_digest.hex(), "info_hex": info.hex()},
        "hpke": {
            "kem_suite_id_hex": KEM_SUITE_ID.hex(), "hpke_suite_id_hex": HPKE_SUITE_ID.hex(),
            "enc_hex": enc.hex(), "dh_hex": dh.hex(), "kem_context_hex": kem_context.hex(),
            "eae_prk_hex": eae_prk.hex(), "shared_secret_hex": shared_secret.hex(),
            "psk_id_hash_hex": psk_id_hash.hex(), "info_hash_hex": info_hash.hex(),
            "key_schedule_context_hex": key_schedule_context.hex(), "secret_hex": secret.hex(),
            "key_hex": hpke_key.hex(), "base_nonce_hex": base_nonce.hex(),
            "sealed_file_key_hex": (sealed_key + sealed_tag).hex(),
        },
        "payload": {"prefix_length": len(prefix), "prefix_digest_hex": prefix_digest.hex(),
                    "prk_hex": prk.hex(), "segment_key_hex": segment_key.hex(),
                    "nonce_prefix_hex": nonce_prefix.hex(), "segments": segments},
        "envelope": {"size": len(env), "sha256": env_sha256, "b64": _b64(env)},
        "bid_signature": {"public_key_b64": _b64(_ed25519_public(bidder_seed)),
                          "message_hex": signed_message.hex(),
                          "signature_b64": _b64(bid_signature)},
        "request": request,
        "receipt": {
            "public_key_answer": {"public_key_b64": _b64(platform_public),
                                  "key_id": receipt_key_id},
            "key_id_input_hex": key_id_input.hex(),
            "signed_text": signed.decode("ascii"),
            "response": {"type": "ggzy-bid-receipt/2", "key_id": receipt_key_id,
                         "fields": fields, "signature": _b64(receipt_signature)},
        },
    }
