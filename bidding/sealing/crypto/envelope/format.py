"""The envelope format: its constants and types, the key schedule, the detached bidder
signature and the parsing of the clear header (shared by checking, sealing and opening)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import IO, Any, Literal

from Crypto.Hash import SHA256
from Crypto.Protocol.KDF import HKDF
from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from Crypto.Signature import eddsa

from bidding.sealing.crypto.common import valid_id
from bidding.sealing.crypto.points import decode_point

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
READ_CHUNK = 1 << 16

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
    """A P-256 public key from its uncompressed SEC 1 point (04 || x || y), decoded strictly
    (``points.decode_point``): ``ECC.import_key`` let ``04 || 0^64`` through, so an envelope
    whose encapsulated key nobody can decapsulate passed the upload's check. Also a fifth of
    ``import_key``'s time, and every upload checks one. Raises ``PointError``, a ValueError."""
    return ECC.EccKey(curve="p256", point=decode_point(raw))


# --------------------------------------------------------------------------- header parsing

def malformed(zh: str, en: str, code: str = "malformed") -> EnvelopeError:
    return EnvelopeError(zh, en, code=code)


def not_an_envelope(start: bytes) -> EnvelopeError:
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


def reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key}")
        result[key] = value
    return result


def is_hex(value: object, length: int) -> bool:
    return (isinstance(value, str) and len(value) == length
            and all(c in "0123456789abcdef" for c in value))


def parse_header(raw: bytes, version: int = VERSION) -> Header:
    """Validate the JSON header strictly (each version knows exactly its fields and suite)."""
    try:
        data = json.loads(raw.decode("utf-8"), object_pairs_hook=reject_duplicates)
    except (UnicodeDecodeError, ValueError) as exc:
        raise malformed("信封头不是有效的 JSON", "the envelope header is not valid JSON") from exc
    fields = HEADER_FIELDS_BD if version == VERSION_BD else HEADER_FIELDS
    if not isinstance(data, dict) or set(data) != fields:
        raise malformed("信封头字段不符", "the envelope header has missing or unknown fields")
    if data["suite"] != SUITES.get(version):
        raise malformed(f"不支持的加密套件 {str(data['suite'])[:64]}",
                         f"unsupported suite {str(data['suite'])[:64]}", code="unsupported")
    for name in ("tender_id", "section_id", "bidder_id", "key_id"):
        if not valid_id(data[name]):
            raise malformed(f"信封头字段 {name} 无效", f"invalid header field {name}")
    for name, low, high in (("segment_size", MIN_SEGMENT_SIZE, MAX_SEGMENT_SIZE),
                            ("plaintext_length", 1, MAX_PLAINTEXT_LENGTH)):
        value = data[name]
        if type(value) is not int or not low <= value <= high:
            raise malformed(f"信封头字段 {name} 超出范围", f"header field {name} out of range")
    if not is_hex(data["plaintext_sha256"], 64):
        raise malformed("信封头中的明文摘要无效", "invalid plaintext_sha256 in the header")
    if "bidder_key_id" in data and not is_hex(data["bidder_key_id"], 32):
        raise malformed("信封头中的投标人密钥标识无效", "invalid bidder_key_id in the header")
    return Header(**data)


def check_enc(enc: bytes) -> None:
    try:
        import_opening_public_key(enc)
    except ValueError as exc:
        raise malformed("信封中的封装密钥无效", "the envelope's encapsulated key is invalid") from exc


def check_expected(header: Header, expected: ExpectedIds | None) -> None:
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


def read_exactly(src: IO[bytes], n: int) -> bytes:
    parts = []
    remaining = n
    while remaining:
        chunk = src.read(remaining)
        if not chunk:
            break
        parts.append(chunk)
        remaining -= len(chunk)
    return b"".join(parts)

