"""The sealed-bid envelope (format version 1): sealing, structural checking and opening.

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

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, Any, BinaryIO, Literal

from Crypto.Cipher import AES
from Crypto.Hash import SHA256
from Crypto.Protocol import HPKE
from Crypto.Protocol.KDF import HKDF
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from bidding.crypto.common import sha256, valid_id

MAGIC = b"\x89GGZYENV"
VERSION = 1
SUITE_ID = "HPKE-P256-SHA256-AES256GCM/1"
# "Bidder decrypts" (design item 7): the file key is the XOR of a half sealed to the opening key
# and a half sealed to the bidder's own P-256 key; the prefix carries a second key slot, so the
# layout has its own version byte.
VERSION_BD = 2
SUITE_BD = "HPKE-P256-SHA256-AES256GCM-BD/1"
SUITES = {VERSION: SUITE_ID, VERSION_BD: SUITE_BD}
HEADER_FIELDS = frozenset({
    "suite", "tender_id", "section_id", "bidder_id", "key_id",
    "segment_size", "plaintext_length", "plaintext_sha256",
})
HEADER_FIELDS_BD = HEADER_FIELDS | {"bidder_key_id"}
HALF_LENGTH = 32
HPKE_BIDDER_INFO_LABEL = b"ggzy-envelope-bidder/1\x00"
MAX_HEADER_LENGTH = 4096
ENC_LENGTH = 65
SEALED_KEY_LENGTH = 48
TAG_LENGTH = 16
FIXED_PREFIX_LENGTH = len(MAGIC) + 1 + 2
DEFAULT_SEGMENT_SIZE = 1 << 20
MIN_SEGMENT_SIZE = 64
MAX_SEGMENT_SIZE = 1 << 24
MAX_PLAINTEXT_LENGTH = 1 << 40
HPKE_INFO_LABEL = b"ggzy-envelope/1\x00"
KEY_INFO = b"ggzy-envelope/1 segment key"
NONCE_INFO = b"ggzy-envelope/1 nonce prefix"
SIGNATURE_LABEL = b"ggzy-bid-signature/1\x00"
FLAG_MORE = 0x00
FLAG_FINAL = 0x01
_READ_CHUNK = 1 << 16

Fault = Literal["bidder", "platform"]


class EnvelopeError(Exception):
    """An envelope is refused or cannot be opened. ``fault`` classifies it per R-25:
    ``"bidder"`` (malformed, forged or foreign: the bid counts as revoked, 撤销) or
    ``"platform"`` (the stored bytes differ from the receipted ones: withdrawn, 撤回)."""

    def __init__(self, reason_zh: str, reason_en: str, *, fault: Fault = "bidder",
                 code: str = "malformed") -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.fault: Fault = fault
        self.code = code


class DecryptionError(EnvelopeError):
    """Authentication failed while opening (wrong key, tampered or truncated ciphertext)."""


@dataclass(frozen=True)
class Header:
    suite: str
    tender_id: str
    section_id: str
    bidder_id: str
    key_id: str
    segment_size: int
    plaintext_length: int
    plaintext_sha256: str
    bidder_key_id: str | None = None  # only in the bidder-decrypts suite

    @property
    def segment_count(self) -> int:
        return segment_count(self.plaintext_length, self.segment_size)

    @property
    def version(self) -> int:
        return VERSION_BD if self.suite == SUITE_BD else VERSION

    def to_json_bytes(self) -> bytes:
        # Sorted keys, no spaces: the same bytes as the JavaScript writer (ids are ASCII).
        fields = {k: v for k, v in self.__dict__.items() if v is not None}
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()


@dataclass(frozen=True)
class EnvelopeInfo:
    """What a structural check learns without any key."""

    version: int
    header: Header
    segment_count: int
    envelope_size: int
    envelope_sha256: str
    prefix_sha256: str

    @property
    def tender_id(self) -> str:
        return self.header.tender_id

    @property
    def section_id(self) -> str:
        return self.header.section_id

    @property
    def bidder_id(self) -> str:
        return self.header.bidder_id

    @property
    def key_id(self) -> str:
        return self.header.key_id

    @property
    def plaintext_length(self) -> int:
        return self.header.plaintext_length

    @property
    def bidder_decrypts(self) -> bool:
        return self.version == VERSION_BD


@dataclass(frozen=True)
class ExpectedIds:
    """What the opener (or the upload check) knows independently of the envelope.

    ``envelope_sha256`` is the receipted digest: when given, a failure on bytes that differ from
    it is the platform's fault. ``bid_signature`` with ``bidder_public_key`` (raw Ed25519) makes
    the opener check the bidder's detached signature too. ``bidder_decrypts``, when not None,
    requires the tender's mode: the bidder-decrypts suite exactly when it is True.
    """

    tender_id: str
    section_id: str
    bidder_id: str
    key_id: str | None = None
    envelope_sha256: str | None = None
    bid_signature: bytes | None = None
    bidder_public_key: bytes | None = None
    bidder_decrypts: bool | None = None


@dataclass(frozen=True)
class SealResult:
    envelope_sha256: str
    envelope_size: int
    plaintext_sha256: str
    plaintext_length: int
    segment_count: int
    signature: bytes | None = None  # detached Ed25519 signature, when a signing key was given


@dataclass(frozen=True)
class OpenResult:
    info: EnvelopeInfo
    plaintext_sha256: str
    plaintext_length: int


def segment_count(plaintext_length: int, segment_size: int) -> int:
    return -(-plaintext_length // segment_size)


def key_slots(version: int) -> int:
    """How many (enc, sealed key) slots follow the header: 2 in the bidder-decrypts layout."""
    return 2 if version == VERSION_BD else 1


def prefix_length(header_length: int, version: int = VERSION) -> int:
    return (FIXED_PREFIX_LENGTH + header_length
            + key_slots(version) * (ENC_LENGTH + SEALED_KEY_LENGTH))


def envelope_size(header_length: int, plaintext_length: int, segment_size: int,
                  version: int = VERSION) -> int:
    n = segment_count(plaintext_length, segment_size)
    return prefix_length(header_length, version) + n * (1 + TAG_LENGTH) + plaintext_length


def hpke_info(header_digest: bytes) -> bytes:
    return HPKE_INFO_LABEL + header_digest


def hpke_bidder_info(header_digest: bytes) -> bytes:
    """The ``info`` of the bidder's half: the header digest binds tender, section and bidder."""
    return HPKE_BIDDER_INFO_LABEL + header_digest


def bidder_key_id(bidder_public_key: bytes) -> str:
    """The id of a bidder's P-256 decryption key: 32 hex characters of SHA-256(raw point)."""
    return hashlib.sha256(bidder_public_key).hexdigest()[:32]


def xor_halves(a: bytes, b: bytes) -> bytes:
    if len(a) != HALF_LENGTH or len(b) != HALF_LENGTH:
        raise ValueError("a key half has 32 bytes")
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def segment_keys(file_key: bytes, prefix_digest: bytes) -> tuple[bytes, bytes]:
    """(AES-256 key, 7-byte nonce prefix) for the segments, from the file key."""
    key = HKDF(file_key, 32, prefix_digest, SHA256, context=KEY_INFO)
    nonce_prefix = HKDF(file_key, 7, prefix_digest, SHA256, context=NONCE_INFO)
    assert isinstance(key, bytes) and isinstance(nonce_prefix, bytes)
    return key, nonce_prefix


def segment_nonce(nonce_prefix: bytes, index: int, final: bool) -> bytes:
    return nonce_prefix + index.to_bytes(4, "big") + (b"\x01" if final else b"\x00")


def signature_message(envelope_sha256: str) -> bytes:
    return SIGNATURE_LABEL + bytes.fromhex(envelope_sha256)


def sign_envelope(envelope_sha256: str, signing_key: EccKey) -> bytes:
    """The bidder's detached Ed25519 signature over an envelope digest (hex)."""
    return bytes(eddsa.new(signing_key, "rfc8032").sign(signature_message(envelope_sha256)))


def verify_envelope_signature(envelope_sha256: str, signature: bytes,
                              bidder_public_key: bytes) -> None:
    try:
        key = eddsa.import_public_key(bidder_public_key)
        eddsa.new(key, "rfc8032").verify(signature_message(envelope_sha256), signature)
    except ValueError as exc:
        raise EnvelopeError("投标人签名无效", "the bidder's signature is invalid",
                            code="bad_signature") from exc


def import_opening_public_key(raw: bytes) -> EccKey:
    if len(raw) != ENC_LENGTH or raw[0] != 0x04:
        raise ValueError("the opening public key must be an uncompressed P-256 point (65 bytes)")
    return ECC.import_key(raw, curve_name="p256")


# --------------------------------------------------------------------------- header parsing

def _malformed(zh: str, en: str, code: str = "malformed") -> EnvelopeError:
    return EnvelopeError(zh, en, code=code)


def _not_an_envelope(start: bytes) -> EnvelopeError:
    kinds = {b"%PDF": "PDF", b"PK\x03\x04": "ZIP/Office", b"\xd0\xcf\x11\xe0": "Office",
             b"\x89PNG": "PNG", b"\xff\xd8\xff": "JPEG"}
    kind = next((name for sig, name in kinds.items() if start.startswith(sig)), None)
    seen_zh = f"（看起来是 {kind} 文件）" if kind else ""
    seen_en = f" (it looks like a {kind} file)" if kind else ""
    return EnvelopeError(
        f"不是加密的投标文件{seen_zh}：未加密的投标文件一律拒收，请先用投标客户端加密",
        f"not an encrypted bid envelope{seen_en}: unencrypted bids are refused; "
        "seal the file with the bidding client first",
        code="not_encrypted")


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key}")
        result[key] = value
    return result


def _is_hex(value: object, length: int) -> bool:
    return (isinstance(value, str) and len(value) == length
            and all(c in "0123456789abcdef" for c in value))


def parse_header(raw: bytes, version: int = VERSION) -> Header:
    """Validate the JSON header strictly (each version knows exactly its fields and suite)."""
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _malformed("信封头不是有效的 JSON", "the envelope header is not valid JSON") from exc
    fields = HEADER_FIELDS_BD if version == VERSION_BD else HEADER_FIELDS
    if not isinstance(data, dict) or set(data) != fields:
        raise _malformed("信封头字段不符", "the envelope header has missing or unknown fields")
    if data["suite"] != SUITES.get(version):
        raise _malformed(f"不支持的加密套件 {str(data['suite'])[:64]}",
                         f"unsupported suite {str(data['suite'])[:64]}", code="unsupported")
    for name in ("tender_id", "section_id", "bidder_id", "key_id"):
        if not valid_id(data[name]):
            raise _malformed(f"信封头字段 {name} 无效", f"invalid header field {name}")
    for name, low, high in (("segment_size", MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE),
                            ("plaintext_length", 1, MAX_PLAINTEXT_LENGTH)):
        value = data[name]
        if type(value) is not int or not low <= value <= high:
            raise _malformed(f"信封头字段 {name} 超出范围", f"header field {name} out of range")
    if not _is_hex(data["plaintext_sha256"], 64):
        raise _malformed("信封头中的明文摘要无效", "invalid plaintext_sha256 in the header")
    if "bidder_key_id" in data and not _is_hex(data["bidder_key_id"], 32):
        raise _malformed("信封头中的投标人密钥标识无效", "invalid bidder_key_id in the header")
    return Header(**data)


def _check_enc(enc: bytes) -> None:
    try:
        import_opening_public_key(enc)
    except ValueError as exc:
        raise _malformed("信封中的封装密钥无效", "the envelope's encapsulated key is invalid") from exc


def _check_expected(header: Header, expected: ExpectedIds | None) -> None:
    if expected is None:
        return
    pairs = [("tender_id", "项目", "tender"), ("section_id", "标段", "section"),
             ("bidder_id", "投标人", "bidder")]
    for name, zh, en in pairs:
        if getattr(header, name) != getattr(expected, name):
            raise EnvelopeError(f"信封属于另一{zh}（{getattr(header, name)}）",
                                f"the envelope belongs to another {en} ({getattr(header, name)})",
                                code="wrong_target")
    if expected.key_id is not None and header.key_id != expected.key_id:
        raise EnvelopeError(f"信封使用的开标公钥 {header.key_id} 不是本项目的公钥",
                            f"the envelope was sealed to key {header.key_id}, "
                            "not this tender's opening key", code="wrong_key")
    mode = expected.bidder_decrypts
    if mode is not None and (header.suite == SUITE_BD) != mode:
        if mode:
            raise EnvelopeError("本项目采用“投标人解密”方式，请用投标人解密密钥加密（套件 "
                                f"{SUITE_BD}）", "this tender uses the bidder-decrypts mode: seal "
                                f"with your decryption key (suite {SUITE_BD})", code="wrong_mode")
        raise EnvelopeError("本项目不采用“投标人解密”方式，请勿使用投标人解密密钥加密",
                            "this tender does not use the bidder-decrypts mode: seal without a "
                            "bidder decryption key", code="wrong_mode")


# --------------------------------------------------------------------------- structural check

class EnvelopeChecker:
    """Incremental structural check of an envelope, fed chunk by chunk (bounded memory).

    Checks magic, version, suite, header fields, the encapsulated key, each segment's flag
    byte and the exact total length; computes the envelope SHA-256 on the way. It cannot check
    tags (no key): that is the opening's job. Raises ``EnvelopeError`` as early as possible,
    so an upload can be aborted at the first bad byte.
    """

    def __init__(self, *, max_size: int, expected: ExpectedIds | None = None) -> None:
        self._max_size = max_size
        self._expected = expected
        self._hash = hashlib.sha256()
        self._prefix_hash = hashlib.sha256()
        self._buffer = bytearray()
        self._size = 0
        self._header: Header | None = None
        self._body_start = 0
        self._total = 0
        self._failed: EnvelopeError | None = None

    def feed(self, chunk: bytes) -> None:
        if self._failed is not None:
            raise self._failed
        try:
            self._feed(chunk)
        except EnvelopeError as exc:
            self._failed = exc
            raise

    def _feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        start = self._size
        self._size += len(chunk)
        if self._size > self._max_size:
            raise _oversize(self._max_size)
        self._hash.update(chunk)
        if self._header is None:
            self._buffer += chunk
            self._try_prefix()
            if self._header is None:
                return
            rest = bytes(self._buffer[self._body_start:])
            self._buffer = bytearray()
            self._check_body(self._body_start, rest)
        else:
            self._check_body(start, chunk)

    def _try_prefix(self) -> None:
        buf = self._buffer
        head = bytes(buf[:len(MAGIC)])
        if not MAGIC.startswith(head):
            raise _not_an_envelope(head)
        if len(buf) < FIXED_PREFIX_LENGTH:
            return
        version = buf[len(MAGIC)]
        if version not in SUITES:
            raise _malformed(f"不支持的信封版本 {version}",
                             f"unsupported envelope version {version}", code="unsupported")
        header_length = int.from_bytes(buf[len(MAGIC) + 1:FIXED_PREFIX_LENGTH], "big")
        if not 0 < header_length <= MAX_HEADER_LENGTH:
            raise _malformed("信封头长度无效", "invalid envelope header length")
        length = prefix_length(header_length, version)
        if len(buf) < length:
            return
        header = parse_header(bytes(buf[FIXED_PREFIX_LENGTH:FIXED_PREFIX_LENGTH + header_length]),
                              version)
        _check_expected(header, self._expected)
        enc_start = FIXED_PREFIX_LENGTH + header_length
        for _slot in range(key_slots(version)):
            _check_enc(bytes(buf[enc_start:enc_start + ENC_LENGTH]))
            enc_start += ENC_LENGTH + SEALED_KEY_LENGTH
        self._total = envelope_size(header_length, header.plaintext_length, header.segment_size,
                                    version)
        if self._total > self._max_size:
            raise _oversize(self._max_size)
        self._prefix_hash.update(bytes(buf[:length]))
        self._header = header
        self._body_start = length

    def _check_body(self, offset: int, data: bytes) -> None:
        """Check the flag bytes that fall inside ``data`` (which starts at ``offset``)."""
        assert self._header is not None
        end = offset + len(data)
        if end > self._total:
            raise _malformed("信封末尾有多余数据", "trailing bytes after the final segment")
        stride = 1 + self._header.segment_size + TAG_LENGTH
        n = self._header.segment_count
        rel = offset - self._body_start
        index = max(0, -(-rel // stride))  # first segment whose flag byte is at or after offset
        while index < n:
            position = self._body_start + index * stride
            if position >= end:
                break
            flag = data[position - offset]
            if flag != (FLAG_FINAL if index == n - 1 else FLAG_MORE):
                raise _malformed(f"第 {index + 1} 段的分段标志错误",
                                 f"segment {index + 1} has a wrong segment flag")
            index += 1

    def finish(self) -> EnvelopeInfo:
        if self._failed is not None:
            raise self._failed
        if self._size == 0:
            raise EnvelopeError("文件为空", "the file is empty", code="empty")
        if self._header is None:
            if not MAGIC.startswith(bytes(self._buffer[:len(MAGIC)])) or self._size < len(MAGIC):
                raise _not_an_envelope(bytes(self._buffer[:len(MAGIC)]))
            raise _malformed("信封不完整（在信封头处截断）", "the envelope is truncated in its header",
                             code="truncated")
        if self._size != self._total:
            raise _malformed(f"信封不完整：收到 {self._size} 字节，应为 {self._total} 字节",
                             f"the envelope is truncated: {self._size} of {self._total} bytes",
                             code="truncated")
        return EnvelopeInfo(
            version=self._header.version, header=self._header, segment_count=self._header.segment_count,
            envelope_size=self._size, envelope_sha256=self._hash.hexdigest(),
            prefix_sha256=self._prefix_hash.hexdigest(),
        )


def _oversize(max_size: int) -> EnvelopeError:
    return EnvelopeError(f"投标文件超过大小上限 {max_size} 字节",
                         f"the bid exceeds the size limit of {max_size} bytes", code="too_large")


def inspect_stream(src: BinaryIO, *, max_size: int,
                   expected: ExpectedIds | None = None) -> EnvelopeInfo:
    """Structural check of a whole stream, without any key (see ``EnvelopeChecker``)."""
    checker = EnvelopeChecker(max_size=max_size, expected=expected)
    while chunk := src.read(_READ_CHUNK):
        checker.feed(chunk)
    return checker.finish()


# --------------------------------------------------------------------------- sealing

class _HashingWriter:
    def __init__(self, dst: IO[bytes]) -> None:
        self.dst = dst
        self.hash = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.dst.write(data)
        self.hash.update(data)
        self.size += len(data)


def _read_exactly(src: IO[bytes], n: int) -> bytes:
    parts = []
    remaining = n
    while remaining:
        chunk = src.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)


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
        while chunk := source.read(_READ_CHUNK):
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
            plain = _read_exactly(source, segment_size if not final
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


# --------------------------------------------------------------------------- opening

class _HashingReader:
    def __init__(self, src: IO[bytes]) -> None:
        self.src = src
        self.hash = hashlib.sha256()
        self.size = 0

    def read(self, n: int) -> bytes:
        data = _read_exactly(self.src, n)
        self.hash.update(data)
        self.size += len(data)
        return data

    def drain(self) -> None:
        while chunk := self.src.read(_READ_CHUNK):
            self.hash.update(chunk)
            self.size += len(chunk)


def _truncated() -> DecryptionError:
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
    reader = _HashingReader(src)
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


def _read_prefix(reader: _HashingReader, expected: ExpectedIds | None) -> _Prefix:
    fixed = reader.read(FIXED_PREFIX_LENGTH)
    if not fixed:
        raise EnvelopeError("文件为空", "the file is empty", code="empty")
    if not MAGIC.startswith(fixed[:len(MAGIC)]):
        raise _not_an_envelope(fixed)
    if len(fixed) < FIXED_PREFIX_LENGTH:
        raise _truncated()
    version = fixed[len(MAGIC)]
    if version not in SUITES:
        raise _malformed("不支持的信封版本", "unsupported envelope version", code="unsupported")
    header_length = int.from_bytes(fixed[len(MAGIC) + 1:], "big")
    if not 0 < header_length <= MAX_HEADER_LENGTH:
        raise _malformed("信封头长度无效", "invalid envelope header length")
    header_bytes = reader.read(header_length)
    if len(header_bytes) < header_length:
        raise _truncated()
    header = parse_header(header_bytes, version)
    _check_expected(header, expected)
    fixed += header_bytes
    slots = []
    for _slot in range(key_slots(version)):
        keys = reader.read(ENC_LENGTH + SEALED_KEY_LENGTH)
        if len(keys) < ENC_LENGTH + SEALED_KEY_LENGTH:
            raise _truncated()
        _check_enc(keys[:ENC_LENGTH])
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


def _open(reader: _HashingReader, dst: IO[bytes], private_key: EccKey,
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
    for index in range(n):
        final = index == n - 1
        size = header.segment_size if not final else header.plaintext_length - written
        frame = reader.read(1 + size + TAG_LENGTH)
        if len(frame) < 1 + size + TAG_LENGTH:
            raise _truncated()
        if frame[0] != (FLAG_FINAL if final else FLAG_MORE):
            raise DecryptionError(f"第 {index + 1} 段的分段标志错误",
                                  f"segment {index + 1} has a wrong segment flag")
        cipher = AES.new(key, AES.MODE_GCM, nonce=segment_nonce(nonce_prefix, index, final),
                         mac_len=TAG_LENGTH)
        cipher.update(aad)
        try:
            plain = cipher.decrypt_and_verify(frame[1:1 + size], frame[1 + size:])
        except ValueError as exc:
            raise DecryptionError(f"第 {index + 1} 段认证失败（被篡改、调换或拼接）",
                                  f"segment {index + 1} fails authentication "
                                  "(altered, reordered or spliced)", code="bad_tag") from exc
        plain_hash.update(plain)
        dst.write(plain)
        written += size
    if reader.read(1):
        raise _malformed("信封末尾有多余数据", "trailing bytes after the final segment")
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
    parsed = _read_prefix(_HashingReader(src), None)
    if len(parsed.slots) != 2:
        raise _malformed("该信封不是“投标人解密”方式", "not a bidder-decrypts envelope",
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
    reader = _HashingReader(src)
    parsed = _read_prefix(reader, expected)
    if len(parsed.slots) != 2:
        raise _malformed("该信封不是“投标人解密”方式", "not a bidder-decrypts envelope",
                         code="wrong_mode")
    file_key = _file_key(parsed, opening_private_key, bidder_half)
    aad = sha256(parsed.prefix)
    key, nonce_prefix = segment_keys(file_key, aad)
    header = parsed.header
    final = header.segment_count == 1
    size = header.plaintext_length if final else header.segment_size
    frame = reader.read(1 + size + TAG_LENGTH)
    if len(frame) < 1 + size + TAG_LENGTH:
        raise _truncated()
    cipher = AES.new(key, AES.MODE_GCM, nonce=segment_nonce(nonce_prefix, 0, final),
                     mac_len=TAG_LENGTH)
    cipher.update(aad)
    try:
        cipher.decrypt_and_verify(frame[1:1 + size], frame[1 + size:])
    except ValueError as exc:
        raise DecryptionError("投标人提交的密钥半份不正确（与信封不符）",
                              "the bidder's key half is wrong (it does not open the envelope)",
                              code="wrong_half") from exc
