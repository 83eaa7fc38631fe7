"""Evaluation methods as data, and the checks a method must pass before a tender carries it.

Two methods (评标委员会和评标方法暂行规定 §29): the lowest evaluated price (经评审的最低投标价法:
pass/fail reviews, then price adjustments; the lowest evaluated price ranks first) and
comprehensive scoring (综合评估法 / 综合评分法: criteria with points, plus a price score). A
method is plain data (stages, criteria, price rule) so that it is set when the tender is
created, published with it, and read back by the committee's pages and the report unchanged.
The arithmetic on it is in ``bidding.evaluation.scoring``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from trading.errors import UserError

HUNDRED = Decimal(100)
# Government procurement price weight floors (政府采购货物和服务招标投标管理办法 §55; R-39).
GP_PRICE_WEIGHT_FLOOR = {"goods": Decimal(30), "services": Decimal(10)}
LAW_GP_55 = "《政府采购货物和服务招标投标管理办法》第五十五条"
LAW_COMMITTEE_29 = "《评标委员会和评标方法暂行规定》第二十九条"
MAX_CRITERIA = 60
MAX_NAME = 100


class MethodKind(enum.StrEnum):
    LOWEST_EVALUATED_PRICE = "lowest_evaluated_price"  # 经评审的最低投标价法
    COMPREHENSIVE = "comprehensive"  # 综合评估法 / 综合评分法


class StageKind(enum.StrEnum):
    QUALIFICATION = "qualification"  # 资格评审
    CONFORMITY = "conformity"  # 符合性评审
    DETAILED = "detailed"  # 详细评审
    PRICE = "price"  # 价格分


class Mode(enum.StrEnum):
    PASS_FAIL = "pass_fail"  # noqa: S105 (a mode, not a secret) 合格/不合格: one failure rejects
    RANGE = "range"  # any value from 0 to the criterion's points
    FIXED = "fixed"  # one of the listed values (e.g. 0 / 2 / 4)
    DEDUCT = "deduct"  # starts at the points, each deduction needs a reason
    ADD = "add"  # starts at 0, each addition up to the points


class PriceRule(enum.StrEnum):
    LOWEST_VALID = "lowest_valid"  # GP: lowest valid price / bid price x 100
    BENCHMARK = "benchmark"  # engineering: deviation from an average-based benchmark


@dataclass(frozen=True)
class Criterion:
    code: str
    name: str
    mode: Mode
    points: Decimal = Decimal(0)  # the most this criterion gives (0 for pass/fail)
    values: tuple[Decimal, ...] = ()  # FIXED: the allowed values
    technical: bool = True  # counts in the technical score (the last tie-break)


@dataclass(frozen=True)
class Stage:
    kind: StageKind
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class Price:
    rule: PriceRule
    points: Decimal  # the price score's share of 100 (GP: the price weight in %)
    coefficient: Decimal = Decimal(1)  # BENCHMARK: benchmark = average x coefficient
    per_percent_above: Decimal = Decimal(1)  # BENCHMARK: points off per 1 % above the benchmark
    per_percent_below: Decimal = Decimal("0.5")  # ... and per 1 % below it


@dataclass(frozen=True)
class Method:
    kind: MethodKind
    stages: tuple[Stage, ...]
    price: Price | None = None  # COMPREHENSIVE only
    procurement_category: str | None = None  # "goods" / "services" for government procurement
    notes: tuple[str, ...] = field(default=())

    def criteria(self, kind: StageKind | None = None) -> list[Criterion]:
        return [c for s in self.stages if kind in (None, s.kind) for c in s.criteria]


def _problem(zh: str, en: str) -> UserError:
    return UserError(zh, en, field="evaluation_method", code="bad_evaluation_method")


def problems(method: Method) -> list[UserError]:
    """Everything wrong with a method, each in words (empty: the tender may carry it)."""
    found: list[UserError] = []
    criteria = method.criteria()
    if not criteria:
        found.append(_problem("评标办法至少应有一项评审因素", "A method needs at least one criterion"))
    if len(criteria) > MAX_CRITERIA:
        found.append(_problem(f"评审因素最多 {MAX_CRITERIA} 项", f"At most {MAX_CRITERIA} criteria"))
    codes = [c.code for c in criteria]
    if len(set(codes)) != len(codes):
        found.append(_problem("评审因素编号不能重复", "Criterion codes must be unique"))
    for criterion in criteria:
        found += _criterion_problems(criterion)
    if method.kind == MethodKind.COMPREHENSIVE:
        found += _comprehensive_problems(method)
    elif any(c.mode not in (Mode.PASS_FAIL,) for c in method.criteria(StageKind.QUALIFICATION)):
        found.append(_problem("资格评审只能为合格/不合格", "Qualification review is pass/fail only"))
    return found


def _criterion_problems(criterion: Criterion) -> list[UserError]:
    label = criterion.name or criterion.code
    if not criterion.name.strip() or len(criterion.name) > MAX_NAME:
        return [_problem(f"评审因素 {criterion.code} 须有名称（至多 {MAX_NAME} 字）",
                         f"Criterion {criterion.code} needs a name (at most {MAX_NAME} characters)")]
    if criterion.mode == Mode.PASS_FAIL:
        return [] if criterion.points == 0 else [
            _problem(f"“{label}”为合格/不合格，不计分", f"“{label}” is pass/fail and has no points")]
    if criterion.points <= 0:
        return [_problem(f"“{label}”的分值应大于 0", f"“{label}” needs points above 0")]
    if criterion.mode == Mode.FIXED and (
            not criterion.values or any(v < 0 or v > criterion.points for v in criterion.values)):
        return [_problem(f"“{label}”的固定分值应在 0 至 {criterion.points} 之间",
                         f"“{label}”: fixed values must lie within 0 … {criterion.points}")]
    return []


def _comprehensive_problems(method: Method) -> list[UserError]:
    found: list[UserError] = []
    price = method.price
    if price is None:
        return [_problem("综合评分法须设定价格分", "Comprehensive scoring needs a price score")]
    scored = sum((c.points for c in method.criteria() if c.mode != Mode.PASS_FAIL), Decimal(0))
    if scored + price.points != HUNDRED:
        found.append(_problem(f"各评审因素分值与价格分合计应为 100 分，现为 {scored + price.points}",
                              f"Criteria and price must total 100 points; they total "
                              f"{scored + price.points}"))
    floor = GP_PRICE_WEIGHT_FLOOR.get(method.procurement_category or "")
    if floor is not None:
        if price.rule != PriceRule.LOWEST_VALID:
            found.append(_problem(f"政府采购项目价格分须采用低价优先法（依据{LAW_GP_55}）",
                                  f"Government procurement scores price by the lowest valid "
                                  f"price ({LAW_GP_55})"))
        if price.points < floor:
            kind_zh = "货物" if method.procurement_category == "goods" else "服务"
            found.append(_problem(
                f"政府采购{kind_zh}项目价格分值不得低于 {floor}%，现为 {price.points}%（依据{LAW_GP_55}）",
                f"Government procurement of {method.procurement_category}: the price weight must "
                f"be at least {floor} %; it is {price.points} % ({LAW_GP_55})"))
    if price.rule == PriceRule.BENCHMARK and (
            price.coefficient <= 0 or price.per_percent_above < 0 or price.per_percent_below < 0):
        found.append(_problem("基准价系数应大于 0，偏差扣分不能为负",
                              "The benchmark coefficient must be above 0 and deductions not negative"))
    return found


def check(method: Method) -> Method:
    """The method, or the first problem raised (what a tender form does on save)."""
    found = problems(method)
    if found:
        raise found[0]
    return method
