"""The evaluation methods a tender starts from, how a method is stored (JSON) and shown (words).

A tender picks a preset when it is created; while it is a draft its criteria may be adjusted
(points, price weight, benchmark coefficient), always through ``methods.check``. The stored
form is plain JSON (decimals as strings) so that the published tender, the committee's room and
the report read back exactly what was set.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

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
)
from trading.errors import UserError

D = Decimal


@dataclass(frozen=True)
class Preset:
    key: str
    zh: str
    en: str


PRESETS: dict[str, Preset] = {p.key: p for p in (
    Preset("lowest_evaluated_price", "经评审的最低投标价法", "Lowest evaluated price"),
    Preset("gp_goods", "综合评分法（政府采购货物）", "Comprehensive scoring (GP goods)"),
    Preset("gp_services", "综合评分法（政府采购服务）", "Comprehensive scoring (GP services)"),
    Preset("engineering_benchmark", "综合评估法（工程，基准价）",
           "Comprehensive evaluation (works, benchmark price)"),
)}

_QUALIFICATION = Stage(StageKind.QUALIFICATION, (
    Criterion("Q1", "营业执照及资质证书", Mode.PASS_FAIL),
    Criterion("Q2", "投标保证金", Mode.PASS_FAIL),
))
_CONFORMITY = Stage(StageKind.CONFORMITY, (
    Criterion("C1", "投标函签字盖章", Mode.PASS_FAIL),
    Criterion("C2", "投标报价不超过最高投标限价", Mode.PASS_FAIL),
    Criterion("C3", "工期/交货期符合招标文件", Mode.PASS_FAIL),
))


def _detailed(technical: Decimal, plan: Decimal, record: Decimal) -> Stage:
    return Stage(StageKind.DETAILED, (
        Criterion("T1", "技术方案", Mode.RANGE, technical),
        Criterion("T2", "实施计划与质量保证", Mode.DEDUCT, plan),
        Criterion("B1", "类似项目业绩", Mode.FIXED, record,
                  (D(0), record / 2, record), technical=False),
    ))


def preset(key: str) -> Method:
    """A fresh method from a preset (already valid)."""
    if key == "lowest_evaluated_price":
        return Method(MethodKind.LOWEST_EVALUATED_PRICE, (_QUALIFICATION, _CONFORMITY, Stage(
            StageKind.DETAILED, (Criterion("D1", "商务和技术偏差（折价计入评标价）", Mode.PASS_FAIL),))))
    if key == "gp_goods":
        return Method(MethodKind.COMPREHENSIVE, (_QUALIFICATION, _CONFORMITY,
                                                 _detailed(D(40), D(20), D(10))),
                      Price(PriceRule.LOWEST_VALID, D(30)), "goods")
    if key == "gp_services":
        return Method(MethodKind.COMPREHENSIVE, (_QUALIFICATION, _CONFORMITY,
                                                 _detailed(D(50), D(30), D(10))),
                      Price(PriceRule.LOWEST_VALID, D(10)), "services")
    if key == "engineering_benchmark":
        return Method(MethodKind.COMPREHENSIVE, (_QUALIFICATION, _CONFORMITY,
                                                 _detailed(D(20), D(15), D(5))),
                      Price(PriceRule.BENCHMARK, D(60), D("0.97"), D(1), D("0.5")))
    raise UserError("未知的评标办法", "Unknown evaluation method", field="evaluation_method",
                    code="bad_evaluation_method")


def preset_for(name: str, category: str) -> str:
    """The preset a tender form names: a preset key, or the method's common Chinese name (the
    comprehensive method then follows the category: government procurement or works)."""
    name = name.strip()
    if name in PRESETS:
        return name
    for key, item in PRESETS.items():
        if name == item.zh:
            return key
    if name.startswith("经评审的最低投标价"):
        return "lowest_evaluated_price"
    if name.startswith("综合"):
        return "gp_goods" if category == "procurement" else "engineering_benchmark"
    raise UserError("请选择评标办法：经评审的最低投标价法或综合评估（评分）法",
                    "Choose an evaluation method: lowest evaluated price or comprehensive scoring",
                    field="evaluation_method", code="bad_evaluation_method")


# --- stored form -------------------------------------------------------------------------------


def to_data(method: Method) -> dict[str, Any]:
    price = method.price
    return {
        "kind": method.kind.value,
        "procurement_category": method.procurement_category,
        "stages": [{"kind": s.kind.value, "criteria": [
            {"code": c.code, "name": c.name, "mode": c.mode.value, "points": str(c.points),
             "values": [str(v) for v in c.values], "technical": c.technical}
            for c in s.criteria]} for s in method.stages],
        "price": None if price is None else {
            "rule": price.rule.value, "points": str(price.points),
            "coefficient": str(price.coefficient),
            "per_percent_above": str(price.per_percent_above),
            "per_percent_below": str(price.per_percent_below)},
    }


def _decimal(value: Any, name: str) -> Decimal:
    try:
        found = Decimal(str(value))
    except (InvalidOperation, ValueError) as error:
        raise _bad(f"{name} 不是有效的数值", f"{name} is not a number") from error
    if not found.is_finite() or abs(found) > 10_000 or found != found.quantize(D("0.0001")):
        raise _bad(f"{name} 超出范围", f"{name} is out of range")
    return found


def _bad(zh: str, en: str) -> UserError:
    return UserError(zh, en, field="evaluation_method", code="bad_evaluation_method")


def from_data(data: dict[str, Any]) -> Method:
    """A method from its stored (or submitted) JSON; malformed data is a 400, not a 500."""
    try:
        stages = tuple(Stage(StageKind(s["kind"]), tuple(
            Criterion(str(c["code"])[:20], str(c["name"]), Mode(c["mode"]),
                      _decimal(c.get("points", 0), "points"),
                      tuple(_decimal(v, "values") for v in c.get("values", ())[:20]),
                      bool(c.get("technical", True)))
            for c in s["criteria"])) for s in data["stages"])
        raw = data.get("price")
        price = None if raw is None else Price(
            PriceRule(raw["rule"]), _decimal(raw["points"], "price.points"),
            _decimal(raw.get("coefficient", 1), "coefficient"),
            _decimal(raw.get("per_percent_above", 1), "per_percent_above"),
            _decimal(raw.get("per_percent_below", "0.5"), "per_percent_below"))
        category = data.get("procurement_category")
        return Method(MethodKind(data["kind"]), stages, price,
                      str(category) if category in ("goods", "services") else None)
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, UserError):
            raise
        raise _bad("评标办法数据格式不正确", "The evaluation method is malformed") from error


def adjusted(method: Method, points: dict[str, str], price: dict[str, str]) -> Method:
    """The method with some criteria's points and the price settings changed (a draft's form),
    checked. A FIXED criterion's values scale with its points (0, half, full)."""
    def criterion(c: Criterion) -> Criterion:
        if c.code not in points or c.mode == Mode.PASS_FAIL:
            return c
        new = _decimal(points[c.code], c.code)
        values = tuple(v * new / c.points for v in c.values) if c.points else c.values
        return Criterion(c.code, c.name, c.mode, new, values, c.technical)

    stages = tuple(Stage(s.kind, tuple(criterion(c) for c in s.criteria)) for s in method.stages)
    new_price = method.price
    if new_price is not None:
        new_price = Price(new_price.rule,
                          _decimal(price.get("points", new_price.points), "price.points"),
                          _decimal(price.get("coefficient", new_price.coefficient), "coefficient"),
                          new_price.per_percent_above, new_price.per_percent_below)
    return check(Method(method.kind, stages, new_price, method.procurement_category))


# --- in words ----------------------------------------------------------------------------------

STAGE_NAMES = {StageKind.QUALIFICATION: ("资格评审", "Qualification review"),
               StageKind.CONFORMITY: ("符合性评审", "Conformity review"),
               StageKind.DETAILED: ("详细评审", "Detailed review"),
               StageKind.PRICE: ("价格分", "Price score")}
MODE_NAMES = {Mode.PASS_FAIL: ("合格/不合格", "pass/fail"), Mode.RANGE: ("区间打分", "any score in range"),
              Mode.FIXED: ("固定分值", "fixed values"), Mode.DEDUCT: ("扣分制", "deductions"),
              Mode.ADD: ("加分制", "additions")}
KIND_NAMES = {MethodKind.LOWEST_EVALUATED_PRICE: ("经评审的最低投标价法", "Lowest evaluated price"),
              MethodKind.COMPREHENSIVE: ("综合评估法/综合评分法", "Comprehensive scoring")}


def number(value: Decimal) -> str:
    """A decimal as people write it: 20, 2.5, 0.97 (never 2E+1)."""
    return format(value.normalize(), "f")


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def criterion_line(c: Criterion, lang: str) -> str:
    mode = _pick(MODE_NAMES[c.mode], lang)
    if c.mode == Mode.PASS_FAIL:
        return f"{c.code} {c.name}（{mode}）" if lang != "en" else f"{c.code} {c.name} ({mode})"
    if c.mode == Mode.FIXED:
        values = " / ".join(number(v) for v in c.values)
        return (f"{c.code} {c.name}：{number(c.points)} 分（{mode}：{values}）" if lang != "en"
                else f"{c.code} {c.name}: {number(c.points)} points ({mode}: {values})")
    return (f"{c.code} {c.name}：{number(c.points)} 分（{mode}）" if lang != "en"
            else f"{c.code} {c.name}: {number(c.points)} points ({mode})")


def price_line(price: Price, lang: str) -> str:
    points = number(price.points)
    if price.rule == PriceRule.LOWEST_VALID:
        return (f"价格分 {points} 分：评标基准价（满足要求的最低投标价）÷ 投标报价 × {points}"
                if lang != "en" else
                f"Price {points} points: lowest valid price ÷ bid price × {points}")
    coefficient = number(price.coefficient)
    above, below = number(price.per_percent_above), number(price.per_percent_below)
    return (f"价格分 {points} 分：基准价 = 有效投标报价算术平均值（5 家及以上去掉最高和最低）"
            f"× {coefficient}；每高于基准价 1% 扣 {above} 分，每低于 1% 扣 {below} 分" if lang != "en" else
            f"Price {points} points: benchmark = average of valid prices (highest and lowest "
            f"dropped from 5 bids up) × {coefficient}; {above} off per 1 % above, {below} per "
            f"1 % below")


def describe(method: Method, lang: str = "zh") -> list[tuple[str, list[str]]]:
    """The method as headed lists of lines, for the tender page and the committee's room."""
    found: list[tuple[str, list[str]]] = [(_pick(KIND_NAMES[method.kind], lang), [])]
    for stage in method.stages:
        found.append((_pick(STAGE_NAMES[stage.kind], lang),
                      [criterion_line(c, lang) for c in stage.criteria]))
    if method.price is not None:
        found.append((_pick(STAGE_NAMES[StageKind.PRICE], lang), [price_line(method.price, lang)]))
    return found
