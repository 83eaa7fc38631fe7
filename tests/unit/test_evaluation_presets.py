"""The evaluation method presets a tender starts from, their stored form and their words."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bidding.evaluation import presets
from bidding.evaluation.methods import MethodKind, PriceRule, problems
from trading.errors import UserError


@pytest.mark.parametrize("key", sorted(presets.PRESETS))
def test_every_preset_is_a_valid_method_and_survives_storage(key: str) -> None:
    method = presets.preset(key)
    assert problems(method) == []
    assert presets.from_data(presets.to_data(method)) == method


def test_the_common_chinese_names_pick_the_presets_by_category() -> None:
    assert presets.preset_for("经评审的最低投标价法", "construction") == "lowest_evaluated_price"
    assert presets.preset_for("综合评估法", "construction") == "engineering_benchmark"
    assert presets.preset_for("综合评分法", "procurement") == "gp_goods"
    assert presets.preset_for("gp_services", "procurement") == "gp_services"
    with pytest.raises(UserError):
        presets.preset_for("抓阄", "construction")


def test_government_procurement_goods_keep_at_least_30_percent_on_price() -> None:
    method = presets.preset("gp_goods")
    assert method.price is not None and method.price.rule == PriceRule.LOWEST_VALID
    # Price 20 and the technical plan 10 points more: still 100 in all, but under the R-39 floor.
    with pytest.raises(UserError, match="不得低于 30"):
        presets.adjusted(method, {"T1": "50"}, {"points": "20"})
    # Criteria that no longer total 100 with the price are refused too.
    with pytest.raises(UserError, match="合计应为 100"):
        presets.adjusted(method, {"T1": "45"}, {})
    moved = presets.adjusted(method, {"T1": "35", "T2": "20", "B1": "10"}, {"points": "35"})
    assert moved.price is not None and moved.price.points == D(35)


def test_a_fixed_criterion_scales_its_values_and_bad_numbers_are_refused() -> None:
    method = presets.preset("engineering_benchmark")  # B1: 0 / 2.5 / 5
    moved = presets.adjusted(method, {"B1": "10", "T1": "15"}, {})
    b1 = next(c for c in moved.criteria() if c.code == "B1")
    assert b1.values == (D(0), D(5), D(10))
    with pytest.raises(UserError):
        presets.adjusted(method, {"T1": "NaN"}, {})
    with pytest.raises(UserError):
        presets.from_data({"kind": "lottery", "stages": []})


def test_the_method_reads_in_chinese_and_english() -> None:
    lines = presets.describe(presets.preset("engineering_benchmark"))
    assert lines[0][0] == "综合评估法/综合评分法"
    headings = [heading for heading, _ in lines]
    assert headings[1:] == ["资格评审", "符合性评审", "详细评审", "价格分"]
    assert "基准价 = 有效投标报价算术平均值（5 家及以上去掉最高和最低）× 0.97" in lines[-1][1][0]
    assert presets.describe(presets.preset("lowest_evaluated_price"), "en")[0][0] == (
        "Lowest evaluated price")
    assert presets.preset("lowest_evaluated_price").kind == MethodKind.LOWEST_EVALUATED_PRICE


def test_points_read_as_people_write_them() -> None:
    lines = [line for _, items in presets.describe(presets.preset("gp_goods")) for line in items]
    assert "T1 技术方案：40 分（区间打分）" in lines
    assert any(line.startswith("价格分 30 分") for line in lines)
    assert "E+" not in "".join(lines)
    assert presets.number(D("2.50")) == "2.5" and presets.number(D("100")) == "100"
