"""The public record of a DKG ceremony: its objects and their canonical encodings.

Everything a ceremony logs is here: the ``Ceremony`` (roster, threshold, binding), the signed
``Contribution``, ``Complaint`` and ``Reveal`` documents, the ``Judgement`` of a complaint, a
custodian's ``PartialDecryption``, and the ``Transcript`` with its SHA-256 hash. Points are
65-byte uncompressed P-256, scalars 32-byte big-endian, byte strings standard base64 in JSON,
and every signed or hashed document is serialised with RFC 8785 (JSON Canonicalization Scheme).
The computations on these objects are in ``bidding.sealing.crypto.dkg``; the specification is
``docs/dkg.md``. Standard library, pycryptodome and ``rfc8785`` only (offline verifier).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar, Literal, Self, cast

import rfc8785
from Crypto.Math.Numbers import Integer
from Crypto.PublicKey import ECC
from Crypto.PublicKey._point import EccPoint
from Crypto.Signature import eddsa

from bidding.sealing.crypto.common import b64decode, b64encode, length_prefixed, sha256, valid_id
from bidding.sealing.crypto.custody import (
    P256_ORDER,
    CustodianKeys,
    CustodianPublic,
    CustodyError,
    key_id_for,
)
from bidding.sealing.crypto.points import decode_point

Q = P256_ORDER
G: EccPoint = ECC.construct(curve="p256", d=1).pointQ
MAX_CUSTODIANS = 255
CEREMONY_FORMAT = "ggzy-dkg-ceremony/1"
CONTRIBUTION_FORMAT = "ggzy-dkg-contribution/1"
COMPLAINT_FORMAT = "ggzy-dkg-complaint/1"
REVEAL_FORMAT = "ggzy-dkg-reveal/1"
PARTIAL_FORMAT = "ggzy-dkg-partial/1"
TRANSCRIPT_FORMAT = "ggzy-dkg-transcript/1"
SIGNED_LABEL = b"ggzy-dkg-signed/1\x00"
SHARE_INFO_LABEL = b"ggzy-dkg-share/1\x00"
SEALED_VERSION = 1
SEALED_LENGTH = 1 + 65 + 32 + 16  # version | enc | AES-256-GCM(share) | tag
COMPLAINT_REASONS = ("cannot_open", "malformed", "mismatch")

Fault = Literal["accused", "complainer"]


class DkgError(CustodyError):
    """A DKG object is refused; ``code`` is stable, for programs and logs."""

    def __init__(self, code: str, reason_zh: str, reason_en: str) -> None:
        super().__init__(reason_zh, reason_en)
        self.code = code


class ContributionError(DkgError):
    """A contribution is malformed, unsigned or for another ceremony."""


class DealtShareError(DkgError):
    """The share a dealer sealed to this custodian is bad; ``code`` is the complaint reason."""


class ComplaintError(DkgError):
    """A complaint or a reveal is not valid (signature, binding, duplicate)."""


class TranscriptError(DkgError):
    """The transcript cannot be built or does not check out."""


# --------------------------------------------------------------------------- encodings

def mul_public(point: EccPoint, scalar: int) -> EccPoint:
    """point·scalar for a *public* scalar (index, Lagrange coefficient, proof value): an
    Integer marked public skips pycryptodome's blinding, about 15 times faster."""
    return point * cast(int, Integer(scalar, public=True))


def encode_scalar(value: int) -> bytes:
    if not 0 <= value < Q:
        raise ValueError("scalar out of range")
    return value.to_bytes(32, "big")


def decode_scalar(raw: bytes) -> int:
    value = int.from_bytes(raw, "big")
    if len(raw) != 32 or value >= Q:
        raise ValueError("not a P-256 scalar")
    return value


# --------------------------------------------------------------------------- the ceremony

@dataclass(frozen=True)
class Ceremony:
    """What every party agrees on before dealing: custodian ``j`` is ``custodians[j-1]`` and its
    evaluation point is ``j``. A failed round is retried with the next ``round``."""

    tender_id: str
    ceremony_id: str
    round: int
    k: int
    custodians: tuple[CustodianPublic, ...]

    def __post_init__(self) -> None:
        ids = [c.custodian_id for c in self.custodians]
        if not (valid_id(self.tender_id) and valid_id(self.ceremony_id)
                and all(valid_id(i) for i in ids)):
            raise ValueError("invalid tender, ceremony or custodian id")
        if type(self.round) is not int or not 1 <= self.round < 2**31:
            raise ValueError("invalid round")
        if type(self.k) is not int or not 1 <= self.k <= self.n <= MAX_CUSTODIANS:
            raise ValueError(f"invalid threshold k={self.k} of n={self.n}")
        for values in (ids, [c.hpke_public_key for c in self.custodians],
                       [c.signing_public_key for c in self.custodians]):
            if len(set(values)) != self.n:  # one person must not hold two indices
                raise ValueError("duplicate custodian id or key")
        for custodian in self.custodians:
            decode_point(custodian.hpke_public_key)
            eddsa.import_public_key(custodian.signing_public_key)

    @property
    def n(self) -> int:
        return len(self.custodians)

    def custodian(self, index: int) -> CustodianPublic:
        if type(index) is not int or not 1 <= index <= self.n:
            raise ValueError(f"no custodian number {index}")
        return self.custodians[index - 1]

    def to_document(self) -> dict[str, Any]:
        return {"format": CEREMONY_FORMAT, "tender_id": self.tender_id,
                "ceremony_id": self.ceremony_id, "round": self.round, "k": self.k,
                "custodians": [{"index": j, "custodian_id": c.custodian_id,
                                "hpke_public_key": b64encode(c.hpke_public_key),
                                "signing_public_key": b64encode(c.signing_public_key)}
                               for j, c in enumerate(self.custodians, start=1)]}

    @classmethod
    def from_document(cls, document: Any) -> Ceremony:
        d = _fields(document, CEREMONY_FORMAT, "tender_id", "ceremony_id", "round", "k",
                    "custodians")
        if not isinstance(d["custodians"], list):
            raise ValueError("custodians")
        custodians = []
        for j, entry in enumerate(d["custodians"], start=1):
            e = _fields(entry, None, "index", "custodian_id", "hpke_public_key",
                        "signing_public_key")
            if _int(e["index"]) != j:
                raise ValueError("custodian index")
            custodians.append(CustodianPublic(_str(e["custodian_id"]), _b64(e["hpke_public_key"]),
                                              _b64(e["signing_public_key"])))
        return cls(_str(d["tender_id"]), _str(d["ceremony_id"]), _int(d["round"]),
                   _int(d["k"]), tuple(custodians))

    @property
    def digest(self) -> str:
        """SHA-256 (hex) of the canonical ceremony document: binds roster, keys and k."""
        return sha256(rfc8785.dumps(self.to_document())).hex()


def share_info(ceremony: Ceremony, dealer: int, recipient: int) -> bytes:
    """HPKE ``info`` of a sealed share: no replay into another tender, ceremony, round, roster,
    dealer or recipient (the unseal fails)."""
    return SHARE_INFO_LABEL + length_prefixed(
        ceremony.tender_id.encode(), ceremony.ceremony_id.encode(),
        ceremony.round.to_bytes(4, "big"), dealer.to_bytes(2, "big"),
        recipient.to_bytes(2, "big"), bytes.fromhex(ceremony.digest))


# --------------------------------------------------------------------------- signed documents

def _fields(document: Any, fmt: str | None, *names: str) -> dict[str, Any]:
    expected = set(names) | ({"format"} if fmt else set())
    if not isinstance(document, dict) or set(document) != expected:
        raise ValueError("missing or unknown fields")
    if fmt is not None and document["format"] != fmt:
        raise ValueError("format")
    return document


def _int(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not an integer")
    return value


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("not a string")
    return value


def _list(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError("not a list")
    return value


def _b64(value: Any) -> bytes:
    return b64decode(_str(value))


def _hex64(value: Any) -> str:
    text = _str(value)
    if len(text) != 64 or any(c not in "0123456789abcdef" for c in text):
        raise ValueError("not a SHA-256 hex digest")
    return text


def signed_message(body: Mapping[str, Any]) -> bytes:
    """What an Ed25519 signature covers: a label and the RFC 8785 form of the unsigned body."""
    return SIGNED_LABEL + rfc8785.dumps(dict(body))


class _Signed:
    """Mixin: ``body()`` is the unsigned document, ``signature`` signs ``signed_message``."""

    FORMAT: ClassVar[str]
    FIELDS: ClassVar[tuple[str, ...]]
    signature: bytes

    def body(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def _build(cls, d: dict[str, Any]) -> Self:
        raise NotImplementedError

    @property
    def digest(self) -> str:
        """The document's name in complaints and logs: SHA-256 (hex) of the signed message."""
        return sha256(signed_message(self.body())).hex()

    def to_document(self) -> dict[str, Any]:
        return {**self.body(), "signature": b64encode(self.signature)}

    @classmethod
    def from_document(cls, document: Any) -> Self:
        """Structure only (exact members, types); the checks are ``verify_*``'s."""
        try:
            return cls._build(_fields(document, cls.FORMAT, *cls.FIELDS, "signature"))
        except (KeyError, TypeError, ValueError) as exc:
            raise DkgError("malformed_document", f"{cls.FORMAT} 文档格式无效",
                           f"malformed {cls.FORMAT} document") from exc

    def signed(self, keys: CustodianKeys) -> Self:
        signature = eddsa.new(keys.signing_key, "rfc8032").sign(signed_message(self.body()))
        return replace(self, signature=bytes(signature))  # type: ignore[type-var]

    def signature_valid(self, signing_public_key: bytes) -> bool:
        try:
            eddsa.new(eddsa.import_public_key(signing_public_key), "rfc8032").verify(
                signed_message(self.body()), self.signature)
        except ValueError:
            return False
        return True


@dataclass(frozen=True)
class Contribution(_Signed):
    FORMAT = CONTRIBUTION_FORMAT
    FIELDS = ("tender_id", "ceremony_id", "round", "ceremony", "dealer", "commitments",
              "sealed_shares")
    tender_id: str
    ceremony_id: str
    round: int
    ceremony: str  # Ceremony.digest
    dealer: int
    commitments: tuple[bytes, ...]  # A_l = a_l·G, l = 0..k-1, 65 bytes each
    sealed_shares: tuple[bytes, ...]  # to custodian j at position j-1
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {"format": self.FORMAT, "tender_id": self.tender_id,
                "ceremony_id": self.ceremony_id, "round": self.round, "ceremony": self.ceremony,
                "dealer": self.dealer, "commitments": [b64encode(c) for c in self.commitments],
                "sealed_shares": [b64encode(s) for s in self.sealed_shares]}

    @classmethod
    def _build(cls, d: dict[str, Any]) -> Self:
        return cls(_str(d["tender_id"]), _str(d["ceremony_id"]), _int(d["round"]),
                   _hex64(d["ceremony"]), _int(d["dealer"]),
                   tuple(_b64(c) for c in _list(d["commitments"])),
                   tuple(_b64(s) for s in _list(d["sealed_shares"])), _b64(d["signature"]))


@dataclass(frozen=True)
class DealerSecrets:
    """What a dealer keeps until the complaint period is over, then erases: the ephemeral HPKE
    scalar of each sealed share (position j-1), to answer a complaint by custodian j. The
    polynomial itself is dropped once dealt (a reveal decrypts the sealed share instead)."""

    dealer: int
    contribution: str  # its digest
    ephemeral_keys: tuple[int, ...] = field(repr=False)


@dataclass(frozen=True)
class Complaint(_Signed):
    FORMAT = COMPLAINT_FORMAT
    FIELDS = ("ceremony", "complainer", "accused", "contribution", "reason")
    ceremony: str
    complainer: int
    accused: int
    contribution: str  # digest of the accused's contribution
    reason: str  # one of COMPLAINT_REASONS
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {"format": self.FORMAT, "ceremony": self.ceremony,
                "complainer": self.complainer, "accused": self.accused,
                "contribution": self.contribution, "reason": self.reason}

    @classmethod
    def _build(cls, d: dict[str, Any]) -> Self:
        return cls(_hex64(d["ceremony"]), _int(d["complainer"]), _int(d["accused"]),
                   _hex64(d["contribution"]), _str(d["reason"]), _b64(d["signature"]))


@dataclass(frozen=True)
class Reveal(_Signed):
    """The accused dealer's answer: the ephemeral scalar of the disputed sealed share (it opens
    that one ciphertext and nothing else) and the share it claims to have sealed."""

    FORMAT = REVEAL_FORMAT
    FIELDS = ("ceremony", "dealer", "recipient", "complaint", "ephemeral_key", "share")
    ceremony: str
    dealer: int
    recipient: int
    complaint: str  # digest of the complaint answered
    ephemeral_key: bytes  # 32 bytes
    share: bytes  # 32 bytes, s_ij
    signature: bytes = b""

    def body(self) -> dict[str, Any]:
        return {"format": self.FORMAT, "ceremony": self.ceremony, "dealer": self.dealer,
                "recipient": self.recipient, "complaint": self.complaint,
                "ephemeral_key": b64encode(self.ephemeral_key), "share": b64encode(self.share)}

    @classmethod
    def _build(cls, d: dict[str, Any]) -> Self:
        return cls(_hex64(d["ceremony"]), _int(d["dealer"]), _int(d["recipient"]),
                   _hex64(d["complaint"]), _b64(d["ephemeral_key"]), _b64(d["share"]),
                   _b64(d["signature"]))


@dataclass(frozen=True)
class Judgement:
    complaint: str  # digest
    accused: int
    complainer: int
    at_fault: Fault
    code: str  # why, e.g. "no_reveal", "share_mismatch", "share_valid"

    def to_document(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PartialDecryption:
    """x_j·E for one HPKE ``enc`` E, with a DLEQ proof that it uses the same x_j as Y_j."""

    index: int
    point: bytes  # x_j·E, uncompressed
    challenge: bytes  # 32 bytes
    response: bytes  # 32 bytes

    def to_document(self) -> dict[str, Any]:
        return {"format": PARTIAL_FORMAT, "index": self.index, "point": b64encode(self.point),
                "challenge": b64encode(self.challenge), "response": b64encode(self.response)}

    @classmethod
    def from_document(cls, document: Any) -> PartialDecryption:
        try:
            d = _fields(document, PARTIAL_FORMAT, "index", "point", "challenge", "response")
            return cls(_int(d["index"]), _b64(d["point"]), _b64(d["challenge"]),
                       _b64(d["response"]))
        except (KeyError, ValueError) as exc:
            raise DkgError("malformed_document", "部分解密文档格式无效",
                           "malformed partial decryption document") from exc


# --------------------------------------------------------------------------- the transcript

@dataclass(frozen=True)
class Transcript:
    ceremony: Ceremony
    contributions: tuple[Contribution, ...]  # accepted, by dealer index
    complaints: tuple[Complaint, ...]  # by (accused, complainer)
    reveals: tuple[Reveal, ...]  # by (dealer, recipient)
    judgements: tuple[Judgement, ...]  # one per complaint, same order
    qual: tuple[int, ...]  # qualified dealers, ascending
    public_key: bytes  # Y, uncompressed
    public_shares: tuple[bytes, ...]  # Y_1..Y_n, uncompressed

    @property
    def key_id(self) -> str:
        return key_id_for(self.public_key)

    def public_share(self, index: int) -> bytes:
        self.ceremony.custodian(index)
        return self.public_shares[index - 1]

    def to_document(self) -> dict[str, Any]:
        return {"format": TRANSCRIPT_FORMAT, "ceremony": self.ceremony.to_document(),
                "contributions": [c.to_document() for c in self.contributions],
                "complaints": [c.to_document() for c in self.complaints],
                "reveals": [r.to_document() for r in self.reveals],
                "judgements": [j.to_document() for j in self.judgements],
                "qual": list(self.qual), "public_key": b64encode(self.public_key),
                "key_id": self.key_id,
                "public_shares": [b64encode(p) for p in self.public_shares]}

    def to_bytes(self) -> bytes:
        """The canonical encoding: RFC 8785 JSON of ``to_document()``."""
        return bytes(rfc8785.dumps(self.to_document()))

    @property
    def hash(self) -> str:
        """SHA-256 (hex) of the canonical encoding: the value to log and to sign."""
        return sha256(self.to_bytes()).hex()

    @classmethod
    def from_bytes(cls, data: bytes) -> Transcript:
        """Parse a canonical encoding (only canonical bytes are accepted, so bytes and hash
        correspond one to one). Structure only: call ``verify_transcript`` on the result."""
        try:
            transcript = cls.from_document(json.loads(data.decode("utf-8"),
                                                      object_pairs_hook=_no_duplicates))
            canonical = transcript.to_bytes() == data
        except (UnicodeDecodeError, KeyError, TypeError, ValueError, DkgError) as exc:
            raise TranscriptError("malformed", "仪式记录格式无效",
                                  "malformed ceremony transcript") from exc
        if not canonical:
            raise TranscriptError("not_canonical", "仪式记录不是规范编码",
                                  "the transcript is not in its canonical encoding")
        return transcript

    @classmethod
    def from_document(cls, document: Any) -> Transcript:
        d = _fields(document, TRANSCRIPT_FORMAT, "ceremony", "contributions", "complaints",
                    "reveals", "judgements", "qual", "public_key", "key_id", "public_shares")
        judgements = []
        for entry in _list(d["judgements"]):
            j = _fields(entry, None, "complaint", "accused", "complainer", "at_fault", "code")
            if j["at_fault"] not in ("accused", "complainer"):
                raise ValueError("at_fault")
            judgements.append(Judgement(_hex64(j["complaint"]), _int(j["accused"]),
                                        _int(j["complainer"]), j["at_fault"],
                                        _str(j["code"])))
        transcript = cls(
            Ceremony.from_document(d["ceremony"]),
            tuple(Contribution.from_document(c) for c in _list(d["contributions"])),
            tuple(Complaint.from_document(c) for c in _list(d["complaints"])),
            tuple(Reveal.from_document(r) for r in _list(d["reveals"])),
            tuple(judgements), tuple(_int(i) for i in _list(d["qual"])),
            _b64(d["public_key"]), tuple(_b64(p) for p in _list(d["public_shares"])))
        if d["key_id"] != transcript.key_id:
            raise ValueError("key_id")
        return transcript


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result
