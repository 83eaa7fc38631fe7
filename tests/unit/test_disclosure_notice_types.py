"""Notice schemas: normalization and refusals that name the item."""

from __future__ import annotations

import pytest

from disclosure import search
from disclosure.notice_types import SPECS, NoticeType, spec_for, validate
from disclosure.ocds import merge, record
from trading.errors import UserError


def test_every_type_has_chinese_and_english_labels():
    for spec in SPECS.values():
        assert spec.zh and spec.en
        for field in spec.fields:
            assert field.zh and field.en and field.key


def test_values_are_normalized():
    spec = SPECS[NoticeType.CONTRACT_NOTICE]
    clean = validate(spec, {"tenderee": " 甲 ", "winner": "乙", "contract_name": "合同\x07",
                            "contract_amount": "1,234.5", "signing_date": "2026-11-25",
                            "term": 365})
    assert clean == {"tenderee": "甲", "winner": "乙", "contract_name": "合同",
                     "contract_amount": "1234.50", "signing_date": "2026-11-25", "term": "365"}
    announcement = SPECS[NoticeType.TENDER_ANNOUNCEMENT]
    assert announcement.field("bid_deadline") is not None


@pytest.mark.parametrize(("change", "field"), [
    ({"contract_amount": "12.3.4"}, "contract_amount"),
    ({"contract_amount": 1.5}, "contract_amount"),  # floats lose fen
    ({"contract_amount": "-1"}, "contract_amount"),
    ({"signing_date": "25/11/2026"}, "signing_date"),
    ({"winner": ["a"]}, "winner"),
    ({"term": "x" * 6000}, "term"),
])
def test_bad_values_are_refused_with_the_item(change, field):
    data = {"tenderee": "甲", "winner": "乙", "contract_name": "合同", "contract_amount": "1",
            "signing_date": "2026-11-25", "term": "1年", **change}
    with pytest.raises(UserError) as refused:
        validate(SPECS[NoticeType.CONTRACT_NOTICE], data)
    assert refused.value.field == field


def test_naive_times_and_unknown_types_are_refused():
    with pytest.raises(UserError) as refused:
        validate(SPECS[NoticeType.OPENING_RECORD], {
            "tenderee": "t", "opening_time": "2026-12-20 09:30", "opening_place": "p",
            "bids": [{"bidder": "a", "price": "1"}]})
    assert refused.value.field == "opening_time"
    with pytest.raises(UserError) as unknown:
        spec_for("press_release")
    assert unknown.value.field == "notice_type"


def test_search_terms_are_bounded_and_clean():
    assert search.terms("  道路\x00 监理\u200b  ") == ["道路", "监理"]
    assert len(search.terms("词 " * 100)) == 5
    assert search.terms("Ｒｏａｄ") == ["road"]
    assert search.bigrams("道路 工程") == {"道路", "工程"}


def test_ocds_merge_by_identifier():
    merged = merge({"awards": [{"id": "a", "status": "pending"}], "tender": {"id": "t"}},
                   {"awards": [{"id": "a", "status": "active"}, {"id": "b"}],
                    "tender": {"status": "complete"}, "tag": ["x"]})
    assert merged == {"awards": [{"id": "a", "status": "active"}, {"id": "b"}],
                      "tender": {"id": "t", "status": "complete"}, "tag": ["x"]}
    compiled = record("o", [{"id": "2", "date": "2026-01-02T00:00:00Z", "tag": ["award"],
                             "ocid": "o", "x": 2},
                            {"id": "1", "date": "2026-01-01T00:00:00Z", "tag": ["tender"],
                             "ocid": "o", "x": 1}])["compiledRelease"]
    assert compiled == {"ocid": "o", "id": "o-compiled", "date": "2026-01-02T00:00:00Z",
                        "tag": ["compiled"], "x": 2}
