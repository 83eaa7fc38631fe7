"""The unified social credit code (GB 32100-2015) and the resident ID number (GB 11643-1999).

The valid credit codes below are published registrations, each checked against a public
source (the organization's own invoice header, its encyclopedia entry or a business-register
extract) and re-derived by hand with the GB 32100 weights; no code was taken from the function
under test. The ID numbers are the worked examples printed in GB 11643-1999 itself, not real
people's numbers.
"""

from __future__ import annotations

import pytest

from trading.accounts.credit_code import (
    CREDIT_CODE_CHARSET,
    CreditCodeError,
    IdNumberError,
    check_character,
    id_number_check_character,
    validate_credit_code,
    validate_id_number,
)

PUBLISHED_CREDIT_CODES = {
    "914403001922038216": "华为技术有限公司",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
    "91330100716105852F": "阿里巴巴（中国）网络技术有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91110000802100433B": "北京百度网讯科技有限公司",
    "12100000400000624D": "清华大学 (a public institution: registration authority 1)",
    "91350100M000100Y43": "the example most often cited for GB 32100 (Fuzhou)",
}


def test_check_character_by_hand() -> None:
    # Huawei, 91440300192203821 + check character:
    # values  9  1  4  4  0  3  0  0  1  9  2  2  0  3  8  2  1
    # weights 1  3  9 27 19 26 16 17 20 29 25 13  8 24 10 30 28
    # products 9+3+36+108+0+78+0+0+20+261+50+26+0+72+80+60+28 = 831
    # 831 = 26 * 31 + 25; (31 - 25) % 31 = 6  ->  "6"
    assert check_character("91440300192203821") == "6"
    # Xiaomi, 91110108551385082 + check character:
    # values  9  1  1  1  0  1  0  8  5  5  1  3  8  5  0  8  2
    # products 9+3+9+27+0+26+0+136+100+145+25+39+64+120+0+240+56 = 999
    # 999 = 32 * 31 + 7; 31 - 7 = 24 -> the 25th character of the set: 0-9 are 0..9, then
    # A10 B11 C12 D13 E14 F15 G16 H17 J18 K19 L20 M21 N22 P23 Q24 (I and O are skipped).
    assert check_character("91110108551385082") == "Q"
    assert CREDIT_CODE_CHARSET[24] == "Q"


@pytest.mark.parametrize("code", sorted(PUBLISHED_CREDIT_CODES))
def test_published_codes_pass(code: str) -> None:
    assert validate_credit_code(code) == code


def test_letter_check_characters_are_covered() -> None:
    assert sum(code[-1].isalpha() for code in PUBLISHED_CREDIT_CODES) >= 5


def test_input_is_normalized() -> None:
    assert validate_credit_code("  9144030071526726xg \n") == "9144030071526726XG"
    # Full-width characters typed with a Chinese input method.
    assert validate_credit_code("９１１１０１０８５５１３８５０８２Ｑ") == "91110108551385082Q"


@pytest.mark.parametrize("code", sorted(PUBLISHED_CREDIT_CODES))
def test_every_single_character_substitution_fails(code: str) -> None:
    # 31 is prime and no weight is a multiple of it, so any one wrong character changes the
    # weighted sum modulo 31: every substitution must be refused.
    for index in range(18):
        for char in CREDIT_CODE_CHARSET:
            if char == code[index]:
                continue
            mutated = code[:index] + char + code[index + 1 :]
            with pytest.raises(CreditCodeError):
                validate_credit_code(mutated)


@pytest.mark.parametrize("code", sorted(PUBLISHED_CREDIT_CODES))
def test_adjacent_transpositions_in_the_body_fail(code: str) -> None:
    for index in range(16):
        if code[index] == code[index + 1]:
            continue
        swapped = code[:index] + code[index + 1] + code[index] + code[index + 2 :]
        with pytest.raises(CreditCodeError):
            validate_credit_code(swapped)


def test_wrong_check_character_does_not_tell_the_right_one() -> None:
    """Telling the expected check character would let a typo in characters 1-17 be "fixed"
    by changing the 18th, and a wrong code be accepted."""
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code("914403001922038217")
    error = caught.value
    assert error.field == "credit_code"
    assert "校验码不符" in error.reason_zh and "does not match" in error.reason_en
    assert "6" not in error.reason_zh + error.reason_en  # the right check character


@pytest.mark.parametrize(
    ("code", "zh", "en"),
    [
        ("", "请填写", "required"),
        ("   ", "请填写", "required"),
        ("91440300192203821", "18 位，当前为 17 位", "this one has 17"),
        ("9144030019220382166", "当前为 19 位", "this one has 19"),
        ("91350100M000100Y4", "当前为 17 位", "this one has 17"),
        # I, O, S, V and Z are not in the set (they look like 1, 0, 5, U and 2).
        ("91350100M000100I43", "第 16 位字符“I”不允许", "character 16 ('I')"),
        ("9135010OM000100Y43", "第 8 位字符“O”不允许", "character 8 ('O')"),
        ("S1350100M000100Y43", "第 1 位字符“S”不允许", "character 1 ('S')"),
        ("91350100M000100V43", "第 16 位字符“V”不允许", "character 16 ('V')"),
        ("91350100M000100Y4Z", "第 18 位字符“Z”不允许", "character 18 ('Z')"),
        ("91350100-000100Y43", "第 9 位字符“-”不允许", "character 9 ('-')"),
        ("9135A100M000100Y43", "第 3-8 位", "characters 3-8"),
    ],
)
def test_precise_reasons(code: str, zh: str, en: str) -> None:
    with pytest.raises(CreditCodeError) as caught:
        validate_credit_code(code)
    assert zh in caught.value.reason_zh
    assert en in caught.value.reason_en
    assert caught.value.field == "credit_code"
    assert zh in str(caught.value)


# ---------------------------------------------------------------------------------------------
# Resident ID numbers (GB 11643-1999)

STANDARD_EXAMPLES = ["11010519491231002X", "440524188001010014"]


def test_id_check_character_by_hand() -> None:
    # GB 11643's example 11010519491231002X:
    # digits  1  1  0  1  0  5  1  9  4  9  1  2  3  1  0  0  2
    # weights 7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    # products 7+9+0+5+0+20+2+9+24+27+7+18+30+5+0+0+4 = 167; 167 % 11 = 2 -> "10X98765432"[2]
    assert id_number_check_character("11010519491231002") == "X"


@pytest.mark.parametrize("number", STANDARD_EXAMPLES)
def test_standard_examples_pass(number: str) -> None:
    assert validate_id_number(number) == number


def test_id_number_is_normalized() -> None:
    assert validate_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize("number", STANDARD_EXAMPLES)
def test_every_single_digit_substitution_fails(number: str) -> None:
    for index in range(18):
        for char in "0123456789X":
            if char == number[index]:
                continue
            mutated = number[:index] + char + number[index + 1 :]
            with pytest.raises(IdNumberError):
                validate_id_number(mutated)


@pytest.mark.parametrize(
    ("number", "zh", "en"),
    [
        ("", "请填写", "required"),
        ("110105194912310", "当前为 15 位", "this one has 15"),
        ("1101051949123100X2", "第 17 位字符“X”不允许", "character 17 ('X')"),
        ("11010519491231002Y", "第 18 位字符“Y”不允许", "character 18 ('Y')"),
        ("110105194902310021", "出生日期“19490231”", "19490231"),  # 31 February
        ("110105194913010021", "出生日期“19491301”", "19491301"),  # month 13
        ("110105000001010021", "出生日期“00000101”", "00000101"),
        ("110105194912310021", "校验码不符", "does not match"),
    ],
)
def test_id_number_precise_reasons(number: str, zh: str, en: str) -> None:
    with pytest.raises(IdNumberError) as caught:
        validate_id_number(number)
    assert zh in caught.value.reason_zh
    assert en in caught.value.reason_en
    assert caught.value.field == "id_number"
