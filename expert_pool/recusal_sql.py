"""The recusal rules (R-32) as SQL built once per shape, with the request's values bound.

A draw's rules depend on its request in two ways: through values (the evaluation days, the
bidders' credit codes, the requested specialties) and through a few facts of shape (how many
requirements and regional limits there are; whether the section has bidders, a tenderee, a
supervising department, experts busy that day, a cap). The statements are built once per shape
and process with named bound parameters, and each evaluation passes only the values
(``parameters``). Building the expressions again for every evaluation, and SQLAlchemy's cache
key over them, cost more than a millisecond of each draw's listing (pyinstrument, 100,000
experts); SQLAlchemy remembers the cache key of a statement object it has seen. The bidders'
codes, read by seven conditions, are one parameter sent once.

``expert_pool.recusal`` decides with these statements; this module only spells them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    any_,
    bindparam,
    case,
    func,
    not_,
    null,
    or_,
    select,
)
from sqlalchemy.dialects import postgresql

from expert_pool.drawable import POOR_KINDS
from expert_pool.models import (
    ConflictKind,
    DeclaredConflict,
    Draw,
    DrawPick,
    ExclusionReason,
    ExpertDrawable,
    ExpertStatus,
    IntegrityRecord,
    PickState,
    Unavailability,
)

if TYPE_CHECKING:
    from expert_pool.recusal import Context

D = ExpertDrawable
POOR_WINDOW = dt.timedelta(days=365)  # POOR_COUNT poor records within it make a poor record
FORMER_EMPLOYER_YEARS = 3  # GP Regs §9
LIKE_ESCAPE = "/"


@dataclass(frozen=True)
class Shape:
    """What decides a draw's statements' text (everything else is a bound value)."""

    requirements: int
    regions_include: int
    regions_exclude: int
    bidders: bool
    tenderee: bool
    supervising: bool
    former_employers: bool  # government procurement: past employers within 3 years
    busy: bool  # experts on another committee those days
    cap: bool
    own_draw: bool  # the draw's own picks are left out of the cap
    only: bool  # narrowed to a few experts (a replacement's candidate)
    postgres: bool


def shape_of(context: Context, busy: Collection[uuid.UUID], only: Collection[uuid.UUID] | None,
             postgres: bool) -> Shape:
    return Shape(
        requirements=len(context.requirement_codes),
        regions_include=len(context.regions_include),
        regions_exclude=len(context.regions_exclude),
        bidders=bool(context.bidder_codes), tenderee=bool(context.tenderee_code),
        supervising=bool(context.supervising_code),
        former_employers=context.government_procurement, busy=bool(busy),
        cap=context.cap_draws is not None and context.cap_days is not None,
        own_draw=context.draw_id is not None, only=only is not None, postgres=postgres)


def parameters(context: Context, owner: Mapping[str, str], busy: Collection[uuid.UUID],
               only: Collection[uuid.UUID] | None) -> dict[str, Any]:
    """The values of one evaluation, by the names the statements bind."""
    found: dict[str, Any] = {
        "codes": sorted(owner), "min_title": context.min_title, "min_years": context.min_years,
        "first_day": context.first_day, "last_day": context.last_day,
        "poor_since": context.first_day - POOR_WINDOW}
    for i, code in enumerate(context.requirement_codes):
        found[f"codes_{i}"] = sorted(c for c, root in owner.items() if root == code)
    for i, region in enumerate(context.regions_include):
        found[f"region_in_{i}"] = _prefix_pattern(region)
    for i, region in enumerate(context.regions_exclude):
        found[f"region_out_{i}"] = _prefix_pattern(region)
    found.update(bidders=sorted(context.bidder_codes), tenderee=context.tenderee_code,
                 supervising=context.supervising_code, busy=sorted(busy),
                 only=sorted(only or ()), draw_id=context.draw_id,
                 former_since=years_before(context.first_day, FORMER_EMPLOYER_YEARS))
    if context.cap_draws is not None and context.cap_days is not None:
        found.update(cap_draws=context.cap_draws,
                     cap_since=context.now - dt.timedelta(days=context.cap_days))
    return found


def _prefix_pattern(region: str) -> str:
    """Regions match by prefix ("山西省" takes every city and county under it), literally."""
    escaped = (region.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%")
               .replace("_", LIKE_ESCAPE + "_"))
    return escaped + "%"


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def among(shape: Shape, column: Any, name: str) -> ColumnElement[bool]:
    """``column IN`` the bound list ``name``: one array on PostgreSQL (SQLAlchemy renders an
    ``IN`` list with a parameter and a cast per value), an expanding list elsewhere."""
    if shape.postgres:
        found: ColumnElement[bool] = column == any_(
            bindparam(name, type_=postgresql.ARRAY(column.type)))
        return found
    listed: ColumnElement[bool] = column.in_(bindparam(name, expanding=True))
    return listed


def matching(shape: Shape) -> list[ColumnElement[bool]]:
    """The request's own conditions on a projection row: specialty, title, years, regions."""
    found = [among(shape, D.specialty_code, "codes"), D.title >= bindparam("min_title"),
             D.years_in_specialty >= bindparam("min_years")]
    if shape.regions_include:
        found.append(or_(*(D.region.like(bindparam(f"region_in_{i}"), escape=LIKE_ESCAPE)
                           for i in range(shape.regions_include))))
    found += [D.region.not_like(bindparam(f"region_out_{i}"), escape=LIKE_ESCAPE)
              for i in range(shape.regions_exclude)]
    if shape.only:
        found.append(among(shape, D.expert_id, "only"))
    return found


def requirement_of_row(shape: Shape) -> ColumnElement[int]:
    """The index of the requirement whose subtree holds the row's specialty."""
    return case(*((among(shape, D.specialty_code, f"codes_{i}"), i)
                  for i in range(shape.requirements)))


# A rule's outcome: its reason, or (for the declared interests) the reason read per row.
Outcome = ExclusionReason | ColumnElement[str]


def rules(shape: Shape) -> list[tuple[Outcome, ColumnElement[bool]]]:
    """Each reason as a condition on a candidate row, in the order of the law's list; none is
    ever NULL (``NOT`` must hold)."""
    employer = D.employer_credit_code
    found: list[tuple[Outcome, ColumnElement[bool]]] = [
        (ExclusionReason.PENALIZED, and_(D.status == ExpertStatus.PENALIZED.value, or_(
            D.penalized_until.is_(None), D.penalized_until >= bindparam("first_day")))),
        (ExclusionReason.SUSPENDED, D.status == ExpertStatus.SUSPENDED.value),
    ]
    if shape.bidders:
        found.append((ExclusionReason.BIDDER_EMPLOYEE,
                      and_(employer.is_not(None), among(shape, employer, "bidders"))))
    if shape.tenderee:
        found.append((ExclusionReason.TENDEREE_EMPLOYEE,
                      and_(employer.is_not(None), employer == bindparam("tenderee"))))
    if shape.bidders:
        found.append(_declared_interest(shape))
    if shape.supervising:
        found.append((ExclusionReason.SUPERVISING_DEPARTMENT,
                      and_(employer.is_not(None), employer == bindparam("supervising"))))
    found.append((ExclusionReason.UNAVAILABLE, D.expert_id.in_(select(Unavailability.expert_id).where(
        Unavailability.starts_on <= bindparam("last_day"),
        Unavailability.ends_on >= bindparam("first_day")))))
    if shape.busy:
        found.append((ExclusionReason.SAME_DAY_COMMITTEE, among(shape, D.expert_id, "busy")))
    if shape.cap:
        capped_ids = capped(shape).with_only_columns(DrawPick.expert_id)
        found.append((ExclusionReason.DRAW_CAP, D.expert_id.in_(capped_ids)))
    # Read off the projection (kept with each record and rating): no history aggregated here.
    found.append((ExclusionReason.POOR_RECORD, or_(
        and_(D.poor_third_on.is_not(None), D.poor_third_on >= bindparam("poor_since")),
        D.low_rated)))
    return found


def conflict_kinds(shape: Shape) -> list[tuple[ExclusionReason, ColumnElement[bool]]]:
    """Declared interests touching a bidder (R-32); a past employer only in procurement (3 years)."""
    kinds: list[tuple[ExclusionReason, ColumnElement[bool]]] = [
        (ExclusionReason.SHAREHOLDING, DeclaredConflict.kind == ConflictKind.SHAREHOLDING.value),
        (ExclusionReason.RELATIVE, DeclaredConflict.kind == ConflictKind.RELATIVE_EMPLOYER.value),
    ]
    if shape.former_employers:
        kinds.append((ExclusionReason.BIDDER_FORMER_EMPLOYEE, and_(
            DeclaredConflict.kind == ConflictKind.PAST_EMPLOYER.value,
            or_(DeclaredConflict.ended_on.is_(None),
                DeclaredConflict.ended_on >= bindparam("former_since")))))
    return kinds


def _declared_interest(shape: Shape) -> tuple[Outcome, ColumnElement[bool]]:
    """A declared interest of any kind touching a bidder, as one condition: every candidate is
    probed against one hashed set, not one per kind (PostgreSQL built and probed three, ~1 ms
    of a large draw's listing). Its reason, the first kind in the law's order, is read by an
    index probe for the few experts it holds."""
    kinds = conflict_kinds(shape)
    touching = [among(shape, DeclaredConflict.credit_code, "bidders"),
                or_(*(kind for _, kind in kinds))]
    first = (select(case(*((kind, reason.value) for reason, kind in kinds)))
             .where(DeclaredConflict.expert_id == D.expert_id, *touching)
             .order_by(case(*((kind, i) for i, (_, kind) in enumerate(kinds))))
             .limit(1).scalar_subquery())
    return first, D.expert_id.in_(select(DeclaredConflict.expert_id).where(*touching))


@lru_cache(maxsize=64)
def capped(shape: Shape) -> Select[uuid.UUID, int]:
    """Experts already asked in ``cap_draws`` draws since ``cap_since`` (the draws of the
    period first, by their index: they are few beside the pool), with their count."""
    recent = select(Draw.id).where(Draw.drawn_at >= bindparam("cap_since"))
    if shape.own_draw:
        recent = recent.where(Draw.id != bindparam("draw_id"))
    drawn = func.count(func.distinct(DrawPick.draw_id))
    return (
        select(DrawPick.expert_id.label("expert_id"), drawn)
        .where(DrawPick.draw_id.in_(recent), DrawPick.state != PickState.RESERVE.value)
        .group_by(DrawPick.expert_id)
        .having(drawn >= bindparam("cap_draws"))
    )


def poor_window() -> list[ColumnElement[bool]]:
    """Integrity records that make a poor record: declines, no answers and late cancellations
    within a year of the evaluation."""
    return [IntegrityRecord.kind.in_(POOR_KINDS),
            IntegrityRecord.occurred_on >= bindparam("poor_since")]


def reason(shape: Shape) -> ColumnElement[Any]:
    """The first rule that excludes the row, or NULL."""
    return case(*((rule, outcome.value if isinstance(outcome, ExclusionReason) else outcome)
                  for outcome, rule in rules(shape)), else_=null())


def _poor_count(expert_id: Any, reason_column: Any) -> ColumnElement[Any]:
    """For an expert recused for a poor record: its declines, no answers and late
    cancellations within the window."""
    counted = select(func.count(IntegrityRecord.id)).where(
        IntegrityRecord.expert_id == expert_id, *poor_window()).scalar_subquery()
    return case((reason_column == ExclusionReason.POOR_RECORD.value, counted), else_=null())


def _conflict_code(shape: Shape, expert_id: Any, reason_column: Any) -> ColumnElement[Any]:
    """For an expert recused for a declared interest: the bidder's credit code of its first
    such declaration (the lowest id), read in the listing itself (one index probe per such
    expert; a separate statement cost 1.5–5 ms a draw)."""
    if not shape.bidders:
        return null()
    return case(*((reason_column == conflict.value, select(DeclaredConflict.credit_code).where(
        DeclaredConflict.expert_id == expert_id,
        among(shape, DeclaredConflict.credit_code, "bidders"), kind)
        .order_by(DeclaredConflict.id).limit(1).scalar_subquery())
        for conflict, kind in conflict_kinds(shape)), else_=null())


@lru_cache(maxsize=64)
def listing(shape: Shape) -> Select[Any]:
    """The candidate rows with their reason (NULL: eligible) and, for the recused, the facts a
    regulator's detail needs: (requirement, reason, numbers, ids, employers, penalized until,
    conflict codes, poor counts).

    On PostgreSQL one row per (requirement, reason) with arrays: the ~6,800 candidates of a
    large draw came back as rows whose per-row processing in Python cost more than the query
    (pyinstrument, 100,000 experts); only the recused few need more than their number. The
    numbers come as one comma-joined text: psycopg parses an array element by element in
    Python, 1 ms more for ~6,800 (expert numbers are "E" and digits). Elsewhere, one row per
    candidate row in the same column order, the number alone in the third column."""
    per_row = (select(D.expert_id, D.number, requirement_of_row(shape).label("requirement"),
                      reason(shape).label("reason"), D.penalized_until, D.employer_credit_code)
               .where(*matching(shape))
               # An optimization fence: pulled up into the grouping, the rules' CASE was
               # evaluated once per reference to ``reason`` (three times the work). Grouping
               # per expert here instead cost 3 ms of ~15 at ~6,300 rows; ``assess`` drops the
               # few repeated experts in Python.
               .offset(0)
               .subquery())
    c = per_row.c
    facts = (c.expert_id, c.employer_credit_code, c.penalized_until,
             _conflict_code(shape, c.expert_id, c.reason), _poor_count(c.expert_id, c.reason))
    if not shape.postgres:
        return select(c.requirement, c.reason, c.number, *facts)

    def recused_only(column: Any) -> Any:  # NULL, not an array of NULLs, for the eligible
        return func.array_agg(column).filter(c.reason.is_not(None))

    return (select(c.requirement, c.reason, func.string_agg(c.number, ","),
                   *(recused_only(fact) for fact in facts))
            .group_by(c.requirement, c.reason))


@lru_cache(maxsize=64)
def counting(shape: Shape) -> Select[int, int]:
    """(requirement, how many eligible experts): each expert counted once, under the first
    requirement it matches."""
    eligible = [*matching(shape), *(not_(rule) for _, rule in rules(shape))]
    per_expert = (select(D.expert_id, func.min(requirement_of_row(shape)).label("requirement"))
                  .where(*eligible).group_by(D.expert_id).subquery())
    return select(per_expert.c.requirement, func.count()).group_by(per_expert.c.requirement)
