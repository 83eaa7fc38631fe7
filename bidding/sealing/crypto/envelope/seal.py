"""Sealing a file into an envelope (the bidder's side: ``ggzy bid seal``, the demo, tests)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from typing import IO, BinaryIO

from Crypto.Cipher import AES
from Crypto.Protocol import HPKE
from Crypto.PublicKey.ECC import EccKey

from bidding.sealing.crypto.common import sha256, valid_id
from bidding.sealing.crypto.envelope.format import (
    DEFAULT_SEGMENT_SIZE,
    FLAG_FINAL,
    FLAG_MORE,
    HALF_LENGTH,
    MAGIC,
    MAX_SEGMENT_SIZE,
    MIN_SEGMENT_SIZE,
    READ_CHUNK,
    SUITE_BD,
    SUITE_ID,
    TAG_LENGTH,
    EnvelopeError,
    Header,
    SealResult,
    bidder_key_id,
    hpke_bidder_info,
    hpke_info,
    import_opening_public_key,
    read_exactly,
    segment_keys,
    segment_nonce,
    sign_envelope,
    xor_halves,
)


class _HashingWriter:
    def __init__(self, dst: IO[bytes]) -> None:
        self.dst = dst
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.dst.write(data)
        self.hash.update(data)
        self.size += len(data)


def seal_stream(src: BinaryIO, dst: BinaryIO, *, opening_public_key: bytes, tender_id: str,
                section_id: str, bidder_id: str, key_id: str,
                segment_size: int = DEFAULT_SEGMENT_SIZE,
                bidder_signing_key: EccKey | None = None,
                bidder_public_key: bytes | None = None,
                on_progress: Callable[[int, int], None] | None = None) -> SealResult:
    """Seal ``src`` into an envelope written to ``dst``.

    Two passes over the plaintext (the header carries its SHA-256 and length): a seekable
    ``src`` is rewound, any other is first spooled to a temporary file. With
    ``bidder_public_key`` (the bidder's raw P-256 decryption key) the envelope uses the
    bidder-decrypts suite: the file key is split into two XOR halves, one sealed to the opening
    key and one to the bidder's key.
    """
    for name, value in (("tender_id", tender_id), ("section_id", section_id),
                        ("bidder_id", bidder_id), ("key_id", key_id)):
        if not valid_id(value):
            raise ValueError(f"invalid {name}: {value!r}")
    if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
        raise ValueError("segment_size out of range")
    receiver = import_opening_public_key(opening_public_key)
    bidder_receiver = (import_opening_public_key(bidder_public_key)
                       if bidder_public_key is not None else None)
    spool: IO[bytes] | None = None
    try:
        if src.seekable():
            source: IO[bytes] = src
        else:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed in finally
            shutil.copyfileobj(src, spool)
            source = spool
        start = source.seek(0, os.SEEK_CUR) if spool is None else 0
        plain_hash = hashlib.sha256()
        source.seek(start)
        length = 0
        while chunk := source.read(READ_CHUNK):
            plain_hash.update(chunk)
            length += len(chunk)
        if length == 0:
            raise EnvelopeError("投标文件为空", "the bid file is empty", code="empty")
        source.seek(start)
        header = Header(suite=SUITE_ID if bidder_public_key is None else SUITE_BD,
                        tender_id=tender_id, section_id=section_id,
                        bidder_id=bidder_id, key_id=key_id, segment_size=segment_size,
                        plaintext_length=length, plaintext_sha256=plain_hash.hexdigest(),
                        bidder_key_id=(bidder_key_id(bidder_public_key)
                                       if bidder_public_key is not None else None))
        header_bytes = header.to_json_bytes()
        fixed = (MAGIC + bytes([header.version]) + len(header_bytes).to_bytes(2, "big")
                 + header_bytes)
        file_key = os.urandom(32)
        header_digest = sha256(fixed)
        context = HPKE.new(receiver_key=receiver, aead_id=HPKE.AEAD.AES256_GCM,
                           info=hpke_info(header_digest))
        if bidder_receiver is None:
            prefix = fixed + context.enc + context.seal(file_key)
        else:
            bidder_half = os.urandom(HALF_LENGTH)
            bidder_context = HPKE.new(receiver_key=bidder_receiver,
                                      aead_id=HPKE.AEAD.AES256_GCM,
                                      info=hpke_bidder_info(header_digest))
            prefix = (fixed + context.enc + context.seal(xor_halves(file_key, bidder_half))
                      + bidder_context.enc + bidder_context.seal(bidder_half))
        out = _HashingWriter(dst)
        out.write(prefix)
        key, nonce_prefix = segment_keys(file_key, sha256(prefix))
        aad = sha256(prefix)
        n = header.segment_count
        check_hash = hashlib.sha256()
        for index in range(n):
            final = index == n - 1
            plain = read_exactly(source, segment_size if not final
                                  else length - (n - 1) * segment_size)
            check_hash.update(plain)
            cipher = AES.new(key, AES.MODE_GCM, nonce=segment_nonce(nonce_prefix, index, final),
                             mac_len=TAG_LENGTH)
            cipher.update(aad)
            ciphertext, tag = cipher.encrypt_and_digest(plain)
            out.write(bytes([FLAG_FINAL if final else FLAG_MORE]) + ciphertext + tag)
            if on_progress is not None:
                on_progress(min(length, (index + 1) * segment_size), length)
        if check_hash.hexdigest() != header.plaintext_sha256:
            raise RuntimeError("the bid file changed while it was being sealed")
    finally:
        if spool is not None:
            spool.close()
    digest = out.hash.hexdigest()
    signature = sign_envelope(digest, bidder_signing_key) if bidder_signing_key else None
    return SealResult(envelope_sha256=digest, envelope_size=out.size,
                      plaintext_sha256=header.plaintext_sha256, plaintext_length=length,
                      segment_count=n, signature=signature)
