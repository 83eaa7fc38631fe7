"""Opening an envelope with the rebuilt opening key, and the bidder's half of a
bidder-decrypts envelope."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import IO, BinaryIO

from Crypto.Cipher import AES
from Crypto.Protocol import HPKE
from Crypto.PublicKey.ECC import EccKey

from bidding.sealing.crypto.common import sha256
from bidding.sealing.crypto.envelope.format import (
    ENC_LENGTH,
    FIXED_PREFIX_LENGTH,
    FLAG_FINAL,
    FLAG_MORE,
    HALF_LENGTH,
    MAGIC,
    MAX_HEADER_LENGTH,
    READ_CHUNK,
    SEALED_KEY_LENGTH,
    SUITES,
    TAG_LENGTH,
    DecryptionError,
    EnvelopeError,
    EnvelopeInfo,
    ExpectedIds,
    Header,
    OpenResult,
    bidder_key_id,
    check_enc,
    check_expected,
    hpke_bidder_info,
    hpke_info,
    key_slots,
    malformed,
    not_an_envelope,
    parse_header,
    read_exactly,
    segment_keys,
    segment_nonce,
    verify_envelope_signature,
    xor_halves,
)


class HashingReader:
    def __init__(self, src: IO[bytes]) -> None:
        self.src = src
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int) -> bytes:
        data = read_exactly(self.src, n)
        self.hash.update(data)
        self.size += len(data)
        return data

    def readinto(self, view: memoryview) -> int:
        """Fill ``view`` (short only at the end of the file): no new buffer per segment."""
        got = 0
        readinto = getattr(self.src, "readinto", None)
        while got < len(view):
            if readinto is not None:
                count = readinto(view[got:])
            else:
                data = self.src.read(len(view) - got)
                count = len(data)
                view[got:got + count] = data
            if not count:
                break
            got += count
        self.hash.update(view[:got])
        self.size += got
        return got

    def drain(self) -> None:
        while chunk := self.src.read(READ_CHUNK):
            self.hash.update(chunk)
            self.size += len(chunk)


def truncated() -> DecryptionError:
    return DecryptionError("信封被截断", "the envelope is truncated", code="truncated")


def open_stream(src: BinaryIO, dst: BinaryIO, *, opening_private_key: EccKey,
                expected: ExpectedIds | None, bidder_half: bytes | None = None) -> OpenResult:
    """Decrypt an envelope into ``dst``, checking every tag, the plaintext digest and length.

    A bidder-decrypts envelope also needs ``bidder_half``, the 32 bytes the bidder unsealed
    with its own key (``open_bidder_half``); without it the error is the bidder's
    (``code="bidder_half_missing"``).

    Plaintext is written segment by segment as each one authenticates, so on an exception
    ``dst`` holds an authentic but incomplete prefix: write to a temporary file and discard it
    on error. The fault of an error is "platform" exactly when ``expected.envelope_sha256`` is
    known and the stored bytes do not match it (the rest of ``src`` is read to decide).
    """
    reader = HashingReader(src)
    try:
        result = _open(reader, dst, opening_private_key, expected, bidder_half)
    except EnvelopeError as exc:
        if expected is not None and expected.envelope_sha256 is not None:
            reader.drain()
            if reader.hash.hexdigest() != expected.envelope_sha256:
                raise _platform_fault(expected.envelope_sha256) from exc
        raise
    digest = reader.hash.hexdigest()
    if expected is not None and expected.envelope_sha256 not in (None, digest):
        raise _platform_fault(expected.envelope_sha256)
    if expected is not None and expected.bid_signature is not None:
        if expected.bidder_public_key is None:
            raise ValueError("bid_signature needs bidder_public_key")
        verify_envelope_signature(digest, expected.bid_signature, expected.bidder_public_key)
    return result


def _platform_fault(receipted: str) -> EnvelopeError:
    return EnvelopeError("存储的投标文件与回执中的摘要不符（平台原因）",
                         f"the stored envelope does not match the receipted digest {receipted} "
                         "(platform fault)", fault="platform", code="storage_mismatch")


@dataclass(frozen=True)
class _Prefix:
    header: Header
    fixed: bytes
    slots: list[tuple[bytes, bytes]]  # (enc, sealed half or key), 1 or 2

    @property
    def prefix(self) -> bytes:
        return self.fixed + b"".join(enc + sealed for enc, sealed in self.slots)


def _read_prefix(reader: HashingReader, expected: ExpectedIds | None) -> _Prefix:
    fixed = reader.read(FIXED_PREFIX_LENGTH)
    if not fixed:
        raise EnvelopeError("文件为空", "the file is empty", code="empty")
    if not MAGIC.startswith(fixed[:len(MAGIC)]):
        raise not_an_envelope(fixed)
    if len(fixed) < FIXED_PREFIX_LENGTH:
        raise truncated()
    version = fixed[len(MAGIC)]
    if version not in SUITES:
        raise malformed("不支持的信封版本", "unsupported envelope version", code="unsupported")
    header_length = int.from_bytes(fixed[len(MAGIC) + 1:], "big")
    if not 0 < header_length <= MAX_HEADER_LENGTH:
        raise malformed("信封头长度无效", "invalid envelope header length")
    header_bytes = reader.read(header_length)
    if len(header_bytes) < header_length:
        raise truncated()
    header = parse_header(header_bytes, version)
    check_expected(header, expected)
    fixed += header_bytes
    slots = []
    for _slot in range(key_slots(version)):
        keys = reader.read(ENC_LENGTH + SEALED_KEY_LENGTH)
        if len(keys) < ENC_LENGTH + SEALED_KEY_LENGTH:
            raise truncated()
        check_enc(keys[:ENC_LENGTH])
        slots.append((keys[:ENC_LENGTH], keys[ENC_LENGTH:]))
    return _Prefix(header, fixed, slots)


def _unseal(private_key: EccKey, enc: bytes, sealed: bytes, info: bytes) -> bytes:
    context = HPKE.new(receiver_key=private_key, aead_id=HPKE.AEAD.AES256_GCM, enc=enc,
                       info=info)
    return bytes(context.unseal(sealed))


def _file_key(parsed: _Prefix, private_key: EccKey, bidder_half: bytes | None) -> bytes:
    enc, sealed = parsed.slots[0]
    try:
        platform_key = _unseal(private_key, enc, sealed, hpke_info(sha256(parsed.fixed)))
    except ValueError as exc:
        raise DecryptionError("无法解开文件密钥：开标私钥不符或信封头被篡改",
                              "cannot unseal the file key: wrong opening key or altered header",
                              code="bad_key_seal") from exc
    if len(parsed.slots) == 1:
        return platform_key
    if bidder_half is None:
        raise DecryptionError("投标人未提交其密钥半份（投标人解密方式），无法解密",
                              "the bidder did not submit its key half (bidder-decrypts mode)",
                              code="bidder_half_missing")
    if len(bidder_half) != HALF_LENGTH:
        raise DecryptionError("投标人提交的密钥半份长度不对（应为 32 字节）",
                              "the bidder's key half must have 32 bytes", code="wrong_half")
    return xor_halves(platform_key, bidder_half)


def _open(reader: HashingReader, dst: IO[bytes], private_key: EccKey,
          expected: ExpectedIds | None, bidder_half: bytes | None = None) -> OpenResult:
    parsed = _read_prefix(reader, expected)
    header = parsed.header
    file_key = _file_key(parsed, private_key, bidder_half)
    prefix = parsed.prefix
    aad = sha256(prefix)
    key, nonce_prefix = segment_keys(file_key, aad)
    n = header.segment_count
    plain_hash = hashlib.sha256()
    written = 0
    # One frame buffer and one plaintext buffer for every segment: fresh 1 MiB objects per
    # segment cost page faults and copies comparable to the decryption itself.
    largest = min(header.segment_size, header.plaintext_length)
    frame_buffer, plain_buffer = bytearray(1 + largest + TAG_LENGTH), bytearray(largest)
    for index in range(n):
        final = index == n - 1
        size = header.segment_size if not final else header.plaintext_length - written
        frame = memoryview(frame_buffer)[:1 + size + TAG_LENGTH]
        if reader.readinto(frame) < 1 + size + TAG_LENGTH:
            raise truncated()
        if frame[0] != (FLAG_FINAL if final else FLAG_MORE):
            raise DecryptionError(f"第 {index + 1} 段的分段标志错误",
                                  f"segment {index + 1} has a wrong segment flag")
        cipher = AES.new(key, AES.MODE_GCM, nonce=segment_nonce(nonce_prefix, index, final),
                         mac_len=TAG_LENGTH)
        cipher.update(aad)
        plain = memoryview(plain_buffer)[:size]
        cipher.decrypt(frame[1:1 + size], output=plain)
        try:  # nothing of the segment reaches dst before its tag is verified
            cipher.verify(frame[1 + size:])
        except ValueError as exc:
            raise DecryptionError(f"第 {index + 1} 段认证失败（被篡改、调换或拼接）",
                                  f"segment {index + 1} fails authentication "
                                  "(altered, reordered or spliced)", code="bad_tag") from exc
        plain_hash.update(plain)
        dst.write(plain)
        written += size
    if reader.read(1):
        raise malformed("信封末尾有多余数据", "trailing bytes after the final segment")
    if plain_hash.hexdigest() != header.plaintext_sha256:
        raise DecryptionError("解密后的明文摘要与信封头不符", "the decrypted plaintext does not "
                              "match the digest in the header", code="bad_plaintext_digest")
    info = EnvelopeInfo(version=header.version, header=header, segment_count=n,
                        envelope_size=reader.size, envelope_sha256=reader.hash.hexdigest(),
                        prefix_sha256=aad.hex())
    return OpenResult(info=info, plaintext_sha256=header.plaintext_sha256,
                      plaintext_length=written)


# --------------------------------------------------------------------------- bidder decrypts

def read_bidder_slot(src: BinaryIO) -> tuple[Header, bytes, bytes, bytes]:
    """(header, header_digest, enc, sealed half) of a bidder-decrypts envelope's own slot: what a
    bidder's client unseals with its private key (only the prefix is read)."""
    parsed = _read_prefix(HashingReader(src), None)
    if len(parsed.slots) != 2:
        raise malformed("该信封不是“投标人解密”方式", "not a bidder-decrypts envelope",
                         code="wrong_mode")
    enc, sealed = parsed.slots[1]
    return parsed.header, sha256(parsed.fixed), enc, sealed


def open_bidder_half(src: BinaryIO, bidder_private_key: EccKey) -> bytes:
    """The bidder's half of the file key, unsealed with the bidder's P-256 private key."""
    header, header_digest, enc, sealed = read_bidder_slot(src)
    public = bidder_private_key.public_key().export_key(format="raw")
    assert isinstance(public, bytes)
    if header.bidder_key_id != bidder_key_id(public):
        raise EnvelopeError(f"该信封是用另一把投标人密钥（{header.bidder_key_id}）加密的",
                            f"the envelope was sealed to another bidder key "
                            f"({header.bidder_key_id})", code="wrong_bidder_key")
    try:
        return _unseal(bidder_private_key, enc, sealed, hpke_bidder_info(header_digest))
    except ValueError as exc:
        raise DecryptionError("无法解开投标人的密钥半份：密钥不符或信封被篡改",
                              "cannot unseal the bidder's key half: wrong key or altered "
                              "envelope", code="bad_key_seal") from exc


def check_bidder_half(src: BinaryIO, *, opening_private_key: EccKey, bidder_half: bytes,
                      expected: ExpectedIds | None) -> None:
    """Check a submitted bidder half against the stored envelope without decrypting it all:
    the file key it gives must authenticate the first segment. Raises ``EnvelopeError`` with
    ``code="wrong_half"`` when it does not (and other codes for a broken envelope)."""
    reader = HashingReader(src)
    parsed = _read_prefix(reader, expected)
    if len(parsed.slots) != 2:
        raise malformed("该信封不是“投标人解密”方式", "not a bidder-decrypts envelope",
                         code="wrong_mode")
    file_key = _file_key(parsed, opening_private_key, bidder_half)
    aad = sha256(parsed.prefix)
    key, nonce_prefix = segment_keys(file_key, aad)
    header = parsed.header
    final = header.segment_count == 1
    size = header.plaintext_length if final else header.segment_size
    frame = reader.read(1 + size + TAG_LENGTH)
    if len(frame) < 1 + size + TAG_LENGTH:
        raise truncated()
    cipher = AES.new(key, AES.MODE_GCM, nonce=segment_nonce(nonce_prefix, 0, final),
                     mac_len=TAG_LENGTH)
    cipher.update(aad)
    try:
        cipher.decrypt_and_verify(frame[1:1 + size], frame[1 + size:])
    except ValueError as exc:
        raise DecryptionError("投标人提交的密钥半份不正确（与信封不符）",
                              "the bidder's key half is wrong (it does not open the envelope)",
                              code="wrong_half") from exc
