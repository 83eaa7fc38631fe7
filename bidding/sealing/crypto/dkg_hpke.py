"""HPKE (RFC 9180) base mode written out for the key ceremony: a dealer keeps each sealed
share's ephemeral key (its reveal settles a complaint), and a shared point from partial
decryptions finishes an HPKE decapsulation. Re-exported by ``bidding.sealing.crypto.dkg``."""

from __future__ import annotations

import hashlib
import hmac

from Crypto.Cipher import AES
from Crypto.PublicKey._point import EccPoint

from bidding.sealing.crypto.dkg_transcript import G
from bidding.sealing.crypto.points import decode_point, encode_point

KEM_SUITE = b"KEM\x00\x10"  # DHKEM(P-256, HKDF-SHA256)
HPKE_SUITE = b"HPKE\x00\x10\x00\x01\x00\x02"  # + HKDF-SHA256 + AES-256-GCM


def _labeled_extract(salt: bytes, label: bytes, ikm: bytes, suite: bytes) -> bytes:
    return hmac.new(salt, b"HPKE-v1" + suite + label + ikm, hashlib.sha256).digest()


def _labeled_expand(prk: bytes, label: bytes, info: bytes, length: int, suite: bytes) -> bytes:
    assert length <= 32  # one HKDF-Expand block is enough for every length used here
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info
    return hmac.new(prk, labeled + b"\x01", hashlib.sha256).digest()[:length]


def hpke_key_schedule(shared_point: EccPoint, enc: bytes, receiver_public: bytes,
                      info: bytes) -> tuple[bytes, bytes]:
    """(AEAD key, base nonce) of HPKE base mode, from the ECDH point sk·pkE (= skE·pkR)."""
    dh = int(shared_point.x).to_bytes(32, "big")
    eae_prk = _labeled_extract(b"", b"eae_prk", dh, KEM_SUITE)
    shared_secret = _labeled_expand(eae_prk, b"shared_secret", enc + receiver_public, 32,
                                    KEM_SUITE)
    context = (b"\x00" + _labeled_extract(b"", b"psk_id_hash", b"", HPKE_SUITE)
               + _labeled_extract(b"", b"info_hash", info, HPKE_SUITE))
    secret = _labeled_extract(shared_secret, b"secret", b"", HPKE_SUITE)
    return (_labeled_expand(secret, b"key", context, 32, HPKE_SUITE),
            _labeled_expand(secret, b"base_nonce", context, 12, HPKE_SUITE))


def hpke_seal_with_ephemeral(receiver_public: bytes, info: bytes, plaintext: bytes,
                             ephemeral: int) -> tuple[bytes, bytes]:
    """(enc, ciphertext||tag) of a single-shot HPKE seal with a given ephemeral scalar."""
    enc = encode_point(G * ephemeral)
    key, nonce = hpke_key_schedule(decode_point(receiver_public) * ephemeral, enc,
                                   receiver_public, info)
    ciphertext, tag = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=16).encrypt_and_digest(
        plaintext)
    return enc, bytes(ciphertext) + bytes(tag)


def hpke_open_with_shared_point(shared_point: bytes, enc: bytes, receiver_public: bytes,
                                info: bytes, ciphertext: bytes, aad: bytes = b"") -> bytes:
    """Open the first message of an HPKE context given the ECDH point (raw, 65 bytes): what a
    k-of-n partial decryption yields. Raises ``ValueError`` if it does not authenticate."""
    if len(ciphertext) < 16:
        raise ValueError("ciphertext too short")
    key, nonce = hpke_key_schedule(decode_point(shared_point), enc, receiver_public, info)
    cipher = AES.new(key, AES.MODE_GCM, nonce=nonce, mac_len=16)
    cipher.update(aad)
    return bytes(cipher.decrypt_and_verify(ciphertext[:-16], ciphertext[-16:]))
