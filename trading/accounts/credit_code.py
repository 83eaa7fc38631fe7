"""Checks for the identifiers of organizations and people.

- The unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a
  31-character set (digits and capital letters except I, O, S, V and Z). Position 1 is the
  registration authority, 2 the organization category, 3-8 the administrative region
  (GB/T 2260, digits), 9-17 the organization code (GB 11714) and 18 the check character.
- The resident ID number (居民身份证号码), GB 11643-1999: 17 digits (region, birth date
  YYYYMMDD, sequence) and an ISO 7064 MOD 11-2 check character (0-9 or X).

Both functions return the normalized value or raise an error that says, in Chinese and in
English, exactly what is wrong, so that a form can show it next to the field.
"""

from __future__ import annotations

import datetime as dt
import unicodedata

CREDIT_CODE_LENGTH = 18
CREDIT_CODE_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_CHARSET)}

ID_NUMBER_LENGTH = 18
ID_NUMBER_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_NUMBER_CHECK_CHARS = "10X98765432"
ID_NUMBER_EARLIEST_BIRTH_YEAR = 1800


class IdentifierError(ValueError):
    """A refused identifier: the reason in Chinese and English, and the form field at fault."""

    def __init__(self, reason_zh: str, reason_en: str, field: str) -> None:
        super().__init__(f"{reason_zh} / {reason_en}")
        self.reason_zh = reason_zh
        self.reason_en = reason_en
        self.field = field


class CreditCodeError(IdentifierError):
    def __init__(self, reason_zh: str, reason_en: str, field: str = "credit_code") -> None:
        super().__init__(reason_zh, reason_en, field)


class IdNumberError(IdentifierError):
    def __init__(self, reason_zh: str, reason_en: str, field: str = "id_number") -> None:
        super().__init__(reason_zh, reason_en, field)


def _normalize(value: str) -> str:
    # NFKC turns full-width input (e.g. "９１３５" typed with a Chinese input method) into
    # ASCII; then surrounding blanks go and letters are upper-cased.
    return unicodedata.normalize("NFKC", value).strip().upper()


def check_character(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters of a credit code."""
    if len(first17) != CREDIT_CODE_LENGTH - 1:
        raise ValueError("the check character is computed over exactly 17 characters")
    total = sum(
        _CREDIT_CODE_VALUES[char] * weight
        for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_CHARSET[(31 - total % 31) % 31]


def validate_credit_code(code: str) -> str:
    """Return ``code`` normalized (trimmed, upper case) or raise :class:`CreditCodeError`."""
    if not isinstance(code, str):
        raise CreditCodeError(
            "统一社会信用代码必须是文本", "the unified social credit code must be text"
        )
    code = _normalize(code)
    if not code:
        raise CreditCodeError(
            "请填写统一社会信用代码", "the unified social credit code is required"
        )
    if len(code) != CREDIT_CODE_LENGTH:
        raise CreditCodeError(
            f"统一社会信用代码应为 18 位，当前为 {len(code)} 位",
            f"a unified social credit code has 18 characters, this one has {len(code)}",
        )
    for position, char in enumerate(code, start=1):
        if char not in _CREDIT_CODE_VALUES:
            raise CreditCodeError(
                f"第 {position} 位字符“{char}”不允许：只能使用数字和除 I、O、S、V、Z 以外的"
                "大写英文字母",
                f"character {position} ({char!r}) is not allowed: only digits and capital "
                "letters other than I, O, S, V and Z may be used",
            )
    region = code[2:8]
    if not region.isdigit():
        raise CreditCodeError(
            f"第 3-8 位（登记管理机关行政区划码）应为数字，当前为“{region}”",
            f"characters 3-8 (the administrative region code) must be digits, not {region!r}",
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        raise CreditCodeError(
            # Never say what the check character should be: a typo in characters 1-17 would
            # then be "fixed" by changing the 18th, and a wrong code accepted.
            "校验码不符：第 18 位校验码与前 17 位不一致，请逐位核对代码是否抄错",
            "the check character does not match: character 18 does not agree with the first "
            "17; please check the whole code for a typing error",
        )
    return code


def id_number_check_character(first17: str) -> str:
    """The GB 11643 check character (0-9 or X) for the first 17 digits of an ID number."""
    if len(first17) != ID_NUMBER_LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError("the check character is computed over exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, ID_NUMBER_WEIGHTS, strict=True))
    return ID_NUMBER_CHECK_CHARS[total % 11]


def validate_id_number(value: str) -> str:
    """Return an 18-character resident ID number normalized or raise :class:`IdNumberError`."""
    if not isinstance(value, str):
        raise IdNumberError("身份证号码必须是文本", "the ID number must be text")
    number = _normalize(value)
    if not number:
        raise IdNumberError("请填写身份证号码", "the ID number is required")
    if len(number) != ID_NUMBER_LENGTH:
        raise IdNumberError(
            f"身份证号码应为 18 位，当前为 {len(number)} 位",
            f"an ID number has 18 characters, this one has {len(number)}",
        )
    for position, char in enumerate(number[:17], start=1):
        if not ("0" <= char <= "9"):
            raise IdNumberError(
                f"第 {position} 位字符“{char}”不允许：前 17 位只能是数字",
                f"character {position} ({char!r}) is not allowed: the first 17 must be digits",
            )
    if number[17] not in ID_NUMBER_CHECK_CHARS:
        raise IdNumberError(
            f"第 18 位字符“{number[17]}”不允许：只能是数字或 X",
            f"character 18 ({number[17]!r}) is not allowed: it must be a digit or X",
        )
    birth = number[6:14]
    try:
        born = dt.date(int(birth[:4]), int(birth[4:6]), int(birth[6:]))
    except ValueError:
        born = None
    if born is None or born.year < ID_NUMBER_EARLIEST_BIRTH_YEAR:
        raise IdNumberError(
            f"第 7-14 位出生日期“{birth}”不是有效日期",
            f"characters 7-14 (the date of birth, {birth}) are not a real date",
        )
    expected = id_number_check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(
            "校验码不符：第 18 位校验码与前 17 位不一致，请逐位核对号码是否抄错",
            "the check character does not match: character 18 does not agree with the first "
            "17; please check the whole number for a typing error",
        )
    return number
