"""The sealed-bid envelope (format version 1): sealing, structural checking and opening.

The work is split by what is done with an envelope: ``format`` (constants, types, key schedule,
header parsing), ``check`` (structural check without a key), ``seal`` and ``unseal``; the names
callers use are re-exported here.

Byte layout (all integers big-endian; the full specification is ``docs/envelope.md``)::

    magic            8   b"\\x89GGZYENV"
    version          1   0x01
    header_length    2   H (1..4096)
    header           H   UTF-8 JSON object: suite, tender_id, section_id, bidder_id, key_id,
                         segment_size, plaintext_length, plaintext_sha256
    enc             65   HPKE encapsulated key (uncompressed P-256 point)
    sealed_file_key 48   HPKE seal (AES-256-GCM) of the 32-byte file key
    segments         n × (flag 1 | ciphertext | tag 16), n = ceil(plaintext_length / segment_size)

The *prefix* is everything before the first segment; ``header_digest = SHA-256(prefix without
enc and sealed_file_key)`` is bound into the HPKE ``info`` (so the opening key only releases the
file key for this exact header) and ``SHA-256(prefix)`` is the AAD of every segment. Segment keys
come from the file key with HKDF-SHA256; segment ``i`` uses the nonce
``nonce_prefix(7) | i (4) | final (1)`` (the STREAM construction of Hoang, Reyhanitabar, Rogaway
and Vizár), so truncation, reordering, splicing and bit flips all fail authentication.

The bidder's Ed25519 signature is *detached*: it signs ``b"ggzy-bid-signature/1\\x00" ||
envelope_sha256`` and travels beside the envelope (HTTP header ``X-Bid-Signature``). Keeping it
out of the envelope means the receipted digest covers exactly the stored bytes, and a browser
bidder without a signing key produces the same format.
"""

from __future__ import annotations

from bidding.sealing.crypto.envelope.check import EnvelopeChecker, inspect_stream
from bidding.sealing.crypto.envelope.format import (
    DEFAULT_SEGMENT_SIZE,
    FIXED_PREFIX_LENGTH,
    HALF_LENGTH,
    SUITE_BD,
    SUITE_ID,
    SUITES,
    VERSION,
    VERSION_BD,
    DecryptionError,
    EnvelopeError,
    EnvelopeInfo,
    ExpectedIds,
    Header,
    OpenResult,
    SealResult,
    bidder_key_id,
    envelope_size,
    hpke_info,
    import_opening_public_key,
    parse_header,
    prefix_length,
    segment_keys,
    segment_nonce,
    sign_envelope,
    signature_message,
    verify_envelope_signature,
    xor_halves,
)
from bidding.sealing.crypto.envelope.seal import seal_stream
from bidding.sealing.crypto.envelope.unseal import (
    check_bidder_half,
    open_bidder_half,
    open_stream,
    read_bidder_slot,
)

__all__ = [
    "DEFAULT_SEGMENT_SIZE",
    "FIXED_PREFIX_LENGTH",
    "HALF_LENGTH",
    "SUITES",
    "SUITE_BD",
    "SUITE_ID",
    "VERSION",
    "VERSION_BD",
    "DecryptionError",
    "EnvelopeChecker",
    "EnvelopeError",
    "EnvelopeInfo",
    "ExpectedIds",
    "Header",
    "OpenResult",
    "SealResult",
    "bidder_key_id",
    "check_bidder_half",
    "envelope_size",
    "hpke_info",
    "import_opening_public_key",
    "inspect_stream",
    "open_bidder_half",
    "open_stream",
    "parse_header",
    "prefix_length",
    "read_bidder_slot",
    "seal_stream",
    "segment_keys",
    "segment_nonce",
    "sign_envelope",
    "signature_message",
    "verify_envelope_signature",
    "xor_halves",
]
