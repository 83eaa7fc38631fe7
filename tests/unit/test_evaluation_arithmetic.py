"""Evaluation arithmetic against examples worked by hand (R-35, R-39, the benchmark-price method)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from bidding.evaluation import scoring
from bidding.evaluation.methods import (
    Criterion,
    Method,
    MethodKind,
    Mode,
    Price,
    PriceRule,
    Stage,
    StageKind,
    check,
    problems,
)
from trading.errors import UserError

YUAN = 100  # fen


def _method(price: Price, category: str | None = "goods", technical: D = D(50),
            business: D = D(20)) -> Method:
    return Method(MethodKind.COMPREHENSIVE, (
        Stage(StageKind.QUALIFICATION, (Criterion("Q1", "营业执照", Mode.PASS_FAIL),)),
        Stage(StageKind.DETAILED, (
            Criterion("T1", "技术方案", Mode.RANGE, technical),
            Criterion("B1", "业绩", Mode.FIXED, business, (D(0), D(10), D(20)), technical=False),
        )),
    ), price, category)


GOODS_30 = _method(Price(PriceRule.LOWEST_VALID, D(30)))


def test_r39_price_score_is_the_lowest_valid_price_over_the_bid_times_the_weight() -> None:
    # Lowest valid price 950,000 yuan; weight 30 %:
    #   A 1,000,000: 950/1000 x 100 = 95.00 -> x 0.30 = 28.50
    #   B   950,000: 100.00 -> 30.00
    #   C 1,100,000: 950/1100 x 100 = 86.3636... -> x 0.30 = 25.9090... -> 25.91
    prices = {"A": 1_000_000 * YUAN, "B": 950_000 * YUAN, "C": 1_100_000 * YUAN}
    assert scoring.price_scores(GOODS_30, prices) == {"A": D("28.50"), "B": D("30.00"),
                                                      "C": D("25.91")}


def test_the_benchmark_price_drops_the_highest_and_lowest_from_five_bids_up() -> None:
    # Six bids (yuan): 1,000,000 / 1,020,000 / 980,000 / 1,100,000 / 950,000 / 1,050,000.
    # Without 1,100,000 and 950,000: (1,000,000 + 1,020,000 + 980,000 + 1,050,000) / 4
    # = 1,012,500; x 0.97 = 982,125 yuan.
    prices = [p * YUAN for p in (1_000_000, 1_020_000, 980_000, 1_100_000, 950_000, 1_050_000)]
    assert scoring.benchmark(prices, D("0.97")) == 982_125 * YUAN
    # Four bids: nothing dropped: (1,000,000 + 1,020,000 + 980,000 + 1,100,000) / 4 = 1,025,000.
    assert scoring.benchmark(prices[:4], D(1)) == 1_025_000 * YUAN


def test_benchmark_scores_deduct_per_percent_of_deviation_above_and_below() -> None:
    # Benchmark 982,125 yuan, 60 points, 1 point per 1 % above, 0.5 per 1 % below:
    #   1,000,000: +17,875 / 982,125 = +1.82003 % -> 60 - 1.82003 = 58.17997 -> 58.18
    #     980,000:  -2,125 / 982,125 = -0.21637 % -> 60 - 0.10818 = 59.89182 -> 59.89
    #     950,000: -32,125 / 982,125 = -3.27097 % -> 60 - 1.63548 = 58.36452 -> 58.36
    #   1,100,000: +117,875 / 982,125 = +12.00204 % -> 60 - 12.00204 = 47.99796 -> 48.00
    price = Price(PriceRule.BENCHMARK, D(60), D("0.97"), D(1), D("0.5"))
    bids = {"A": 1_000_000, "B": 1_020_000, "C": 980_000, "D": 1_100_000, "E": 950_000,
            "F": 1_050_000}
    found = scoring.benchmark_scores({k: v * YUAN for k, v in bids.items()}, price)
    assert (found["A"], found["C"], found["E"], found["D"]) == (D("58.18"), D("59.89"),
                                                                D("58.36"), D("48.00"))


def test_a_far_deviation_scores_zero_not_below() -> None:
    price = Price(PriceRule.BENCHMARK, D(10), D(1), D(1), D(1))
    # Two bids 100 and 300: benchmark 200; each deviates 50 % -> 10 - 50 = -40 -> 0.
    assert scoring.benchmark_scores({"A": 100, "B": 300}, price) == {"A": D("0.00"), "B": D("0.00")}


def test_totals_average_each_members_sum_then_add_the_price_score() -> None:
    # Members' sums for A: 40+20 = 60, 45+20 = 65, 50+10 = 60 -> mean 61.6667; price 28.50
    #   -> 90.17. For B: 30+10, 35+10, 31+20 -> 40, 45, 51 -> 45.3333 + 30.00 -> 75.33.
    marks = {
        "m1": {"A": {"T1": D(40), "B1": D(20)}, "B": {"T1": D(30), "B1": D(10)}},
        "m2": {"A": {"T1": D(45), "B1": D(20)}, "B": {"T1": D(35), "B1": D(10)}},
        "m3": {"A": {"T1": D(50), "B1": D(10)}, "B": {"T1": D(31), "B1": D(20)}},
    }
    prices = {"A": 1_000_000 * YUAN, "B": 950_000 * YUAN}
    ranked = scoring.standings(GOODS_30, marks, prices)
    assert [(r.bidder, r.total, r.rank) for r in ranked] == [("A", D("90.17"), 1),
                                                              ("B", D("75.33"), 2)]
    assert ranked[0].technical == D("45.00")  # (40 + 45 + 50) / 3


def test_ties_break_on_the_lower_price_then_the_technical_score() -> None:
    method = _method(Price(PriceRule.LOWEST_VALID, D(30)))
    # A and B: same total 100 (A: 50+20+30 price; B: 50+20 and the lowest price too).
    marks = {"m1": {"A": {"T1": D(50), "B1": D(20)}, "B": {"T1": D(50), "B1": D(20)}}}
    same = scoring.standings(method, marks, {"A": 900 * YUAN, "B": 900 * YUAN})
    assert [r.rank for r in same] == [1, 1]
    # Equal totals, different prices: C 50 + 20 + 27.00 (30 x 900 / 1000) = 97.00 at 1000;
    # E 47 + 20 + 30.00 = 97.00 at 900 -> E first on the lower price.
    marks = {"m1": {"C": {"T1": D(50), "B1": D(20)}, "E": {"T1": D(47), "B1": D(20)}}}
    ranked = scoring.standings(method, marks, {"C": 1000 * YUAN, "E": 900 * YUAN})
    assert [(r.bidder, r.total, r.rank) for r in ranked] == [("E", D("97.00"), 1),
                                                              ("C", D("97.00"), 2)]
    # Same total and price, the technical score decides: F 50 + 10, G 40 + 20, both lowest.
    marks = {"m1": {"F": {"T1": D(50), "B1": D(10)}, "G": {"T1": D(40), "B1": D(20)}}}
    ranked = scoring.standings(method, marks, {"F": 900 * YUAN, "G": 900 * YUAN})
    assert [(r.bidder, r.rank) for r in ranked] == [("F", 1), ("G", 2)]


def test_lowest_evaluated_price_adds_the_adjustments() -> None:
    ranked = scoring.lowest_evaluated({"A": 1000, "B": 990, "C": 1000}, {"B": 20, "C": 0})
    assert [(r.bidder, r.total, r.rank) for r in ranked] == [
        ("A", D(1000), 1), ("C", D(1000), 1), ("B", D(1010), 3)]


def test_at_most_three_candidates() -> None:
    ranked = scoring.lowest_evaluated({k: 100 + i for i, k in enumerate("ABCDE")}, {})
    assert [r.bidder for r in scoring.candidates(ranked)] == ["A", "B", "C"]
    with pytest.raises(UserError) as raised:
        scoring.candidates(ranked, 4)
    assert "第五十三条" in raised.value.message_zh


@pytest.mark.parametrize(("criterion", "value", "reason", "ok"), [
    (Criterion("T1", "技术方案", Mode.RANGE, D(50)), D("50.01"), "", False),
    (Criterion("T1", "技术方案", Mode.RANGE, D(50)), D("-1"), "", False),
    (Criterion("T1", "技术方案", Mode.RANGE, D(50)), D("49.5"), "", True),
    (Criterion("T1", "技术方案", Mode.RANGE, D(50)), D("49.555"), "", False),
    (Criterion("B1", "业绩", Mode.FIXED, D(20), (D(0), D(10), D(20))), D(15), "", False),
    (Criterion("B1", "业绩", Mode.FIXED, D(20), (D(0), D(10), D(20))), D(10), "", True),
    (Criterion("S1", "售后服务", Mode.DEDUCT, D(10)), D(8), "", False),
    (Criterion("S1", "售后服务", Mode.DEDUCT, D(10)), D(8), "响应时间 48 小时", True),
    (Criterion("S1", "售后服务", Mode.DEDUCT, D(10)), D(10), "", True),
    (Criterion("Q1", "营业执照", Mode.PASS_FAIL), D(0), "", False),
    (Criterion("Q1", "营业执照", Mode.PASS_FAIL), D(0), "执照过期", True),
    (Criterion("Q1", "营业执照", Mode.PASS_FAIL), D(2), "", False),
])
def test_a_mark_outside_the_criterion_or_a_deduction_without_reason_is_refused(
        criterion: Criterion, value: D, reason: str, ok: bool) -> None:
    if ok:
        scoring.check_mark(criterion, value, reason)
    else:
        with pytest.raises(UserError) as raised:
            scoring.check_mark(criterion, value, reason)
        assert raised.value.field == criterion.code


def test_an_outlier_mark_and_identical_patterns_are_flagged() -> None:
    marks = {
        "m1": {"A": {"T1": D(40), "B1": D(20)}},
        "m2": {"A": {"T1": D(42), "B1": D(20)}},
        "m3": {"A": {"T1": D(41), "B1": D(20)}},
        "m4": {"A": {"T1": D(20), "B1": D(20)}},  # 21 below the others' median 41 > 15 (0.3 x 50)
        "m5": {"A": {"T1": D(40), "B1": D(20)}},
    }
    found = scoring.outliers(GOODS_30, marks)
    assert [(o.member, o.criterion, o.others_median) for o in found] == [("m4", "T1", D("40.50"))]
    assert scoring.identical_patterns(marks) == [("m1", "m5")]


def test_government_procurement_price_weight_floors_and_the_100_point_total() -> None:
    assert problems(GOODS_30) == []
    low = _method(Price(PriceRule.LOWEST_VALID, D(20)), technical=D(60))
    assert any("不得低于 30%" in p.message_zh and "第五十五条" in p.message_zh for p in problems(low))
    services = _method(Price(PriceRule.LOWEST_VALID, D(10)), "services", technical=D(70))
    assert problems(services) == []
    off = _method(Price(PriceRule.LOWEST_VALID, D(30)), technical=D(40))
    assert any("合计应为 100 分" in p.message_zh for p in problems(off))
    benchmark_in_gp = _method(Price(PriceRule.BENCHMARK, D(30)))
    assert any("低价优先" in p.message_zh for p in problems(benchmark_in_gp))
    works = _method(Price(PriceRule.BENCHMARK, D(30), D("0.97")), None)
    assert check(works) is works


def test_a_method_without_criteria_or_with_bad_values_is_refused() -> None:
    empty = Method(MethodKind.LOWEST_EVALUATED_PRICE, ())
    assert problems(empty)
    bad_fixed = _method(Price(PriceRule.LOWEST_VALID, D(30)))
    stage = Stage(StageKind.DETAILED, (Criterion("T1", "技术", Mode.FIXED, D(70), (D(80),)),))
    bad_fixed = Method(MethodKind.COMPREHENSIVE, (stage,), bad_fixed.price, "goods")
    assert any("固定分值" in p.message_zh for p in problems(bad_fixed))
