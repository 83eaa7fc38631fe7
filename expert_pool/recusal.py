"""Who may sit on a committee (R-31, R-32): matching experts, and why the others are left out.

Each exclusion is one SQL condition over the drawable projection (``expert_pool.drawable``),
in the order of the law's list; the database applies them all in one statement. The request's
live count adds them up there (``count_eligible``: a few rows come back); the commit lists every
candidate with the first reason that excludes it (``assess``: a CASE of the same conditions)
and, for the excluded few, most of the detail a regulator sees (the rest is read after it for
the few excluded for those reasons). One definition serves both, so the
count shown and the pool committed cannot disagree. An expert matching two requirements is
assigned to the first (requirement order), so one expert is never ranked twice in a draw. The
statements are spelled in ``recusal_sql``, once per shape of request, with the values bound.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select
from sqlalchemy.orm import Session

from expert_pool import drawable, recusal_sql
from expert_pool.bulk import among_for, custom_plans, is_postgres
from expert_pool.drawable import LOW_RATING, POOR_COUNT, RATINGS_CONSIDERED
from expert_pool.models import (
    Draw,
    DrawPick,
    DrawState,
    ExclusionReason,
    ExpertDrawable,
    PickState,
    Rating,
    Specialty,
)
from expert_pool.recusal_sql import Shape

# Picks that hold an expert on the evaluation day (a reserve or a decline does not).
BUSY_STATES = (PickState.NOTIFIED.value, PickState.CONFIRMED.value, PickState.CHECKED_IN.value,
               PickState.CANCEL_REQUESTED.value)
EMPLOYER_REASONS = (ExclusionReason.BIDDER_EMPLOYEE, ExclusionReason.TENDEREE_EMPLOYEE,
                    ExclusionReason.SUPERVISING_DEPARTMENT)
CONFLICT_REASONS = (ExclusionReason.SHAREHOLDING, ExclusionReason.RELATIVE,
                    ExclusionReason.BIDDER_FORMER_EMPLOYEE)
LONGEST_DRAW_DAYS = 30  # expected_days is at most this: bounds the overlap search


D = ExpertDrawable
Scope = Callable[[Any], ColumnElement[bool]]  # an expert-id column -> narrowed to some experts


def _in_select(candidates: Select[uuid.UUID]) -> Scope:
    return lambda column: column.in_(candidates)


def _rows(session: Session, query: Any, params: dict[str, Any] | None = None) -> Any:
    """Plain Core rows: these reads return thousands of tuples, and the ORM's per-row result
    processing cost as much as the query itself (measured with pyinstrument on 100,000 experts)."""
    return session.connection().execute(query, params)


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
    specialties: SpecialtyTree | None = None  # read by the caller already, or here


@dataclass
class Assessment:
    eligible: dict[str, list[str]]  # requirement code -> sorted expert numbers
    excluded: dict[str, tuple[str, str]] = field(default_factory=dict)  # number -> (reason, detail)

    def count(self, code: str) -> int:
        return len(self.eligible.get(code, []))


@dataclass(frozen=True)
class SpecialtyTree:
    """The part of the classification a draw reads, in one statement: the requested codes and
    every code under them, which of them are active, and their names."""

    children: dict[str, list[str]]
    active: frozenset[str]
    names: dict[str, tuple[str, str]]  # code -> (Chinese, English)

    def subtree(self, roots: Sequence[str]) -> dict[str, str]:
        """Each code under one of ``roots`` (itself included) -> the first root holding it."""
        owner: dict[str, str] = {}
        for root in roots:
            stack = [root]
            while stack:
                code = stack.pop()
                if code in owner:
                    continue
                owner[code] = root
                stack.extend(self.children.get(code, []))
        return owner


def _subtrees() -> Select[Any]:
    """The codes ``roots`` and all below them (a recursive walk down ``parent_code``)."""
    columns = (Specialty.code, Specialty.parent_code, Specialty.active, Specialty.name_zh,
               Specialty.name_en)
    walk = select(*columns).where(Specialty.code.in_(bindparam("roots", expanding=True))).cte(
        "subtree", recursive=True)
    walk = walk.union(select(*columns).join(walk, Specialty.parent_code == walk.c.code))
    return select(walk)


_SUBTREES = _subtrees()  # built once: a draw passes only the codes


def read_tree(session: Session, roots: Sequence[str]) -> SpecialtyTree:
    """The subtrees of ``roots``: a draw reads only what it asks for, not the whole
    classification (its few hundred rows were a tenth of a request's Python calls)."""
    children: dict[str, list[str]] = {}
    active: set[str] = set()
    names: dict[str, tuple[str, str]] = {}
    for code, parent, is_active, name_zh, name_en in _rows(session, _SUBTREES,
                                                            {"roots": list(roots)}):
        if parent is not None:
            children.setdefault(parent, []).append(code)
        if is_active:
            active.add(code)
        names[code] = (name_zh, name_en)
    return SpecialtyTree(children, frozenset(active), names)


@dataclass
class _Query:
    """One evaluation: the statements' shape, the values bound to them, and what the details
    read beside them."""

    shape: Shape
    params: dict[str, Any]
    owner: dict[str, str]  # each requested specialty's code (and those under it) -> its root
    busy: dict[uuid.UUID, str]  # expert -> the other draw holding it that day
    only: Collection[uuid.UUID] | None

    def narrowed(self) -> Select[uuid.UUID]:
        """The candidates, for the details' subqueries over unbounded history (SQLite)."""
        found = select(D.expert_id).where(D.specialty_code.in_(sorted(self.owner)))
        if self.only is not None:
            found = found.where(D.expert_id.in_(list(self.only)))
        return found


def _query(session: Session, context: Context, only: Collection[uuid.UUID] | None) -> _Query:
    drawable.sync(session)
    owner = (context.specialties or read_tree(session, context.requirement_codes)).subtree(
        context.requirement_codes)
    busy = _busy(session, context)
    custom_plans(session)
    return _Query(recusal_sql.shape_of(context, busy, only, is_postgres(session)),
                  recusal_sql.parameters(context, owner, busy, only), owner, busy, only)


def count_eligible(session: Session, context: Context) -> dict[str, int]:
    """Requirement code -> how many experts a draw would rank for it (the request's live count).

    The same rules as ``assess``, counted in the database: nothing per expert comes back.
    """
    query = _query(session, context, None)
    counted: dict[int, int] = dict(_rows(session, recusal_sql.counting(query.shape),
                                         query.params).all())
    return {code: int(counted.get(i, 0)) for i, code in enumerate(context.requirement_codes)}


def assess(session: Session, context: Context, only: Collection[uuid.UUID] | None = None) -> Assessment:
    """Eligible experts per requirement and the recused ones with their reason.

    ``only`` narrows the same rules to a few experts (a replacement re-checks its candidate).
    """
    query = _query(session, context, only)
    codes = context.requirement_codes
    result = Assessment(eligible={code: [] for code in codes})
    recused: dict[ExclusionReason, dict[uuid.UUID, Recused]] = {}
    seen: set[str] = set()  # an expert is listed once per requested specialty it holds
    for requirement, reason, numbers, details in sorted(_listed(session, query),
                                                        key=lambda group: group[0]):
        if reason is None:
            fresh = set(numbers).difference(seen)  # in C: ~6,800 numbers in a large draw
            result.eligible[codes[requirement]].extend(fresh)
            seen.update(fresh)
            continue
        for number, (expert_id, employer, until, conflict, poor) in zip(numbers, details, strict=True):
            if number in seen:
                continue
            seen.add(number)
            recused.setdefault(ExclusionReason(reason), {})[expert_id] = Recused(
                number, employer, until, conflict, poor)
    for code, numbers in result.eligible.items():
        result.eligible[code] = sorted(set(numbers))
    found = _details(session, context, recused, query)
    for reason, experts in recused.items():
        for expert_id, expert in experts.items():
            result.excluded[expert.number] = (reason.value, found.get(expert_id, "")[:300])
    return result


@dataclass(frozen=True)
class Recused:
    """What the listing tells of a recused expert, for the detail a regulator reads."""

    number: str
    employer: str | None
    penalized_until: dt.date | None
    conflict_code: str | None  # for a declared interest: the bidder's credit code
    poor_count: int | None  # for a poor record: declines, no answers, late cancellations


# (requirement, reason, numbers, and for the recused: (id, employer, until, conflict, poor))
Listed = tuple[int, str | None, list[str], list[tuple[Any, ...]]]


def _listed(session: Session, query: _Query) -> list[Listed]:
    """(requirement, reason or None, numbers, and the facts of each recused one: id, employer,
    penalized until, conflict code, poor records) for the matching projection rows
    (``recusal_sql.listing``): an expert holding two of the requested specialties is listed
    under each (``assess`` keeps the first). The rules read only the expert's own columns, so
    its rows share a reason."""
    rows = _rows(session, recusal_sql.listing(query.shape), query.params)
    if query.shape.postgres:
        return [(requirement, reason, numbers.split(","),
                 list(zip(*arrays, strict=True)) if reason is not None else [])
                for requirement, reason, numbers, *arrays in rows]
    listed: dict[tuple[int, str | None], Listed] = {}
    for requirement, reason, number, *recused in rows:
        entry = listed.setdefault((requirement, reason), (requirement, reason, [], []))
        entry[2].append(number)
        if reason is not None:
            entry[3].append(tuple(recused))
    return list(listed.values())


def _details(session: Session, context: Context,
             recused: dict[ExclusionReason, dict[uuid.UUID, Recused]],
             query: _Query) -> dict[uuid.UUID, str]:
    """What a regulator reads beside each reason: the code, the other draw, the count.

    Each detail query is the rule's own set query (bounded: a bidder's codes, a period), read
    whole and looked up here. On PostgreSQL it is narrowed to the experts recused for that
    reason, sent back as one array (a few hundred ids: 5 ms less each than re-reading the
    candidates); elsewhere to the candidates, as SQLite's bound parameters are limited."""
    among = among_for(session) if is_postgres(session) else None

    def scope(experts: Collection[uuid.UUID]) -> Scope:
        if among is None:
            return _in_select(query.narrowed())
        return lambda column: among(column, experts)

    found: dict[uuid.UUID, str] = {}
    for reason, experts in recused.items():
        if reason == ExclusionReason.PENALIZED:
            found.update({i: f"至 {e.penalized_until}" if e.penalized_until else ""
                          for i, e in experts.items()})
        elif reason in EMPLOYER_REASONS:
            found.update({i: e.employer or "" for i, e in experts.items()})
        elif reason == ExclusionReason.SAME_DAY_COMMITTEE:
            found.update({i: query.busy.get(i, "") for i in experts})
        elif reason in CONFLICT_REASONS:
            found.update({i: e.conflict_code or "" for i, e in experts.items()})
        elif reason == ExclusionReason.DRAW_CAP:
            capped = _rows(session, recusal_sql.capped(query.shape), query.params)
            found.update(_only(experts, {i: f"{drawn}/{context.cap_days}" for i, drawn in capped}))
        elif reason == ExclusionReason.POOR_RECORD:
            # The count of declines is the detail where it decides; ratings only for the rest.
            counted = {i: f"{e.poor_count} 次谢绝/未应答/临时取消" for i, e in experts.items()
                       if (e.poor_count or 0) >= POOR_COUNT}
            rest = {i: experts[i] for i in experts if i not in counted}
            if rest:
                found.update(_only(rest, {i: f"近期评分均值 {float(mean) / 3:.2f}" for i, mean in _rows(
                    session, _low_ratings(scope(rest)))}))
            found.update(counted)
    return found


def _only(experts: Collection[uuid.UUID], details: dict[uuid.UUID, str]) -> dict[uuid.UUID, str]:
    return {i: detail for i, detail in details.items() if i in experts}


def _busy(session: Session, context: Context) -> dict[uuid.UUID, str]:
    """Experts holding a seat on another live draw whose evaluation days overlap these.

    Read whole (live draws within a month's window hold a bounded number of seats) because
    the overlap test is date arithmetic that SQLite and PostgreSQL spell differently."""
    params = {"earliest": context.first_day - dt.timedelta(days=LONGEST_DRAW_DAYS),
              "first_day": context.first_day, "last_day": context.last_day,
              "draw_id": context.draw_id}
    found: dict[uuid.UUID, str] = {}
    for expert_id, number, starts, days in _rows(session, _busy_seats(context.draw_id is not None),
                                                 params):
        if starts + dt.timedelta(days=max(days, 1) - 1) >= context.first_day:
            found[expert_id] = number  # the earliest numbered draw, read last
    return found


@lru_cache(maxsize=2)
def _busy_seats(own_draw: bool) -> Select[uuid.UUID, str, dt.date, int]:
    """``_busy``'s statement, built once (with the draw's own picks left out or not): built
    for every evaluation, it cost more Python than the rest of the check's small reads."""
    query = (
        select(DrawPick.expert_id, Draw.number, Draw.evaluation_on, Draw.expected_days)
        .join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.state.in_(BUSY_STATES), Draw.state != DrawState.CANCELLED.value,
               Draw.evaluation_on >= bindparam("earliest"),
               Draw.evaluation_on <= bindparam("last_day"),
               # most evaluations last a day: only those can be left out before the arithmetic
               or_(Draw.evaluation_on >= bindparam("first_day"), Draw.expected_days > 1))
        .order_by(Draw.number.desc())
    )
    return query.where(Draw.id != bindparam("draw_id")) if own_draw else query


def _low_ratings(scope: Scope) -> Select[uuid.UUID, Any]:
    """A low mean over the latest ratings; the mean is of the three marks' sum (ratings are
    all of an expert's history, so they are narrowed to the candidates first)."""
    position = func.row_number().over(partition_by=Rating.expert_id,
                                      order_by=(Rating.rated_at.desc(), Rating.draw_id))
    latest = select(Rating.expert_id.label("expert_id"),
                    (Rating.punctuality + Rating.quality + Rating.conduct).label("total"),
                    position.label("position")).where(scope(Rating.expert_id)).subquery()
    mean = func.avg(latest.c.total)
    return (
        select(latest.c.expert_id.label("expert_id"), mean)
        .where(latest.c.position <= RATINGS_CONSIDERED)
        .group_by(latest.c.expert_id)
        .having(mean < LOW_RATING * 3)
    )
