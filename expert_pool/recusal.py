"""Who may sit on a committee (R-31, R-32): matching experts, and why the others are left out.

Set-based: one query for the matching experts and one per kind of exclusion, each answering
for the whole pool at once, so that a draw over 100,000 experts costs a handful of indexed
queries and no query per expert. An expert matching two requirements is assigned to the first
(requirement order), so one expert is never ranked twice in a draw.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session

from expert_pool.models import (
    ConflictKind,
    DeclaredConflict,
    Draw,
    DrawPick,
    DrawState,
    ExclusionReason,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    IntegrityKind,
    IntegrityRecord,
    PickState,
    Rating,
    Specialty,
    Unavailability,
)

# Picks that hold an expert on the evaluation day (a reserve or a decline does not).
BUSY_STATES = (PickState.NOTIFIED.value, PickState.CONFIRMED.value, PickState.CHECKED_IN.value,
               PickState.CANCEL_REQUESTED.value)
DRAWABLE = (ExpertStatus.IN_POOL.value, ExpertStatus.SUSPENDED.value, ExpertStatus.PENALIZED.value)
POOR_KINDS = (IntegrityKind.DECLINE.value, IntegrityKind.NO_ANSWER.value,
              IntegrityKind.LATE_CANCELLATION.value)
POOR_COUNT = 3  # such records within POOR_WINDOW
POOR_WINDOW = dt.timedelta(days=365)
RATINGS_CONSIDERED = 5
LOW_RATING = 2.5  # mean of (punctuality + quality + conduct) / 3 over the last ratings
FORMER_EMPLOYER_YEARS = 3  # GP Regs §9
LONGEST_DRAW_DAYS = 30  # expected_days is at most this: bounds the overlap search


# Either a few expert ids or a subquery selecting them.
Narrowing = Collection[uuid.UUID] | Select[uuid.UUID]


def _rows(session: Session, query: Any) -> Any:
    """Plain Core rows: these reads return thousands of tuples, and the ORM's per-row result
    processing cost as much as the query itself (measured with pyinstrument on 100,000 experts)."""
    return session.connection().execute(query)


def _within(only: Narrowing) -> Any:
    return only if isinstance(only, Select) else list(only)


@dataclass(frozen=True)
class Context:
    """What decides eligibility for one draw, read from the request and the section's facts."""

    requirement_codes: Sequence[str]
    first_day: dt.date  # evaluation days, inclusive (Beijing days)
    last_day: dt.date
    now: dt.datetime
    bidder_codes: frozenset[str]
    tenderee_code: str | None
    supervising_code: str | None
    government_procurement: bool
    regions_include: Sequence[str] = ()
    regions_exclude: Sequence[str] = ()
    min_title: int = 0
    min_years: int = 0
    cap_draws: int | None = None
    cap_days: int | None = None
    draw_id: uuid.UUID | None = None  # this draw's own picks never make an expert busy


@dataclass
class Assessment:
    eligible: dict[str, list[str]]  # requirement code -> sorted expert numbers
    excluded: dict[str, tuple[str, str]] = field(default_factory=dict)  # number -> (reason, detail)
    ids: dict[str, uuid.UUID] = field(default_factory=dict)  # number -> expert id (eligible)
    excluded_codes: dict[str, str] = field(default_factory=dict)  # number -> requirement code

    def count(self, code: str) -> int:
        return len(self.eligible.get(code, []))


def subtree_codes(session: Session, roots: Sequence[str]) -> dict[str, str]:
    """Each specialty code under one of ``roots`` (itself included) -> the first root holding it."""
    children: dict[str, list[str]] = {}
    for code, parent in _rows(session, select(Specialty.code, Specialty.parent_code)):
        if parent is not None:
            children.setdefault(parent, []).append(code)
    owner: dict[str, str] = {}
    for root in roots:
        stack = [root]
        while stack:
            code = stack.pop()
            if code in owner:
                continue
            owner[code] = root
            stack.extend(children.get(code, []))
    return owner


def _region_conditions(context: Context) -> list[ColumnElement[bool]]:
    """Regions match by prefix: "山西省" takes every city and county under it."""
    found: list[ColumnElement[bool]] = []
    if context.regions_include:
        found.append(or_(*(Expert.region.startswith(r, autoescape=True)
                           for r in context.regions_include)))
    found += [~Expert.region.startswith(r, autoescape=True) for r in context.regions_exclude]
    return found


def assess(session: Session, context: Context, only: Collection[uuid.UUID] | None = None) -> Assessment:
    """Eligible experts per requirement and the recused ones with their reason.

    ``only`` narrows the same rules to a few experts (a replacement re-checks its candidate).
    """
    owner = subtree_codes(session, context.requirement_codes)
    order = {code: i for i, code in enumerate(context.requirement_codes)}
    query = (
        select(Expert.id, Expert.number, Expert.status, Expert.penalized_until,
               Expert.employer_credit_code, ExpertSpecialty.specialty_code)
        .join(ExpertSpecialty, ExpertSpecialty.expert_id == Expert.id)
        .where(ExpertSpecialty.specialty_code.in_(list(owner)), Expert.status.in_(DRAWABLE),
               Expert.title >= context.min_title, Expert.years_in_specialty >= context.min_years,
               *_region_conditions(context))
    )
    if only is not None:
        query = query.where(Expert.id.in_(list(only)))
    chosen: dict[uuid.UUID, tuple[str, str, str, dt.date | None, str | None]] = {}
    for expert_id, number, status, until, employer, code in _rows(session, query):
        root = owner[code]
        held = chosen.get(expert_id)
        if held is None or order[root] < order[held[0]]:
            chosen[expert_id] = (root, number, status, until, employer)
    # Every exclusion query is narrowed to the matching experts (a semi-join in the database),
    # so what comes back grows with the candidates, not with the pool.
    narrowed = only if only is not None else select(ExpertSpecialty.expert_id).where(
        ExpertSpecialty.specialty_code.in_(list(owner)))
    reasons = _exclusions(session, context, chosen, narrowed)
    result = Assessment(eligible={code: [] for code in context.requirement_codes})
    for expert_id, (root, number, *_rest) in chosen.items():
        found = reasons.get(expert_id)
        if found is None:
            result.eligible[root].append(number)
            result.ids[number] = expert_id
        else:
            result.excluded[number] = found
            result.excluded_codes[number] = root
    for numbers in result.eligible.values():
        numbers.sort()
    return result


def _exclusions(session: Session, context: Context,
                chosen: dict[uuid.UUID, tuple[str, str, str, dt.date | None, str | None]],
                only: Narrowing) -> dict[uuid.UUID, tuple[str, str]]:
    """expert id -> (reason, detail); the first reason found wins, in the order of the law's list."""
    reasons: dict[uuid.UUID, tuple[str, str]] = {}

    def add(expert_id: uuid.UUID, reason: ExclusionReason, detail: str = "") -> None:
        if expert_id in chosen and expert_id not in reasons:
            reasons[expert_id] = (reason.value, detail[:300])

    for expert_id, (_, _, status, until, employer) in chosen.items():
        if status == ExpertStatus.PENALIZED.value and (until is None or until >= context.first_day):
            add(expert_id, ExclusionReason.PENALIZED, f"至 {until}" if until else "")
        elif status == ExpertStatus.SUSPENDED.value:
            add(expert_id, ExclusionReason.SUSPENDED)
        elif employer and employer in context.bidder_codes:
            add(expert_id, ExclusionReason.BIDDER_EMPLOYEE, employer)
        elif employer and employer == context.tenderee_code:
            add(expert_id, ExclusionReason.TENDEREE_EMPLOYEE, employer)
    _conflicts(session, context, add, only)
    for expert_id, (_, _, _, _, employer) in chosen.items():
        if employer and employer == context.supervising_code:
            add(expert_id, ExclusionReason.SUPERVISING_DEPARTMENT, employer)
    for (expert_id,) in _rows(session, _unavailable(context, only)):
        add(expert_id, ExclusionReason.UNAVAILABLE)
    for expert_id, number in _busy(session, context, only):
        add(expert_id, ExclusionReason.SAME_DAY_COMMITTEE, number)
    if context.cap_draws is not None and context.cap_days is not None:
        for expert_id, drawn in _capped(session, context, only):
            add(expert_id, ExclusionReason.DRAW_CAP, f"{drawn}/{context.cap_days}")
    for expert_id, detail in _poor(session, context, only):
        add(expert_id, ExclusionReason.POOR_RECORD, detail)
    return reasons


def _conflicts(session: Session, context: Context,
               add: Callable[[uuid.UUID, ExclusionReason, str], None],
               only: Narrowing) -> None:
    """Declared interests touching a bidder (R-32); a past employer only in procurement (3 years)."""
    if not context.bidder_codes:
        return
    query = select(DeclaredConflict.expert_id, DeclaredConflict.kind, DeclaredConflict.credit_code,
                   DeclaredConflict.ended_on).where(
        DeclaredConflict.credit_code.in_(sorted(context.bidder_codes)))
    query = query.where(DeclaredConflict.expert_id.in_(_within(only)))
    since = _years_before(context.first_day, FORMER_EMPLOYER_YEARS)
    for expert_id, kind, code, ended in _rows(session, query.order_by(DeclaredConflict.id)):
        if kind == ConflictKind.SHAREHOLDING.value:
            add(expert_id, ExclusionReason.SHAREHOLDING, code)
        elif kind == ConflictKind.RELATIVE_EMPLOYER.value:
            add(expert_id, ExclusionReason.RELATIVE, code)
        elif (kind == ConflictKind.PAST_EMPLOYER.value and context.government_procurement
              and (ended is None or ended >= since)):
            add(expert_id, ExclusionReason.BIDDER_FORMER_EMPLOYEE, code)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _unavailable(context: Context, only: Narrowing) -> Select[uuid.UUID]:
    query = select(Unavailability.expert_id).distinct().where(
        Unavailability.starts_on <= context.last_day, Unavailability.ends_on >= context.first_day)
    query = query.where(Unavailability.expert_id.in_(_within(only)))
    return query


def _busy(session: Session, context: Context,
          only: Narrowing) -> list[tuple[uuid.UUID, str]]:
    """Experts holding a seat on another live draw whose evaluation days overlap these."""
    earliest = context.first_day - dt.timedelta(days=LONGEST_DRAW_DAYS)
    query = (
        select(DrawPick.expert_id, Draw.number, Draw.evaluation_on, Draw.expected_days)
        .join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.state.in_(BUSY_STATES), Draw.state != DrawState.CANCELLED.value,
               Draw.evaluation_on >= earliest, Draw.evaluation_on <= context.last_day)
    )
    if context.draw_id is not None:
        query = query.where(Draw.id != context.draw_id)
    query = query.where(DrawPick.expert_id.in_(_within(only)))
    found = []
    for expert_id, number, starts, days in _rows(session, query):
        if starts + dt.timedelta(days=max(days, 1) - 1) >= context.first_day:
            found.append((expert_id, number))
    return found


def _capped(session: Session, context: Context,
            only: Narrowing) -> list[tuple[uuid.UUID, int]]:
    """Experts already asked in ``cap_draws`` draws within the last ``cap_days`` days."""
    assert context.cap_draws is not None and context.cap_days is not None
    since = context.now - dt.timedelta(days=context.cap_days)
    drawn = func.count(func.distinct(DrawPick.draw_id))
    query = (
        select(DrawPick.expert_id, drawn)
        .join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.state != PickState.RESERVE.value, Draw.drawn_at >= since)
        .group_by(DrawPick.expert_id)
        .having(drawn >= context.cap_draws)
    )
    if context.draw_id is not None:
        query = query.where(Draw.id != context.draw_id)
    query = query.where(DrawPick.expert_id.in_(_within(only)))
    return [(expert_id, count) for expert_id, count in _rows(session, query)]


def _poor(session: Session, context: Context,
          only: Narrowing) -> list[tuple[uuid.UUID, str]]:
    """Repeated declines, no answers or late cancellations in a year, or low recent ratings."""
    since = context.first_day - POOR_WINDOW
    records = func.count(IntegrityRecord.id)
    query = (
        select(IntegrityRecord.expert_id, records)
        .where(IntegrityRecord.kind.in_(POOR_KINDS), IntegrityRecord.occurred_on >= since)
        .group_by(IntegrityRecord.expert_id)
        .having(records >= POOR_COUNT)
    )
    query = query.where(IntegrityRecord.expert_id.in_(_within(only)))
    found = [(expert_id, f"{count} 次谢绝/未应答/临时取消") for expert_id, count in _rows(session, query)]
    position = func.row_number().over(partition_by=Rating.expert_id,
                                      order_by=(Rating.rated_at.desc(), Rating.draw_id))
    recent = select(Rating.expert_id.label("expert_id"),
                    (Rating.punctuality + Rating.quality + Rating.conduct).label("total"),
                    position.label("position"))
    recent = recent.where(Rating.expert_id.in_(_within(only)))
    latest = recent.subquery()
    mean = func.avg(latest.c.total)
    low = (
        select(latest.c.expert_id, mean)
        .where(latest.c.position <= RATINGS_CONSIDERED)
        .group_by(latest.c.expert_id)
        .having(mean < LOW_RATING * 3)
    )
    found += [(expert_id, f"近期评分均值 {float(avg) / 3:.2f}") for expert_id, avg in _rows(session, low)]
    return found
