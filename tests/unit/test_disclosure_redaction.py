"""Redaction rules: ID and mobile numbers in every spelling; what must stay untouched."""

from __future__ import annotations

import re
import unicodedata

import pytest

from disclosure import redaction
from disclosure.notice_types import SPECS, NoticeType, validate
from trading.errors import UserError

ID = "140302198805120036"
ID_X = "14030219850315002X"


@pytest.mark.parametrize("text", [
    f"身份证号{ID}。", f"身份证号：{ID_X.lower()}", f"（{ID}）", "１４０３０２１９８８０５１２００３６",
    "140302 19880512 0036", "140302-19880512-0036", f"{ID[:-1]}9",  # a wrong check digit
    "140302880512003",  # a 15-digit ID of the first generation
    "14030219850315002Ｘ",
])
def test_id_numbers_are_masked(text):
    masked, count = redaction.mask_text(text)
    assert count == 1 and redaction.find_sensitive(masked) == []
    digits = re.sub(r"[^0-9X]", "", unicodedata.normalize("NFKC", text).upper())
    assert digits[-4:] not in unicodedata.normalize("NFKC", masked).upper()


@pytest.mark.parametrize("text", [
    "手机13912345678", "139 1234 5678", "139-1234-5678", "+86 139 1234 5678", "8613912345678",
    "+86-139-1234-5678", "（+86）139 1234 5678", "0086 13912345678", "１３９１２３４５６７８",
    "1 3 9 1 2 3 4 5 6 7 8", "139.1234.5678", "139\u30001234\u30005678", "电话13912345678联系",
])
def test_mobile_numbers_are_masked(text):
    masked, count = redaction.mask_text(text)
    assert count == 1 and "5678" not in masked and "５６７８" not in masked


def test_two_numbers_side_by_side_are_both_masked():
    masked, count = redaction.mask_text(f"13912345678 13812345678 {ID}")
    assert count == 3 and "5678" not in masked and "0036" not in masked


@pytest.mark.parametrize("text", [
    "0353-2025118", "（0351）7654321", "合同金额 27650000.00 元", "2026-12-20 09:30",
    "91140300MA0HXT0015", "CJJ 1-2008", "第3标段", "晋1142015201601234",
])
def test_public_numbers_are_kept(text):
    assert redaction.mask_text(text) == (text, 0)


def test_typed_items_personal_addresses_and_secrets():
    spec = SPECS[NoticeType.INTAKE_RESULT]
    data = {"service_item": "规划许可", "applicant": "李明 13912345678",
            "applicant_address": "城区南大街12号", "department": "审批局", "decision": "准予",
            "decided_at": "2026-11-20", "document_number": "阳审〔2026〕1号"}
    result = redaction.redact_notice(spec, "标题 13912345678", data, ["document_number"])
    assert result.data["applicant_address"] == redaction.MASK_ADDRESS
    assert result.data["document_number"] == redaction.MASK_SECRET
    assert result.data["decided_at"] == "2026-11-20"
    assert "13912345678" not in result.title + result.data["applicant"]
    assert set(result.masked) == {"title", "applicant", "applicant_address", "document_number"}


def test_an_issued_reference_is_kept_while_free_text_with_the_same_digits_is_masked():
    """The approval center's decision numbers spell 15 digits with a dash (BXK + day + six
    random digits + -n); some read like a first-generation ID. The number is what anyone
    verifies the decision with, so the document number item keeps it; free text does not."""
    spec = SPECS[NoticeType.INTAKE_RESULT]
    number = "BXK20260930042914-3"  # 202609 300429 143: "born" 1930-04-29
    assert redaction.find_sensitive(number)  # as free text it would be masked
    data = validate(spec, {"service_item": "项目核准", "applicant": f"阳泉城投公司 {number}",
                           "department": "发改委", "decision": "不予行政许可决定书",
                           "decided_at": "2026-11-04", "document_number": number})
    result = redaction.redact_notice(spec, f"审批结果公开（{number}）", data)
    assert result.data["document_number"] == number
    assert number not in result.title and number not in result.data["applicant"]
    assert set(result.masked) == {"title", "applicant"}


@pytest.mark.parametrize("bad", ["140302198805120036", "（2026）1号", "阳审 1号", "阳" * 65])
def test_a_reference_must_open_with_its_issuers_mark(bad):
    spec = SPECS[NoticeType.INTAKE_RESULT]
    data = {"service_item": "s", "applicant": "a", "department": "d", "decision": "准予",
            "decided_at": "2026-11-04", "document_number": bad}
    with pytest.raises(UserError) as refused:
        validate(spec, data)
    assert refused.value.field == "document_number"


def test_secret_paths_reach_into_lists():
    spec = SPECS[NoticeType.OPENING_RECORD]
    data = {"tenderee": "t", "opening_time": "2026-12-20T01:30:00Z", "opening_place": "p",
            "bids": [{"bidder": "a", "price": "1.00", "remarks": "x"},
                     {"bidder": "b", "price": "2.00", "remarks": "y"}]}
    result = redaction.redact_notice(spec, "t", data, ["bids.*.remarks"])
    assert [b["remarks"] for b in result.data["bids"]] == [redaction.MASK_SECRET] * 2
    assert [b["price"] for b in result.data["bids"]] == ["1.00", "2.00"]


def test_leaks_walks_documents():
    assert redaction.leaks({"a": [f"x{ID}"], "b": {"c": "13912345678"}, "d": 1}) == [
        ID, "13912345678"]
