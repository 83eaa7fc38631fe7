"""What is masked before a notice is public (R-40: personal privacy and business secrets).

Rules, applied to every text value of a notice (typed values, money and dates, cannot hold
free text and are left alone):

- **ID numbers** (居民身份证号码): 18 characters (17 digits and a digit or X) or the old 15
  digits. Anything that *looks like* one is masked, even with a wrong check digit: a typo in a
  real ID is still personal data. The only 18-character numbers spared are valid unified social
  credit codes whose "birth date" part is not a date at all (organisation codes are public).
- **Mobile numbers**: 1[3-9] and nine digits, optionally after +86 / 86 / 0086.
- Digits may be full-width (０-９), and split by spaces, dashes or dots (138 1234 5678,
  138-1234-5678, 1 3 8 …): a number is a run of digit groups joined by single separators, and
  every sub-run of whole groups that spells an ID or a mobile number is masked.
- **Personal addresses**: items of kind ``personal_address`` are replaced whole.
- **Business secrets**: items named in ``secret_fields`` (dotted paths, ``*`` for every entry
  of a list, e.g. ``bids.*.remarks``) are replaced whole.
- **Reference numbers** (kind ``reference``: a 文号, the platform's decision numbers) are kept:
  they are public and are what a decision is verified with, and some spell 15 digits with a
  dash (BXK20260930042914-3). Validation makes them open with the issuer's mark, which a
  personal number never does.

Landlines (0353-1234567) stay: an organisation's phone number is public information.
Known limit: numbers written in Chinese numerals (一三八…) or glued to other digits without a
separator (a 22-digit run) are not recognised. ``leaks`` runs the same detector over a whole
JSON document.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from disclosure.notice_types import TYPED_KINDS, Field, Kind, NoticeSpec
from trading.accounts.credit_code import IdentifierError, validate_credit_code

MASK_ADDRESS = "【个人地址已隐去】"
MASK_SECRET = "【商业秘密已隐去】"  # noqa: S105 - a mask, not a password
MASK_CHAR = "*"

_DIGIT = "0-9０-９"
_SEPARATOR = r"[ \u00a0\u3000\-‐‑‒–—―－.．]"
# A run: digit groups joined by single separators; an ID's last group may end in X.
_RUN = re.compile(rf"[{_DIGIT}]+(?:{_SEPARATOR}[{_DIGIT}]+)*[XxＸｘ]?")
_GROUP = re.compile(rf"[{_DIGIT}]+[XxＸｘ]?")
_MOBILE = re.compile(r"(?:0086|86)?1[3-9]\d{9}")
_ID18 = re.compile(r"\d{17}[\dX]")
_ID15 = re.compile(r"\d{15}")


@dataclass(frozen=True)
class Finding:
    kind: str  # "id_number" | "mobile"
    start: int
    end: int


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKC", text).upper()


def _looks_like_date(text: str) -> bool:
    try:
        dt.date(int(text[0:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return False
    return True


def _classify(digits: str) -> str | None:
    """What a whole candidate spells: an ID number, a mobile number, or nothing."""
    if _ID18.fullmatch(digits):
        if _looks_like_date(digits[6:14]):
            return "id_number"
        try:
            validate_credit_code(digits)
        except IdentifierError:
            return "id_number"  # looks like an ID with a garbled date: mask, never guess
        return None
    if _ID15.fullmatch(digits) and _looks_like_date("19" + digits[6:12]):
        return "id_number"
    if _MOBILE.fullmatch(digits):
        return "mobile"
    return None


def find_sensitive(text: str) -> list[Finding]:
    """Every ID or mobile number in ``text``, as character spans of ``text``."""
    findings: list[Finding] = []
    for run in _RUN.finditer(text):
        groups = [(m.start() + run.start(), m.end() + run.start(), _plain(m.group()))
                  for m in _GROUP.finditer(run.group())]
        findings.extend(_scan_groups(groups))
    return findings


def _scan_groups(groups: list[tuple[int, int, str]]) -> Iterator[Finding]:
    """Longest matches first, over sub-runs of whole groups, without overlaps."""
    i = 0
    while i < len(groups):
        found = None
        for j in range(len(groups), i, -1):
            digits = "".join(g[2] for g in groups[i:j])
            if len(digits) > 18:
                continue
            # An X may only end an ID number, never sit inside a longer candidate.
            if "X" in digits[:-1]:
                continue
            kind = _classify(digits)
            if kind:
                found = (j, Finding(kind, groups[i][0], groups[j - 1][1]))
                break
        if found:
            i, finding = found
            yield finding
        else:
            i += 1


def mask_text(text: str) -> tuple[str, int]:
    """``text`` with every ID and mobile number masked, and how many were masked."""
    findings = find_sensitive(text)
    if not findings:
        return text, 0
    out, last = [], 0
    for finding in findings:
        out.append(text[last:finding.start])
        out.append(_mask(finding))
        last = finding.end
    out.append(text[last:])
    return "".join(out), len(findings)


def _mask(finding: Finding) -> str:
    # A fixed shape, whatever the separators were: 138******** / 1403**************.
    length = finding.end - finding.start
    if finding.kind == "mobile":
        return "1" + MASK_CHAR * 10
    return MASK_CHAR * min(max(length, 15), 18)


# --- notices ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Redacted:
    title: str
    data: dict[str, Any]
    masked: tuple[str, ...]  # paths of the items that were changed (for the staff preview)


def redact_notice(spec: NoticeSpec, title: str, data: Mapping[str, Any],
                  secret_fields: Sequence[str] = ()) -> Redacted:
    """The public version of a validated notice."""
    secrets = [tuple(path.split(".")) for path in secret_fields]
    masked: list[str] = []
    public_title, count = mask_text(title)
    if count:
        masked.append("title")
    public = _redact_object(spec.fields, data, (), secrets, masked)
    return Redacted(public_title, public, tuple(masked))


def _matches(secret: tuple[str, ...], path: tuple[str, ...]) -> bool:
    return len(secret) == len(path) and all(s in ("*", p) for s, p in zip(secret, path,
                                                                          strict=True))


def _redact_object(fields: Sequence[Field], data: Mapping[str, Any], path: tuple[str, ...],
                   secrets: list[tuple[str, ...]], masked: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for field in fields:
        if field.key not in data:
            continue
        here = (*path, field.key)
        result[field.key] = _redact_value(field, data[field.key], here, secrets, masked)
    return result


def _redact_value(field: Field, value: Any, path: tuple[str, ...],
                  secrets: list[tuple[str, ...]], masked: list[str]) -> Any:
    name = ".".join(path)
    if any(_matches(secret, path) for secret in secrets):
        masked.append(name)
        return MASK_SECRET
    if field.kind is Kind.PERSONAL_ADDRESS:
        masked.append(name)
        return MASK_ADDRESS
    if field.kind is Kind.LIST:
        return [_redact_object(field.items, item, (*path, str(i)), secrets, masked)
                for i, item in enumerate(value)]
    if field.kind in TYPED_KINDS or not isinstance(value, str):
        return value
    text, count = mask_text(value)
    if count:
        masked.append(name)
    return text


def leaks(document: Any) -> list[str]:
    """The texts in a JSON-like ``document`` that still hold an ID or mobile number."""
    found: list[str] = []
    if isinstance(document, str):
        found.extend(document[f.start:f.end] for f in find_sensitive(document))
    elif isinstance(document, Mapping):
        for value in document.values():
            found.extend(leaks(value))
    elif isinstance(document, list | tuple):
        for value in document:
            found.extend(leaks(value))
    return found
