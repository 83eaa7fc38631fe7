"""Working days and legal periods: one implementation used by every domain.

Rules (docs: shared/design/rules.md):

- R-00a The start day is not counted; a period ending on a statutory holiday or rest day ends on
  the next working day. "Within / at least N" includes N.
- R-00b Licensing and intake time limits count working days.
- R-00c Holidays and make-up working days follow the State Council's yearly arrangement.

Where a day's status comes from, first match wins:

1. the ``calendar_override`` table, which an admin edits (a year the package does not know
   yet, or a correction);
2. the ``chinese_calendar`` package (the State Council arrangements it ships, 2004 onwards);
3. for a year the package does not know but for which an admin has entered at least one
   override (its arrangement has been entered: the holidays and make-up working days), the
   ordinary week: Monday to Friday work, Saturday and Sunday rest.

A day in a year that neither source knows raises :class:`CalendarUnknownError`: a deadline is
never guessed silently. Every yearly arrangement has holidays, so entering it always leaves at
least one override row in the year.

Each service call loads the overrides it needs a whole year at a time, all the years of a range
in one query, never one query per day. The arithmetic itself lives in :class:`WorkingCalendar`,
which takes any override source, so that it can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from functools import lru_cache
from typing import Any

import chinese_calendar
from sqlalchemy import Boolean, Date, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import audit, clock
from trading.db import Base, UTCDateTime
from trading.errors import UserError

NOTE_MAX_LENGTH = 200

#: Loads the overrides of the years ``first..last`` (inclusive) as {day: is_working_day}.
OverrideLoader = Callable[[int, int], Mapping[dt.date, bool]]


class CalendarOverride(Base):
    """An admin's statement that ``day`` is (or is not) a working day; wins over the package."""

    __tablename__ = "calendar_override"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    note: Mapped[str] = mapped_column(String(NOTE_MAX_LENGTH))
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CalendarError(UserError):
    """A calendar problem, with its reason in Chinese and in English."""


class CalendarUnknownError(CalendarError):
    """Neither the package nor an override knows the holiday arrangement of ``year``."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"{year} 年节假日安排未知，请管理员在日历中维护",
            f"the holiday arrangement for {year} is unknown; an admin must enter it",
            status=409,
            code="calendar_unknown",
        )
        self.year = year


class CalendarOverrideNotFoundError(CalendarError):
    def __init__(self, day: dt.date) -> None:
        super().__init__(
            f"{day.isoformat()} 没有日历维护记录",
            f"there is no calendar override for {day.isoformat()}",
            status=404,
            field="day",
            code="not_found",
        )
        self.day = day


class CalendarInputError(CalendarError):
    """A refused argument (a negative period, an empty note)."""


# --------------------------------------------------------------------------------------------
# The package


@lru_cache(maxsize=256)
def package_knows_year(year: int) -> bool:
    """Whether the installed ``chinese_calendar`` ships the arrangement of ``year``."""
    try:
        chinese_calendar.is_workday(dt.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def package_says(day: dt.date) -> bool | None:
    """The package's answer for ``day`` (make-up days included); None if it does not know."""
    if not package_knows_year(day.year):
        return None
    return bool(chinese_calendar.is_workday(day))


def _check_day(day: Any, name: str = "day") -> dt.date:
    # datetime is a subclass of date: refuse it, its calendar day depends on the zone.
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        raise TypeError(f"{name} must be a datetime.date (a local calendar day), got {day!r}")
    return day


def _check_count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"a number of days must be an int, got {n!r}")
    if n < 0:
        raise CalendarInputError(
            f"天数不能为负数：{n}", f"a number of days cannot be negative: {n}", field="days"
        )
    return n


# --------------------------------------------------------------------------------------------
# The arithmetic


class WorkingCalendar:
    """Working-day arithmetic over one override source.

    The source is asked for whole years, each year once; :meth:`preload` asks for several years
    in one call (one query).
    """

    def __init__(self, load_overrides: OverrideLoader) -> None:
        self._load = load_overrides
        self._overrides: dict[int, dict[dt.date, bool]] = {}

    def preload(self, first: dt.date, last: dt.date) -> None:
        """Load the overrides of every year from ``first`` to ``last`` not loaded yet."""
        years = [y for y in range(first.year, last.year + 1) if y not in self._overrides]
        if not years:
            return
        loaded = self._load(years[0], years[-1])
        fresh: dict[int, dict[dt.date, bool]] = {year: {} for year in years}
        for day, working in loaded.items():
            if day.year in fresh:
                fresh[day.year][day] = working
        self._overrides.update(fresh)

    def _year(self, year: int) -> dict[dt.date, bool]:
        if year not in self._overrides:
            self.preload(dt.date(year, 1, 1), dt.date(year, 12, 31))
        return self._overrides[year]

    def is_year_known(self, year: int) -> bool:
        return package_knows_year(year) or bool(self._year(year))

    def is_working_day(self, day: dt.date) -> bool:
        _check_day(day)
        overrides = self._year(day.year)
        if day in overrides:
            return overrides[day]
        answer = package_says(day)
        if answer is not None:
            return answer
        if overrides:
            return day.weekday() < 5
        raise CalendarUnknownError(day.year)

    def roll_to_working_day(self, day: dt.date) -> dt.date:
        """``day`` if it is a working day, else the next working day (R-00a)."""
        _check_day(day)
        self.preload(day, day + dt.timedelta(days=14))
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    def add_calendar_days(self, start: dt.date, n: int) -> dt.date:
        """The last day of a period of ``n`` calendar days after ``start`` (R-00a)."""
        _check_day(start, "start")
        end = start + dt.timedelta(days=_check_count(n))
        return self.roll_to_working_day(end)

    def add_working_days(self, start: dt.date, n: int) -> dt.date:
        """The ``n``-th working day after ``start`` (R-00a, R-00b); ``start`` itself for 0."""
        _check_day(start, "start")
        _check_count(n)
        # Five working days a week plus the longest holiday (Spring Festival, 9 days) covers it.
        self.preload(start, start + dt.timedelta(days=n * 7 // 5 + 21))
        day, counted = start, 0
        while counted < n:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Working days after ``start`` up to and including ``end`` (R-00a, R-00b).

        ``working_days_between(s, add_working_days(s, n)) == n``. Negative when ``end`` is
        before ``start`` (e.g. how many working days a deadline is overdue).
        """
        _check_day(start, "start")
        _check_day(end, "end")
        if end < start:
            return -self.working_days_between(end, start)
        self.preload(start, end)
        count = 0
        day = start + dt.timedelta(days=1)
        while day <= end:
            if self.is_working_day(day):
                count += 1
            day += dt.timedelta(days=1)
        return count


# --------------------------------------------------------------------------------------------
# Services


def _session_loader(session: Session) -> OverrideLoader:
    def load(first_year: int, last_year: int) -> dict[dt.date, bool]:
        rows = session.execute(
            select(CalendarOverride.day, CalendarOverride.is_working_day).where(
                CalendarOverride.day >= dt.date(first_year, 1, 1),
                CalendarOverride.day <= dt.date(last_year, 12, 31),
            )
        )
        return {day: bool(working) for day, working in rows}

    return load


def calendar_for(session: Session) -> WorkingCalendar:
    """A calendar reading ``session``'s overrides; reuse it for several computations in a row."""
    return WorkingCalendar(_session_loader(session))


def is_working_day(session: Session, day: dt.date) -> bool:
    return calendar_for(session).is_working_day(day)


def is_year_known(session: Session, year: int) -> bool:
    """Whether dates in ``year`` can be computed (the package or an admin knows the year)."""
    return calendar_for(session).is_year_known(year)


def roll_to_working_day(session: Session, day: dt.date) -> dt.date:
    """``day`` if it is a working day, else the next working day (R-00a)."""
    return calendar_for(session).roll_to_working_day(day)


def add_calendar_days(session: Session, start: dt.date, n: int) -> dt.date:
    """End of a period of ``n`` calendar days: start not counted, a rest-day end rolls (R-00a)."""
    return calendar_for(session).add_calendar_days(start, n)


def add_working_days(session: Session, start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (R-00b); ``start`` itself for ``n == 0``."""
    return calendar_for(session).add_working_days(start, n)


def working_days_between(session: Session, start: dt.date, end: dt.date) -> int:
    """Working days in ``(start, end]``; negative when ``end < start``."""
    return calendar_for(session).working_days_between(start, end)


def _check_note(note: str) -> str:
    note = note.strip()
    if not note:
        raise CalendarInputError(
            "请填写维护说明（例如国务院办公厅通知的文号）",
            "a note is required (e.g. the State Council notice it follows)",
            field="note",
        )
    if len(note) > NOTE_MAX_LENGTH:
        raise CalendarInputError(
            f"说明不能超过 {NOTE_MAX_LENGTH} 个字符",
            f"the note cannot be longer than {NOTE_MAX_LENGTH} characters",
            field="note",
        )
    return note


def _who(actor: audit.Actor) -> str:
    return (actor.user_id or f"system:{actor.role}")[:64]


def _state(row: CalendarOverride | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"is_working_day": row.is_working_day, "note": row.note, "updated_by": row.updated_by}


def set_override(
    session: Session, actor: audit.Actor, day: dt.date, is_working_day: bool, note: str
) -> CalendarOverride:
    """Declare ``day`` a working day or a rest day (R-00c), logged to supervision."""
    _check_day(day)
    note = _check_note(note)
    moment = clock.now(session)
    row = session.get(CalendarOverride, day)
    previous = _state(row)
    if row is None:
        row = CalendarOverride(day=day)
        session.add(row)
    row.is_working_day = bool(is_working_day)
    row.note = note
    row.updated_by = _who(actor)
    row.updated_at = moment
    session.flush()
    audit.record(
        session,
        actor,
        "calendar.override_set",
        f"calendar/{day.isoformat()}",
        {
            "day": day.isoformat(),
            "is_working_day": row.is_working_day,
            "note": note,
            "package_says": package_says(day),
            "previous": previous,
        },
    )
    return row


def remove_override(session: Session, actor: audit.Actor, day: dt.date) -> None:
    """Remove the override of ``day`` (the package decides again), logged to supervision."""
    _check_day(day)
    row = session.get(CalendarOverride, day)
    if row is None:
        raise CalendarOverrideNotFoundError(day)
    previous = _state(row)
    session.delete(row)
    session.flush()
    audit.record(
        session,
        actor,
        "calendar.override_removed",
        f"calendar/{day.isoformat()}",
        {"day": day.isoformat(), "package_says": package_says(day), "previous": previous},
    )


def list_overrides(session: Session, year: int) -> list[CalendarOverride]:
    """The overrides of ``year`` in date order."""
    return list(
        session.scalars(
            select(CalendarOverride)
            .where(
                CalendarOverride.day >= dt.date(year, 1, 1),
                CalendarOverride.day <= dt.date(year, 12, 31),
            )
            .order_by(CalendarOverride.day)
        )
    )
