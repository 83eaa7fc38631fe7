"""Offline checks of a dealer-free key ceremony, as the log records it.

The bidding domain logs, under the tender's subject (``tender/<id>``), the action
``custody.ceremony_completed`` with the body
``{"ceremony_id", "round", "key_id", "public_key", "transcript_hash", "transcript"}``, the
transcript being the public record of docs/dkg.md section 5. The offline verifier must not
import the bidding domain, so the checks it needs are written here again, with the standard
library and pycryptodome only (the reference is ``bidding.sealing.crypto.dkg``):

1. ``transcript_hash`` is the hex SHA-256 of the RFC 8785 (JCS) form of the transcript, whose
   ceremony document names the tender of the subject and the logged ceremony id and round;
2. every contribution, complaint and reveal is signed (Ed25519, pure) by its author's signing
   key in the ceremony's roster, over ``b"ggzy-dkg-signed/1\\x00" + jcs(body)`` (the body being
   the document without ``signature``), and binds this ceremony (its digest, tender, round);
3. QUAL is the dealers with a contribution and no judgement against them, at least ``k``;
4. the opening public key is the sum of the qualified dealers' first commitments, its key id
   the first 32 hex characters of its SHA-256, and both equal the transcript's own and the
   logged ones; every public share point ``Y_j = sum_l j^l C_l`` matches.

Not redone here: judging a complaint opens an HPKE ciphertext; the recorded judgements are
taken as they are (the platform's ``verify_transcript`` re-judges them).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
from typing import Any

from Crypto.PublicKey._point import EccPoint
from Crypto.Signature import eddsa

TRANSCRIPT_FORMAT = "ggzy-dkg-transcript/1"
CEREMONY_FORMAT = "ggzy-dkg-ceremony/1"
CONTRIBUTION_FORMAT = "ggzy-dkg-contribution/1"
COMPLAINT_FORMAT = "ggzy-dkg-complaint/1"
REVEAL_FORMAT = "ggzy-dkg-reveal/1"
SIGNED_LABEL = b"ggzy-dkg-signed/1\x00"
P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF  # P-256 field prime
B = 0x5AC635D8AA3A93E7B3EBBD55769886BC651D06B0CC53B0F63BCE3C3E27D2604B  # y² = x³ - 3x + b
MAX_SAFE_INTEGER = 2**53 - 1
HEX = frozenset("0123456789abcdef")


class CeremonyProblem(Exception):
    """The first check of a logged ceremony that fails, in both languages."""

    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


# --- RFC 8785 (JSON Canonicalization Scheme) ------------------------------------------------


def jcs(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value (as ``json.loads`` returns it); ``ValueError`` for
    what has no canonical form (a non-finite or unsafe number, a lone surrogate, ...)."""
    return _jcs(value).encode("utf-8")


def _jcs(value: Any) -> str:
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise ValueError(f"{value} is outside the integers JSON numbers hold exactly")
        return str(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # escapes exactly as RFC 8785 §3.2.2.2
    if isinstance(value, list):
        return "[" + ",".join(_jcs(item) for item in value) + "]"
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise ValueError("object member names must be strings")
        names = sorted(value, key=lambda name: name.encode("utf-16-be"))  # UTF-16 code units
        return "{" + ",".join(f"{json.dumps(n, ensure_ascii=False)}:{_jcs(value[n])}"
                              for n in names) + "}"
    raise ValueError(f"not a JSON value: {type(value).__name__}")


def _number(value: float) -> str:
    """ECMAScript's Number.prototype.toString, which RFC 8785 §3.2.2.3 prescribes."""
    if not math.isfinite(value):
        raise ValueError("NaN and infinities have no JSON form")
    if value == 0:
        return "0"
    sign, text = ("-" if value < 0 else ""), repr(abs(value))  # repr: the shortest round trip
    mantissa, _, exponent = text.partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits, power = (whole + fraction).lstrip("0"), int(exponent or 0) - len(fraction)
    stripped = digits.rstrip("0")
    power += len(digits) - len(stripped)
    digits, k = stripped, len(stripped)
    n = power + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * -n + digits
    e = f"e{'+' if n - 1 >= 0 else '-'}{abs(n - 1)}"
    return sign + (digits if k == 1 else digits[0] + "." + digits[1:]) + e


# --- encodings -------------------------------------------------------------------------------


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise _malformed(what)
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise _malformed(what) from None


def _point(raw: bytes, what: str) -> Any:
    """Strict SEC1 uncompressed P-256 point (docs/dkg.md, Encodings)."""
    if len(raw) != 65 or raw[0] != 0x04:
        raise CeremonyProblem(f"{what} 不是 P-256 点", f"{what} is not a P-256 point")
    x, y = int.from_bytes(raw[1:33], "big"), int.from_bytes(raw[33:], "big")
    if x >= P or y >= P or (y * y - (x * x * x - 3 * x + B)) % P != 0:
        raise CeremonyProblem(f"{what} 不在 P-256 曲线上", f"{what} is not on the P-256 curve")
    return EccPoint(x, y, "p256")


def _encode(point: Any) -> bytes | None:
    if point.is_point_at_infinity():
        return None
    x, y = point.xy
    return b"\x04" + int(x).to_bytes(32, "big") + int(y).to_bytes(32, "big")


def _int(value: Any, what: str) -> int:
    if type(value) is not int:
        raise _malformed(what)
    return value


def _hex(value: Any, length: int, what: str) -> str:
    if not isinstance(value, str) or len(value) != length or not set(value) <= HEX:
        raise _malformed(what)
    return value


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _malformed(what)
    return value


def _document(value: Any, fmt: str | None, what: str) -> dict[str, Any]:
    if not isinstance(value, dict) or (fmt is not None and value.get("format") != fmt):
        raise _malformed(what)
    return value


def _malformed(what: str) -> CeremonyProblem:
    return CeremonyProblem(f"{what} 格式无效", f"{what} is malformed")


def key_id_of(public_key: bytes) -> str:
    """The opening key's id: the first 32 hex characters of SHA-256 of its 65 bytes."""
    return hashlib.sha256(public_key).hexdigest()[:32]


# --- the checks ---------------------------------------------------------------------------


def check_ceremony(body: dict[str, Any], subject: str = "") -> str:
    """Check a ``custody.ceremony_completed`` body logged under ``subject``; return its key id
    or raise the first ``CeremonyProblem`` found."""
    transcript = _document(body.get("transcript"), TRANSCRIPT_FORMAT, "transcript")
    logged_hash = _hex(body.get("transcript_hash"), 64, "transcript_hash")
    try:
        digest = hashlib.sha256(jcs(transcript)).hexdigest()
    except ValueError:
        raise CeremonyProblem("仪式记录没有规范编码", "the transcript has no canonical encoding") from None
    if digest != logged_hash:
        raise CeremonyProblem(f"仪式记录的 SHA-256 为 {digest}，与记录的 transcript_hash 不符",
                              f"the transcript hashes to {digest}, not to its transcript_hash")
    ceremony = _document(transcript.get("ceremony"), CEREMONY_FORMAT, "ceremony")
    roster = _roster(ceremony)
    k = _int(ceremony.get("k"), "k")
    if not 1 <= k <= len(roster):
        raise _malformed("k")
    for name, zh in (("ceremony_id", "仪式标识"), ("round", "轮次")):
        if body.get(name) != ceremony.get(name):
            raise CeremonyProblem(f"记录的{zh} {body.get(name)} 与仪式文档的不符",
                                  f"the logged {name} {body.get(name)} is not the ceremony's")
    tender = subject.removeprefix("tender/")
    if tender != subject and ceremony.get("tender_id") != tender:
        raise CeremonyProblem(f"该仪式属于项目 {ceremony.get('tender_id')}，不是 {tender}",
                              f"the ceremony is for tender {ceremony.get('tender_id')}, not {tender}")
    ceremony_digest = hashlib.sha256(jcs(ceremony)).hexdigest()
    commitments = _contributions(transcript, ceremony, ceremony_digest, roster, k)
    _complaints_and_reveals(transcript, ceremony_digest, roster)
    qual = _qual(transcript, commitments, k)
    public_key = _public_key(transcript, body, [commitments[i] for i in qual])
    _public_shares(transcript, [commitments[i] for i in qual], len(roster))
    return key_id_of(public_key)


def _roster(ceremony: dict[str, Any]) -> list[bytes]:
    """The signing keys of custodians 1..n (index = position in the list)."""
    keys = []
    for position, item in enumerate(_list(ceremony.get("custodians"), "custodians"), start=1):
        custodian = _document(item, None, "custodian")
        if custodian.get("index") != position:
            raise _malformed(f"custodian {position}")
        keys.append(_b64(custodian.get("signing_public_key"), f"custodian {position} signing key"))
    return keys


def _signed_by(document: dict[str, Any], key: bytes) -> bool:
    body = {name: value for name, value in document.items() if name != "signature"}
    try:
        signature = _b64(document.get("signature"), "signature")
        verifier = eddsa.new(eddsa.import_public_key(key), "rfc8032")
        verifier.verify(SIGNED_LABEL + jcs(body), signature)
    except (ValueError, CeremonyProblem):
        return False
    return True


def _contributions(transcript: dict[str, Any], ceremony: dict[str, Any], digest: str,
                   roster: list[bytes], k: int) -> dict[int, list[Any]]:
    """Each accepted contribution's commitments as points, by dealer, after its signature."""
    found: dict[int, list[Any]] = {}
    for item in _list(transcript.get("contributions"), "contributions"):
        c = _document(item, CONTRIBUTION_FORMAT, "contribution")
        dealer = _int(c.get("dealer"), "dealer")
        if not 1 <= dealer <= len(roster) or dealer in found or (found and dealer < max(found)):
            raise CeremonyProblem(f"贡献的保管人序号 {dealer} 无效、重复或未按升序",
                                  f"contribution dealer {dealer} is invalid, repeated or out of order")
        if not _signed_by(c, roster[dealer - 1]):
            raise CeremonyProblem(f"第 {dealer} 号保管人的贡献签名无效",
                                  f"the signature on dealer {dealer}'s contribution is invalid")
        bound = all(c.get(name) == ceremony.get(name) for name in ("tender_id", "ceremony_id", "round"))
        if not bound or c.get("ceremony") != digest:
            raise CeremonyProblem(f"第 {dealer} 号保管人的贡献属于另一仪式",
                                  f"dealer {dealer}'s contribution belongs to another ceremony")
        raw = _list(c.get("commitments"), "commitments")
        if len(raw) != k:
            raise CeremonyProblem(f"第 {dealer} 号保管人的承诺个数不是 {k}",
                                  f"dealer {dealer} has {len(raw)} commitments instead of k={k}")
        found[dealer] = [_point(_b64(a, "commitment"), f"dealer {dealer}'s commitment") for a in raw]
    return found


def _complaints_and_reveals(transcript: dict[str, Any], digest: str, roster: list[bytes]) -> None:
    for kind, fmt, author, zh in (("complaint", COMPLAINT_FORMAT, "complainer", "投诉"),
                                  ("reveal", REVEAL_FORMAT, "dealer", "公开")):
        for item in _list(transcript.get(kind + "s"), kind + "s"):
            document = _document(item, fmt, kind)
            who = _int(document.get(author), author)
            if not 1 <= who <= len(roster) or document.get("ceremony") != digest:
                raise CeremonyProblem(f"有一份{zh}不属于本仪式或作者序号无效",
                                      f"a {kind} is for another ceremony or has no valid author")
            if not _signed_by(document, roster[who - 1]):
                raise CeremonyProblem(f"第 {who} 号保管人的{zh}签名无效",
                                      f"the signature on custodian {who}'s {kind} is invalid")


def _qual(transcript: dict[str, Any], commitments: dict[int, list[Any]], k: int) -> list[int]:
    judgements = _list(transcript.get("judgements"), "judgements")
    excluded = {j.get("accused") for j in judgements
                if isinstance(j, dict) and j.get("at_fault") == "accused"}
    expected = [dealer for dealer in sorted(commitments) if dealer not in excluded]
    qual = _list(transcript.get("qual"), "qual")
    if qual != expected:
        raise CeremonyProblem(f"合格保管人名单 {qual} 与贡献和裁决得出的 {expected} 不符",
                              f"QUAL {qual} is not {expected}, which the contributions and "
                              "judgements give")
    if len(qual) < k:
        raise CeremonyProblem(f"合格保管人只有 {len(qual)} 名，少于门限 {k}",
                              f"only {len(qual)} qualified dealers, fewer than k={k}")
    return expected


def _public_key(transcript: dict[str, Any], body: dict[str, Any],
                qualified: list[list[Any]]) -> bytes:
    total = qualified[0][0].copy()
    for commitments in qualified[1:]:
        total = total + commitments[0]
    computed = _encode(total)
    recorded = _b64(transcript.get("public_key"), "transcript public_key")
    if computed is None or computed != recorded:
        raise CeremonyProblem("仪式记录中的开标公钥不是合格保管人首项承诺之和",
                              "the transcript's public key is not the sum of the qualified "
                              "dealers' first commitments")
    if _b64(body.get("public_key"), "public_key") != computed:
        raise CeremonyProblem("记录的开标公钥与仪式记录中的不同",
                              "the logged public key is not the transcript's")
    key_id = key_id_of(computed)
    for where, value in (("transcript", transcript.get("key_id")), ("entry", body.get("key_id"))):
        if value != key_id:
            raise CeremonyProblem(f"{'仪式记录' if where == 'transcript' else '条目'}中的密钥标识 "
                                  f"{value} 不是开标公钥的标识 {key_id}",
                                  f"the {where}'s key id {value} is not the public key's id {key_id}")
    return computed


def _public_shares(transcript: dict[str, Any], qualified: list[list[Any]], n: int) -> None:
    """Y_j = sum_l j^l C_l with C_l = sum over QUAL of A_il (Horner in j)."""
    total = [point.copy() for point in qualified[0]]
    for commitments in qualified[1:]:
        total = [a + b for a, b in zip(total, commitments, strict=True)]
    recorded = _list(transcript.get("public_shares"), "public_shares")
    if len(recorded) != n:
        raise _malformed("public_shares")
    for j in range(1, n + 1):
        acc = total[-1].copy()
        for point in reversed(total[:-1]):
            acc = acc * j + point
        if _encode(acc) != _b64(recorded[j - 1], "public share"):
            raise CeremonyProblem(f"第 {j} 号保管人的份额公钥与承诺不符",
                                  f"custodian {j}'s public share point does not follow from "
                                  "the commitments")
