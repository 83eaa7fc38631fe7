"""The arithmetic of an evaluation: price scores, totals, ranking, and the flags on scores.

Money is in fen (integers), scores are ``Decimal`` rounded half-up to two places at the end of
each computed score (never in between), so that a regulator redoing a sum by hand gets the
same figures. Bidders and members are plain string keys here; the pages map them to names.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from statistics import median

from bidding.evaluation.methods import Criterion, Method, Mode, Price, PriceRule, StageKind
from trading.errors import UserError

CENT = Decimal("0.01")
MAX_CANDIDATES = 3  # R-35 (招标投标法实施条例第五十三条)
BENCHMARK_TRIM_FROM = 5  # from 5 valid bids up, the highest and the lowest are left out
OUTLIER_SHARE = Fraction(3, 10)  # a member this far (share of the points) from the others' median


def rounded(value: Fraction) -> Decimal:
    """Half-up to 0.01 from an exact value (no binary floating point anywhere)."""
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(CENT, ROUND_HALF_UP)


# --- one member's mark on one criterion ---------------------------------------------------------


def check_mark(criterion: Criterion, value: Decimal, reason: str) -> None:
    """A member's mark: inside the criterion's range, and a reason for anything short of full."""
    if criterion.mode == Mode.PASS_FAIL:
        if value not in (Decimal(0), Decimal(1)):
            raise UserError(f"“{criterion.name}”只能评为合格或不合格",
                            f"“{criterion.name}” is pass or fail", field=criterion.code)
        if value == 0 and not reason.strip():
            raise UserError(f"“{criterion.name}”评为不合格须说明理由",
                            f"Failing “{criterion.name}” needs a reason", field=criterion.code)
        return
    if not Decimal(0) <= value <= criterion.points or value != value.quantize(CENT):
        raise UserError(f"“{criterion.name}”的分数应在 0 至 {criterion.points} 之间（至多两位小数）",
                        f"“{criterion.name}” takes 0 … {criterion.points} (two decimals at most)",
                        field=criterion.code)
    if criterion.mode == Mode.FIXED and value not in criterion.values:
        allowed = " / ".join(str(v) for v in criterion.values)
        raise UserError(f"“{criterion.name}”只能取 {allowed}", f"“{criterion.name}” takes {allowed}",
                        field=criterion.code)
    if criterion.mode == Mode.DEDUCT and value < criterion.points and not reason.strip():
        raise UserError(f"“{criterion.name}”扣分须说明理由",
                        f"A deduction on “{criterion.name}” needs a reason", field=criterion.code)


# --- price ------------------------------------------------------------------------------------


def lowest_valid_scores(prices: Mapping[str, int], points: Decimal) -> dict[str, Decimal]:
    """R-39: (lowest valid price / bid price) x 100, weighted by the price's share of 100."""
    if not prices:
        return {}
    lowest = min(prices.values())
    share = Fraction(points) / 100
    return {bidder: rounded(Fraction(lowest, price) * 100 * share) for bidder, price in prices.items()}


def benchmark(prices: Sequence[int], coefficient: Decimal) -> Fraction:
    """The average of the valid prices (without the highest and the lowest from 5 up), times the
    coefficient, in fen (exact)."""
    ordered = sorted(prices)
    if len(ordered) >= BENCHMARK_TRIM_FROM:
        ordered = ordered[1:-1]
    return Fraction(sum(ordered), len(ordered)) * Fraction(coefficient)


def benchmark_scores(prices: Mapping[str, int], price: Price) -> dict[str, Decimal]:
    """Full points at the benchmark, less per 1 % of deviation (above and below differ), not
    below 0."""
    if not prices:
        return {}
    base = benchmark(list(prices.values()), price.coefficient)
    found: dict[str, Decimal] = {}
    for bidder, value in prices.items():
        deviation = (value - base) / base * 100
        rate = Fraction(price.per_percent_above if deviation > 0 else price.per_percent_below)
        found[bidder] = rounded(max(Fraction(price.points) - abs(deviation) * rate, Fraction(0)))
    return found


def price_scores(method: Method, prices: Mapping[str, int]) -> dict[str, Decimal]:
    """The price score of each valid bid under the method's rule (comprehensive scoring)."""
    if method.price is None:
        return {}
    if method.price.rule == PriceRule.LOWEST_VALID:
        return lowest_valid_scores(prices, method.price.points)
    return benchmark_scores(prices, method.price)


# --- totals and ranking -----------------------------------------------------------------------

Marks = Mapping[str, Mapping[str, Mapping[str, Decimal]]]  # member -> bidder -> criterion -> mark


@dataclass(frozen=True)
class Standing:
    bidder: str
    total: Decimal
    price: int  # fen
    technical: Decimal
    rank: int = 0


def member_mean(method: Method, marks: Marks, bidder: str, *, technical_only: bool = False) -> Fraction:
    """The members' mean of their sums over the scored criteria (each member sums first)."""
    scored = [c for c in method.criteria() if c.mode != Mode.PASS_FAIL
              and (c.technical or not technical_only) and c not in method.criteria(StageKind.PRICE)]
    sums = [sum((Fraction(by_bidder[bidder].get(c.code, Decimal(0))) for c in scored), Fraction(0))
            for by_bidder in marks.values() if bidder in by_bidder]
    return sum(sums, Fraction(0)) / len(sums) if sums else Fraction(0)


def standings(method: Method, marks: Marks, prices: Mapping[str, int]) -> list[Standing]:
    """Comprehensive scoring: ranked by total, then the lower price, then the technical score."""
    by_price = price_scores(method, prices)
    rows = [Standing(bidder, rounded(member_mean(method, marks, bidder) + Fraction(by_price[bidder])),
                     prices[bidder], rounded(member_mean(method, marks, bidder, technical_only=True)))
            for bidder in prices]
    ordered = sorted(rows, key=lambda r: (-r.total, r.price, -r.technical, r.bidder))
    return _ranked(ordered, key=lambda r: (r.total, r.price, r.technical))


def lowest_evaluated(prices: Mapping[str, int],
                     adjustments: Mapping[str, int]) -> list[Standing]:
    """Lowest evaluated price: the bid price plus the committee's adjustments (fen; deviations
    priced in), lowest first; the bid price breaks a tie."""
    rows = [Standing(b, Decimal(prices[b] + adjustments.get(b, 0)), prices[b], Decimal(0))
            for b in prices]
    ordered = sorted(rows, key=lambda r: (r.total, r.price, r.bidder))
    return _ranked(ordered, key=lambda r: (r.total, r.price))


def _ranked(ordered: list[Standing], key: Callable[[Standing], tuple[object, ...]]) -> list[Standing]:
    """Positions in order; rows equal on every tie-break share the rank (ties are rare: the
    committee then decides as the tender documents say)."""
    found: list[Standing] = []
    for position, row in enumerate(ordered, start=1):
        tied = bool(found) and key(found[-1]) == key(row)
        found.append(Standing(row.bidder, row.total, row.price, row.technical,
                              found[-1].rank if tied else position))
    return found


def candidates(ranked: Sequence[Standing], wanted: int = MAX_CANDIDATES) -> list[Standing]:
    """R-35: at most three ranked candidates."""
    if not 1 <= wanted <= MAX_CANDIDATES:
        raise UserError(f"中标候选人应为 1 至 {MAX_CANDIDATES} 名（依据《招标投标法实施条例》第五十三条）",
                        f"1 to {MAX_CANDIDATES} candidates (Regulations on the Bidding Law, "
                        "article 53)", field="candidates")
    return list(ranked[:wanted])


# --- flags ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlier:
    member: str
    bidder: str
    criterion: str
    mark: Decimal
    others_median: Decimal


def outliers(method: Method, marks: Marks) -> list[Outlier]:
    """A member whose mark is far from the median of the others' on the same criterion and bid
    (more than three tenths of the criterion's points): flagged for the chair and the regulator,
    not changed."""
    found: list[Outlier] = []
    for criterion in method.criteria():
        if criterion.mode == Mode.PASS_FAIL or criterion.points <= 0:
            continue
        limit = Fraction(criterion.points) * OUTLIER_SHARE
        for member, by_bidder in marks.items():
            for bidder, by_code in by_bidder.items():
                if criterion.code not in by_code:
                    continue
                others = [Fraction(m[bidder][criterion.code]) for name, m in marks.items()
                          if name != member and criterion.code in m.get(bidder, {})]
                if len(others) < 2:
                    continue
                middle = Fraction(median(others))
                if abs(Fraction(by_code[criterion.code]) - middle) > limit:
                    found.append(Outlier(member, bidder, criterion.code, by_code[criterion.code],
                                         rounded(middle)))
    return found


def identical_patterns(marks: Marks) -> list[tuple[str, str]]:
    """Pairs of members who gave every bid the very same mark on every criterion."""
    members = sorted(marks)
    return [(a, b) for i, a in enumerate(members) for b in members[i + 1:]
            if marks[a] and _flatten(marks[a]) == _flatten(marks[b])]


def _flatten(by_bidder: Mapping[str, Mapping[str, Decimal]]) -> dict[tuple[str, str], Decimal]:
    return {(bidder, code): mark for bidder, codes in by_bidder.items() for code, mark in codes.items()}
