"""Confirming a year's arrangement, and the legal minimums computed on provisional years.

A domain that computes a legal minimum period (R-10, R-11, R-35, ...) asks :func:`period_end`.
When the answer rests on a provisional year, it calls :func:`rely_on` in the same transaction:
that records a :class:`CalendarDependency` (the period, the day actually chosen, whom it
concerns) and raises an alert asking the admin to enter the year. Staff see the mark through
:func:`marks`.

An admin enters a year's whole arrangement at once (:func:`enter_year`, from the calendar page's
form or file, or ``ggzy calendar enter-year``). A partial entry is refused: every statutory
holiday of the year must be in it. The same transaction re-checks every open dependency on that
year with the confirmed days; one whose chosen day now comes before the legal minimum raises a
red alert naming its subject and rule, and is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Boolean, Date, Index, Integer, String, or_, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import audit, clock
from trading.calendar import (
    BASIS_MAX_LENGTH,
    FIRST_YEAR,
    LAST_YEAR,
    NAME_MAX_LENGTH,
    CalendarInputError,
    CalendarYear,
    CalendarYearDay,
    EnteredYear,
    EntryLoader,
    WorkingCalendar,
    YearSource,
    calendar_for,
    fixed_statutory_days,
    session_loader,
)
from trading.db import Base, UTCDateTime

PROVISIONAL_ALERT = "calendar.year_provisional"
LABEL_MAX_LENGTH = 200


class CalendarDependency(Base):
    """A legal minimum period whose end was computed on a provisional year."""

    __tablename__ = "calendar_dependency"
    __table_args__ = (Index("ix_calendar_dependency_subject_rule", "subject", "rule"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(200))
    rule: Mapped[str] = mapped_column(String(16))
    label_zh: Mapped[str] = mapped_column(String(LABEL_MAX_LENGTH))
    label_en: Mapped[str] = mapped_column(String(LABEL_MAX_LENGTH))
    responsible_role: Mapped[str] = mapped_column(String(32))
    start_day: Mapped[dt.date] = mapped_column(Date)
    days: Mapped[int] = mapped_column(Integer)
    working_days: Mapped[bool] = mapped_column(Boolean)
    computed_end: Mapped[dt.date] = mapped_column(Date)  # the minimum end, provisionally
    chosen_day: Mapped[dt.date] = mapped_column(Date)  # must not come before the minimum end
    years: Mapped[str] = mapped_column(String(64))  # the provisional years it rests on
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # None while open; "kept", "broken" or "replaced" once settled.
    outcome: Mapped[str | None] = mapped_column(String(16), index=True)
    required_end: Mapped[dt.date | None] = mapped_column(Date)  # the minimum end, confirmed
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


@dataclass(frozen=True)
class Period:
    """A legal minimum: ``days`` (working) days after ``start``, ending under R-00a."""

    rule: str
    start: dt.date
    days: int
    working_days: bool = False


@dataclass(frozen=True)
class PeriodEnd:
    end: dt.date
    provisional_years: frozenset[int]

    @property
    def provisional(self) -> bool:
        return bool(self.provisional_years)


def period_end(session: Session, period: Period,
               calendar: WorkingCalendar | None = None) -> PeriodEnd:
    """The earliest day ``period`` allows, and the provisional years that answer rests on."""
    cal = calendar or calendar_for(session)
    cal.provisional_years.clear()
    end = cal.period_end(period.start, period.days, period.working_days)
    return PeriodEnd(end, frozenset(cal.provisional_years))


def rely_on(session: Session, subject: str, period: Period, computed: PeriodEnd,
            chosen: dt.date, label_zh: str, label_en: str, responsible_role: str) -> None:
    """Record that ``subject`` keeps ``period`` with ``chosen`` (replacing its earlier record
    for the same rule); when ``computed`` rests on provisional years, watch it until they are
    confirmed. Call it in the transaction that fixes ``chosen``."""
    now = clock.now(session)
    _settle_open(session, subject, period.rule, "replaced", now)
    if not computed.provisional:
        return
    # The first deadline resting on a year raises the admin's alert; later ones need not.
    unasked = [year for year in sorted(computed.provisional_years) if not _relied_on(session, year)]
    session.add(CalendarDependency(
        subject=subject, rule=period.rule, label_zh=label_zh[:LABEL_MAX_LENGTH],
        label_en=label_en[:LABEL_MAX_LENGTH], responsible_role=responsible_role,
        start_day=period.start, days=period.days, working_days=period.working_days,
        computed_end=computed.end, chosen_day=chosen, created_at=now,
        years=",".join(str(y) for y in sorted(computed.provisional_years))))
    session.flush()
    for year in unasked:
        _ask_for_year(session, year)


def _relied_on(session: Session, year: int) -> bool:
    query = select(CalendarDependency.years).where(CalendarDependency.outcome.is_(None),
                                                   CalendarDependency.years.contains(str(year)))
    return any(str(year) in years.split(",") for years in session.scalars(query))


def release(session: Session, subject: str) -> None:
    """``subject`` no longer depends on its periods (cancelled, or its dates have passed)."""
    _settle_open(session, subject, None, "replaced", clock.now(session))


def marks(session: Session, subject: str) -> list[CalendarDependency]:
    """What staff see on ``subject``: its periods still resting on a provisional year
    (``outcome`` None) and those a confirmed year showed to be too short ("broken")."""
    query = select(CalendarDependency).where(
        CalendarDependency.subject == subject,
        or_(CalendarDependency.outcome.is_(None), CalendarDependency.outcome == "broken"))
    return list(session.scalars(query.order_by(CalendarDependency.id)))


def _settle_open(session: Session, subject: str, rule: str | None, outcome: str,
                 now: dt.datetime) -> None:
    query = select(CalendarDependency).where(CalendarDependency.subject == subject,
                                             CalendarDependency.outcome.is_(None))
    if rule is not None:
        query = query.where(CalendarDependency.rule == rule)
    for row in session.scalars(query):
        row.outcome, row.checked_at = outcome, now
    session.flush()


def _ask_for_year(session: Session, year: int) -> None:
    """An alert for the admin: enter ``year``'s arrangement (red from its first day)."""
    due = clock.legal_midnight_utc(dt.date(year, 1, 1))
    audit.watch_deadline(
        session, PROVISIONAL_ALERT, f"calendar/{year}", "admin", due,
        f"{year} 年节假日安排尚未录入：相关期限按临时日历计算，请管理员录入全年安排",
        f"The {year} holiday arrangement is not entered: deadlines use a provisional calendar; "
        f"an admin must enter the whole year")


# --------------------------------------------------------------------------------------------
# Entering a year


@dataclass(frozen=True)
class Arrangement:
    """One year's arrangement as the State Council's notice gives it."""

    year: int
    holidays: Mapping[dt.date, str | None]  # rest days (statutory and arranged)
    workdays: Mapping[dt.date, str | None]  # make-up working days (调休上班, weekends)
    basis: str  # the notice it follows, e.g. 国办发明电〔2026〕11号


@dataclass(frozen=True)
class Recheck:
    dependency_id: int
    subject: str
    rule: str
    label_zh: str
    label_en: str
    chosen_day: dt.date
    required_end: dt.date
    still_provisional: bool

    @property
    def broken(self) -> bool:
        return self.chosen_day < self.required_end


def _refuse(zh: str, en: str, field: str, status: int = 400) -> CalendarInputError:
    return CalendarInputError(zh, en, status=status, field=field, code="calendar_entry")


def validate(session: Session, arrangement: Arrangement) -> Arrangement:
    """Every reason to refuse ``arrangement``, checked before anything is written."""
    year = arrangement.year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise _refuse(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间", f"the year must be within "
                      f"{FIRST_YEAR}–{LAST_YEAR}", "year")
    basis = arrangement.basis.strip()
    if not basis or len(basis) > BASIS_MAX_LENGTH:
        raise _refuse(f"请填写依据（国务院办公厅通知文号），不超过 {BASIS_MAX_LENGTH} 字",
                      f"the basis (the State Council notice) is required, at most "
                      f"{BASIS_MAX_LENGTH} characters", "basis")
    if session.get(CalendarYear, year) is not None:
        raise _refuse(f"{year} 年的安排已录入，不能重复录入", f"{year} has already been entered",
                      "year", status=409)
    if calendar_for(session).source_of(year) == YearSource.PACKAGE:
        raise _refuse(f"{year} 年的安排已由节假日数据包确认，无需录入",
                      f"{year} is already confirmed by the holiday package", "year", status=409)
    _check_days(arrangement)
    return Arrangement(year, arrangement.holidays, arrangement.workdays, basis)


def _check_days(arrangement: Arrangement) -> None:
    year = arrangement.year
    for field, days in (("holidays", arrangement.holidays), ("workdays", arrangement.workdays)):
        for day, name in days.items():
            if day.year != year:
                raise _refuse(f"{day.isoformat()} 不在 {year} 年内", f"{day.isoformat()} is not "
                              f"in {year}", field)
            if name is not None and len(name) > NAME_MAX_LENGTH:
                raise _refuse(f"{day.isoformat()} 的名称超过 {NAME_MAX_LENGTH} 字",
                              f"the name of {day.isoformat()} is longer than {NAME_MAX_LENGTH}",
                              field)
    both = sorted(set(arrangement.holidays) & set(arrangement.workdays))
    if both:
        raise _refuse(f"{both[0].isoformat()} 不能既是假日又是调休上班日",
                      f"{both[0].isoformat()} cannot be both a holiday and a make-up working day",
                      "workdays")
    weekday = sorted(d for d in arrangement.workdays if d.weekday() < 5)
    if weekday:
        raise _refuse(f"调休上班日 {weekday[0].isoformat()} 不是周末（本来就是工作日）",
                      f"the make-up working day {weekday[0].isoformat()} is not a weekend day",
                      "workdays")
    missing = sorted(set(fixed_statutory_days(year)) - set(arrangement.holidays))
    if missing:
        listed = "、".join(d.isoformat() for d in missing[:5])
        raise _refuse(f"安排不完整：缺少法定节假日 {listed}（须一次录入全年安排）",
                      f"incomplete: the statutory holidays {', '.join(d.isoformat() for d in missing[:5])} "
                      f"are missing (enter the whole year at once)", "holidays")


def preview(session: Session, arrangement: Arrangement) -> list[Recheck]:
    """What saving ``arrangement`` would do to the open dependencies (nothing is written)."""
    arrangement = validate(session, arrangement)
    return _recheck(session, arrangement)


def enter_year(session: Session, actor: audit.Actor, arrangement: Arrangement) -> list[Recheck]:
    """Confirm a year (R-00c), logged; re-check the deadlines computed on it provisionally."""
    arrangement = validate(session, arrangement)
    now = clock.now(session)
    rechecks = _recheck(session, arrangement)
    session.add(CalendarYear(year=arrangement.year, basis=arrangement.basis,
                             entered_by=(actor.user_id or f"system:{actor.role}")[:64],
                             entered_at=now))
    session.flush()
    session.add_all([CalendarYearDay(day=day, year=arrangement.year, is_working_day=working,
                                     name=name)
                     for working, days in ((False, arrangement.holidays),
                                           (True, arrangement.workdays))
                     for day, name in days.items()])
    session.flush()
    audit.record(session, actor, "calendar.year_entered", f"calendar/{arrangement.year}", {
        "year": arrangement.year, "basis": arrangement.basis,
        "holidays": sorted(d.isoformat() for d in arrangement.holidays),
        "workdays": sorted(d.isoformat() for d in arrangement.workdays),
        "rechecked": len(rechecks), "broken": sum(r.broken for r in rechecks),
    })
    audit.resolve_deadline(session, PROVISIONAL_ALERT, f"calendar/{arrangement.year}", "entered")
    for recheck in rechecks:
        _settle(session, actor, recheck, arrangement.year, now)
    return rechecks


def _recheck(session: Session, arrangement: Arrangement) -> list[Recheck]:
    rows = session.scalars(select(CalendarDependency).where(
        CalendarDependency.outcome.is_(None),
        CalendarDependency.years.contains(str(arrangement.year))).order_by(CalendarDependency.id))
    cal = WorkingCalendar(_with_entry(session, arrangement))
    checks = []
    for row in rows:
        if str(arrangement.year) not in row.years.split(","):
            continue
        cal.provisional_years.clear()
        required = cal.period_end(row.start_day, row.days, row.working_days)
        checks.append(Recheck(row.id, row.subject, row.rule, row.label_zh, row.label_en,
                              row.chosen_day, required, bool(cal.provisional_years)))
    return checks


def _with_entry(session: Session, arrangement: Arrangement) -> EntryLoader:
    """The session's entries, plus ``arrangement`` as if it were saved."""
    stored = session_loader(session)
    days = {**{d: False for d in arrangement.holidays}, **{d: True for d in arrangement.workdays}}

    def load(first: int, last: int) -> dict[int, EnteredYear]:
        entries = dict(stored(first, last))
        if first <= arrangement.year <= last:
            entries[arrangement.year] = EnteredYear(days)
        return entries

    return load


def _settle(session: Session, actor: audit.Actor, recheck: Recheck, year: int,
            now: dt.datetime) -> None:
    row = session.get(CalendarDependency, recheck.dependency_id)
    assert row is not None
    row.required_end = recheck.required_end
    if recheck.still_provisional and not recheck.broken:
        row.years = ",".join(y for y in row.years.split(",") if y != str(year))
        session.flush()
        return
    row.outcome, row.checked_at = ("broken" if recheck.broken else "kept"), now
    session.flush()
    if not recheck.broken:
        return
    kind = f"calendar.{recheck.rule.lower().replace('-', '')}"
    audit.watch_deadline(
        session, kind, recheck.subject, row.responsible_role, now,
        f"{recheck.label_zh}：按已确认的 {year} 年节假日安排，{recheck.rule} 要求不早于 "
        f"{recheck.required_end.isoformat()}，现为 {recheck.chosen_day.isoformat()}",
        f"{recheck.label_en}: under the confirmed {year} arrangement {recheck.rule} requires "
        f"{recheck.required_end.isoformat()} or later; it is {recheck.chosen_day.isoformat()}")
    audit.record(session, actor, "calendar.period_broken", recheck.subject, {
        "rule": recheck.rule, "year": year, "chosen_day": recheck.chosen_day.isoformat(),
        "required_end": recheck.required_end.isoformat(), "start_day": row.start_day.isoformat(),
        "days": row.days, "working_days": row.working_days,
    })
