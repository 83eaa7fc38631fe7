"""Who may sit on a committee (R-31, R-32): matching experts, and why the others are left out.

Each exclusion is one SQL condition over the drawable projection (``expert_pool.drawable``),
in the order of the law's list; the database applies them all in one statement. The request's
live count adds them up there (``count_eligible``: a few rows come back); the commit lists every
candidate with the first reason that excludes it (``assess``: a CASE of the same conditions)
and, for the excluded few, most of the detail a regulator sees (the rest is read after it for
the few excluded for those reasons). One definition serves both, so the
count shown and the pool committed cannot disagree. An expert matching two requirements is
assigned to the first (requirement order), so one expert is never ranked twice in a draw.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, null, or_, select
from sqlalchemy.orm import Session

from expert_pool import drawable
from expert_pool.bulk import Among, among_for, custom_plans, is_postgres
from expert_pool.drawable import LOW_RATING, POOR_COUNT, POOR_KINDS, RATINGS_CONSIDERED
from expert_pool.models import (
    ConflictKind,
    DeclaredConflict,
    Draw,
    DrawPick,
    DrawState,
    ExclusionReason,
    ExpertDrawable,
    ExpertStatus,
    IntegrityRecord,
    PickState,
    Rating,
    Specialty,
    Unavailability,
)

# Picks that hold an expert on the evaluation day (a reserve or a decline does not).
BUSY_STATES = (PickState.NOTIFIED.value, PickState.CONFIRMED.value, PickState.CHECKED_IN.value,
               PickState.CANCEL_REQUESTED.value)
EMPLOYER_REASONS = (ExclusionReason.BIDDER_EMPLOYEE, ExclusionReason.TENDEREE_EMPLOYEE,
                    ExclusionReason.SUPERVISING_DEPARTMENT)
CONFLICT_REASONS = (ExclusionReason.SHAREHOLDING, ExclusionReason.RELATIVE,
                    ExclusionReason.BIDDER_FORMER_EMPLOYEE)
POOR_WINDOW = dt.timedelta(days=365)  # POOR_COUNT poor records within it make a poor record
FORMER_EMPLOYER_YEARS = 3  # GP Regs §9
LONGEST_DRAW_DAYS = 30  # expected_days is at most this: bounds the overlap search


D = ExpertDrawable
Scope = Callable[[Any], ColumnElement[bool]]  # an expert-id column -> narrowed to some experts


def _in_select(candidates: Select[uuid.UUID]) -> Scope:
    return lambda column: column.in_(candidates)


def _rows(session: Session, query: Any) -> Any:
    """Plain Core rows: these reads return thousands of tuples, and the ORM's per-row result
    processing cost as much as the query itself (measured with pyinstrument on 100,000 experts)."""
    return session.connection().execute(query)


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
    """The classification as a draw reads it, in one statement: which codes are active, their
    names, and the codes under each (a request read these three times before)."""

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


def read_tree(session: Session) -> SpecialtyTree:
    children: dict[str, list[str]] = {}
    active: set[str] = set()
    names: dict[str, tuple[str, str]] = {}
    query = select(Specialty.code, Specialty.parent_code, Specialty.active, Specialty.name_zh,
                   Specialty.name_en)
    for code, parent, is_active, name_zh, name_en in _rows(session, query):
        if parent is not None:
            children.setdefault(parent, []).append(code)
        if is_active:
            active.add(code)
        names[code] = (name_zh, name_en)
    return SpecialtyTree(children, frozenset(active), names)


def _region_conditions(context: Context) -> list[ColumnElement[bool]]:
    """Regions match by prefix: "山西省" takes every city and county under it."""
    found: list[ColumnElement[bool]] = []
    if context.regions_include:
        found.append(or_(*(D.region.startswith(r, autoescape=True)
                           for r in context.regions_include)))
    found += [~D.region.startswith(r, autoescape=True) for r in context.regions_exclude]
    return found


@dataclass
class _Query:
    """The candidate rows of one draw and the exclusion rules as SQL over them."""

    matching: list[ColumnElement[bool]]  # the request's conditions on the projection
    requirement_of_row: ColumnElement[int]  # index of the requirement a row's specialty is under
    narrowed: Select[uuid.UUID]  # the candidates, for subqueries over unbounded history
    rules: list[tuple[ExclusionReason, ColumnElement[bool]]]  # in the order of the law's list
    busy: dict[uuid.UUID, str]  # expert -> the other draw holding it that day
    context: Context
    among: Among

    @property
    def requirement(self) -> ColumnElement[int]:
        """Per expert (grouped): the first requirement it matches."""
        return func.min(self.requirement_of_row)

    def eligible(self) -> list[ColumnElement[bool]]:
        return [*self.matching, *(not_(rule) for _, rule in self.rules)]

    def reason(self) -> ColumnElement[Any]:
        if not self.rules:
            return null()
        return case(*((rule, reason.value) for reason, rule in self.rules), else_=null())

    def poor_count(self, expert_id: Any, reason: Any) -> ColumnElement[Any]:
        """For an expert recused for a poor record: its declines, no answers and late
        cancellations within the window, counted in the listing (as ``conflict_code``)."""
        counted = select(func.count(IntegrityRecord.id)).where(
            IntegrityRecord.expert_id == expert_id, *_poor_window(self.context)).scalar_subquery()
        return case((reason == ExclusionReason.POOR_RECORD.value, counted), else_=null())

    def conflict_code(self, expert_id: Any, reason: Any) -> ColumnElement[Any]:
        """For an expert recused for a declared interest: the bidder's credit code of its first
        such declaration (the lowest id), read in the listing itself (one index probe per
        such expert; a separate statement cost 1.5–5 ms a draw)."""
        codes = self.context.bidder_codes
        if not codes:
            return null()
        return case(*((reason == conflict.value, select(DeclaredConflict.credit_code).where(
            DeclaredConflict.expert_id == expert_id, self.among(DeclaredConflict.credit_code, codes),
            kind).order_by(DeclaredConflict.id).limit(1).scalar_subquery())
            for conflict, kind in _conflict_kinds(self.context)), else_=null())


def _query(session: Session, context: Context, only: Collection[uuid.UUID] | None) -> _Query:
    drawable.sync(session)
    owner = (context.specialties or read_tree(session)).subtree(context.requirement_codes)
    order = {code: i for i, code in enumerate(context.requirement_codes)}
    matching = [D.specialty_code.in_(sorted(owner)), D.title >= context.min_title,
                D.years_in_specialty >= context.min_years, *_region_conditions(context)]
    if only is not None:
        matching.append(D.expert_id.in_(list(only)))
    # The regulator's details over history (ratings, records) are narrowed to the candidates.
    narrowed = select(D.expert_id).where(D.specialty_code.in_(sorted(owner)))
    if only is not None:
        narrowed = narrowed.where(D.expert_id.in_(list(only)))
    busy = _busy(session, context)
    among = among_for(session)
    custom_plans(session)
    return _Query(matching, case({code: order[root] for code, root in owner.items()},
                                 value=D.specialty_code),
                  narrowed, _rules(context, busy, among), busy, context, among)


def _rules(context: Context, busy: dict[uuid.UUID, str],
           among: Among) -> list[tuple[ExclusionReason, ColumnElement[bool]]]:
    """Each reason as a condition on a candidate row; none is ever NULL (``NOT`` must hold)."""
    employer = D.employer_credit_code
    rules: list[tuple[ExclusionReason, ColumnElement[bool]]] = [
        (ExclusionReason.PENALIZED, and_(D.status == ExpertStatus.PENALIZED.value, or_(
            D.penalized_until.is_(None), D.penalized_until >= context.first_day))),
        (ExclusionReason.SUSPENDED, D.status == ExpertStatus.SUSPENDED.value),
    ]
    if context.bidder_codes:
        rules.append((ExclusionReason.BIDDER_EMPLOYEE,
                      and_(employer.is_not(None), among(employer, context.bidder_codes))))
    if context.tenderee_code:
        rules.append((ExclusionReason.TENDEREE_EMPLOYEE,
                      and_(employer.is_not(None), employer == context.tenderee_code)))
    rules += [(reason, D.expert_id.in_(ids)) for reason, ids in _conflict_rules(context, among)]
    if context.supervising_code:
        rules.append((ExclusionReason.SUPERVISING_DEPARTMENT,
                      and_(employer.is_not(None), employer == context.supervising_code)))
    rules.append((ExclusionReason.UNAVAILABLE, D.expert_id.in_(_unavailable(context))))
    if busy:
        rules.append((ExclusionReason.SAME_DAY_COMMITTEE, among(D.expert_id, busy)))
    if context.cap_draws is not None and context.cap_days is not None:
        rules.append((ExclusionReason.DRAW_CAP,
                      D.expert_id.in_(_ids(_capped(context)))))
    # Read off the projection (kept with each record and rating): no history aggregated here.
    rules.append((ExclusionReason.POOR_RECORD, or_(
        and_(D.poor_third_on.is_not(None), D.poor_third_on >= context.first_day - POOR_WINDOW),
        D.low_rated)))
    return rules


def count_eligible(session: Session, context: Context) -> dict[str, int]:
    """Requirement code -> how many experts a draw would rank for it (the request's live count).

    The same rules as ``assess``, counted in the database: nothing per expert comes back.
    """
    query = _query(session, context, None)
    per_expert = (select(D.expert_id, query.requirement.label("requirement"))
                  .where(*query.eligible()).group_by(D.expert_id).subquery())
    counted = dict(_rows(session, select(per_expert.c.requirement, func.count())
                         .group_by(per_expert.c.requirement)).all())
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
            result.eligible[codes[requirement]].extend(n for n in numbers if n not in seen)
            seen.update(numbers)
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
    penalized until, conflict code, poor records) for the matching projection rows: an expert
    holding two of the requested specialties is listed under each (``assess`` keeps the
    first). The rules read only the expert's own columns, so its rows share a reason.

    On PostgreSQL one row per (requirement, reason) with arrays: the ~6,800 candidates of a
    large draw came back as rows whose per-row processing in Python cost more than the query
    (pyinstrument, 100,000 experts); only the recused few need more than their number."""
    per_row = (select(D.expert_id, D.number, query.requirement_of_row.label("requirement"),
                      query.reason().label("reason"), D.penalized_until, D.employer_credit_code)
               .where(*query.matching)
               # An optimization fence: pulled up into the grouping, the rules' CASE was
               # evaluated once per reference to ``reason`` (three times the work). Grouping
               # per expert here instead cost 3 ms of ~15 at ~6,300 rows; ``assess`` drops the
               # few repeated experts in Python.
               .offset(0)
               .subquery())
    c = per_row.c
    facts = (c.expert_id, c.employer_credit_code, c.penalized_until,
             query.conflict_code(c.expert_id, c.reason), query.poor_count(c.expert_id, c.reason))
    if is_postgres(session):
        def recused_only(column: Any) -> Any:  # NULL, not an array of NULLs, for the eligible
            return func.array_agg(column).filter(c.reason.is_not(None))

        # The numbers (thousands) as one comma-joined text: psycopg parses an array element by
        # element in Python, 1 ms more for ~6,800 (expert numbers are "E" and digits).
        grouped = (select(c.requirement, c.reason, func.string_agg(c.number, ","),
                          *(recused_only(fact) for fact in facts))
                   .group_by(c.requirement, c.reason))
        return [(requirement, reason, numbers.split(","),
                 list(zip(*arrays, strict=True)) if reason is not None else [])
                for requirement, reason, numbers, *arrays in _rows(session, grouped)]
    listed: dict[tuple[int, str | None], Listed] = {}
    for requirement, reason, number, *recused in _rows(
            session, select(c.requirement, c.reason, c.number, *facts)):
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
            return _in_select(query.narrowed)
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
            found.update(_only(experts, {i: f"{drawn}/{context.cap_days}" for i, drawn in _rows(
                session, _capped(context))}))
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


def _ids(query: Select[*tuple[Any, ...]]) -> Select[uuid.UUID]:
    """The experts a (grouped) detail query names, for ``IN``: its first column alone (its
    grouping and condition stay; no derived table around it)."""
    return query.with_only_columns(query.selected_columns[0])


def _conflict_kinds(context: Context) -> list[tuple[ExclusionReason, ColumnElement[bool]]]:
    """Declared interests touching a bidder (R-32); a past employer only in procurement (3 years)."""
    kinds: list[tuple[ExclusionReason, ColumnElement[bool]]] = [
        (ExclusionReason.SHAREHOLDING, DeclaredConflict.kind == ConflictKind.SHAREHOLDING.value),
        (ExclusionReason.RELATIVE, DeclaredConflict.kind == ConflictKind.RELATIVE_EMPLOYER.value),
    ]
    if context.government_procurement:
        since = _years_before(context.first_day, FORMER_EMPLOYER_YEARS)
        kinds.append((ExclusionReason.BIDDER_FORMER_EMPLOYEE, and_(
            DeclaredConflict.kind == ConflictKind.PAST_EMPLOYER.value,
            or_(DeclaredConflict.ended_on.is_(None), DeclaredConflict.ended_on >= since))))
    return kinds


def _conflict_rules(context: Context,
                    among: Among) -> list[tuple[ExclusionReason, Select[uuid.UUID]]]:
    if not context.bidder_codes:
        return []
    return [(reason, select(DeclaredConflict.expert_id).where(
        among(DeclaredConflict.credit_code, context.bidder_codes), kind))
        for reason, kind in _conflict_kinds(context)]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _unavailable(context: Context) -> Select[uuid.UUID]:
    return select(Unavailability.expert_id).where(
        Unavailability.starts_on <= context.last_day, Unavailability.ends_on >= context.first_day)


def _busy(session: Session, context: Context) -> dict[uuid.UUID, str]:
    """Experts holding a seat on another live draw whose evaluation days overlap these.

    Read whole (live draws within a month's window hold a bounded number of seats) because
    the overlap test is date arithmetic that SQLite and PostgreSQL spell differently."""
    earliest = context.first_day - dt.timedelta(days=LONGEST_DRAW_DAYS)
    query = (
        select(DrawPick.expert_id, Draw.number, Draw.evaluation_on, Draw.expected_days)
        .join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.state.in_(BUSY_STATES), Draw.state != DrawState.CANCELLED.value,
               Draw.evaluation_on >= earliest, Draw.evaluation_on <= context.last_day,
               # most evaluations last a day: only those can be left out before the arithmetic
               or_(Draw.evaluation_on >= context.first_day, Draw.expected_days > 1))
        .order_by(Draw.number.desc())
    )
    if context.draw_id is not None:
        query = query.where(Draw.id != context.draw_id)
    found: dict[uuid.UUID, str] = {}
    for expert_id, number, starts, days in _rows(session, query):
        if starts + dt.timedelta(days=max(days, 1) - 1) >= context.first_day:
            found[expert_id] = number  # the earliest numbered draw, read last
    return found


def _capped(context: Context) -> Select[uuid.UUID, int]:
    """Experts already asked in ``cap_draws`` draws within the last ``cap_days`` days (the
    draws of the period first, by their index: they are few beside the pool)."""
    assert context.cap_draws is not None and context.cap_days is not None
    recent = select(Draw.id).where(Draw.drawn_at >= context.now - dt.timedelta(days=context.cap_days))
    if context.draw_id is not None:
        recent = recent.where(Draw.id != context.draw_id)
    drawn = func.count(func.distinct(DrawPick.draw_id))
    return (
        select(DrawPick.expert_id.label("expert_id"), drawn)
        .where(DrawPick.draw_id.in_(recent), DrawPick.state != PickState.RESERVE.value)
        .group_by(DrawPick.expert_id)
        .having(drawn >= context.cap_draws)
    )


def _poor_window(context: Context) -> list[ColumnElement[bool]]:
    """Integrity records that make a poor record: declines, no answers and late cancellations
    within a year of the evaluation."""
    return [IntegrityRecord.kind.in_(POOR_KINDS),
            IntegrityRecord.occurred_on >= context.first_day - POOR_WINDOW]


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
