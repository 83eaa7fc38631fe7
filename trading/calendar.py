"""Working days and legal periods: one implementation used by every domain.

Rules (docs: shared/design/rules.md):

- R-00a The start day is not counted; a period ending on a statutory holiday or rest day ends on
  the next working day. "Within / at least N" includes N.
- R-00b Licensing and intake time limits count working days.
- R-00c Holidays and make-up working days follow the State Council's yearly arrangement.

Every year is either *confirmed* or *provisional*:

- confirmed: the State Council's arrangement is known, from an admin's entry of the whole year
  (``calendar_year`` and its days: holidays and make-up working days, all at once) or from the
  ``chinese_calendar`` package (the arrangements it ships, 2004 onwards). An admin's entry wins.
- provisional: nobody knows the arrangement yet. The days the law itself fixes for every year
  (the statutory holidays of 全国年节及纪念日放假办法, with the weekday given in lieu when one
  falls on a weekend, from the ``holidays`` package) are rest days, as are Saturdays and
  Sundays; there are no make-up working days. A provisional year never refuses a computation:
  the result is marked provisional (``WorkingCalendar.provisional_years``), and the domain that
  relies on it records a :class:`CalendarDependency` (``trading.calendar_years``) that is
  re-checked when the year is confirmed.

Each service call loads the entries it needs a whole year at a time, all the years of a range
in one query, never one query per day. The arithmetic itself lives in :class:`WorkingCalendar`,
which takes any entry source, so that it can be tested without a database.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import chinese_calendar
import holidays
from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading.db import Base, UTCDateTime
from trading.errors import UserError

BASIS_MAX_LENGTH = 200
NAME_MAX_LENGTH = 50
#: Years an admin may enter (and the calendar page may show).
FIRST_YEAR, LAST_YEAR = 2000, 2100


class YearSource(enum.StrEnum):
    ADMIN = "admin"  # entered by an admin from the State Council's notice
    PACKAGE = "package"  # shipped by the chinese_calendar package
    PROVISIONAL = "provisional"  # statutory holidays only, until the arrangement is entered


class CalendarYear(Base):
    """An admin's entry of one year's whole arrangement (R-00c); wins over the package."""

    __tablename__ = "calendar_year"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    basis: Mapped[str] = mapped_column(String(BASIS_MAX_LENGTH))
    entered_by: Mapped[str] = mapped_column(String(64))
    entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CalendarYearDay(Base):
    """A holiday (not a working day) or a make-up working day of an entered year."""

    __tablename__ = "calendar_year_day"

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    year: Mapped[int] = mapped_column(ForeignKey("calendar_year.year"), index=True)
    is_working_day: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str | None] = mapped_column(String(NAME_MAX_LENGTH))


class CalendarError(UserError):
    """A calendar problem, with its reason in Chinese and in English."""


class CalendarInputError(CalendarError):
    """A refused argument (a negative period, a day outside its year)."""


@dataclass(frozen=True)
class EnteredYear:
    """What an entry source knows of one year: its days off and make-up working days."""

    days: Mapping[dt.date, bool] = field(default_factory=dict)


#: Loads the admin entries of the years ``first..last`` (inclusive) as {year: EnteredYear}.
EntryLoader = Callable[[int, int], Mapping[int, EnteredYear]]


# --------------------------------------------------------------------------------------------
# The packages


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


@lru_cache(maxsize=256)
def statutory_holidays(year: int) -> Mapping[dt.date, str]:
    """The rest days the law fixes for ``year`` (with the weekday given in lieu of one that
    falls on a weekend), without the State Council's yearly swaps ("substituted" days)."""
    china = holidays.country_holidays("CN", years=year, language="en_US")
    return {day: name for day, name in sorted(china.items())
            if "substituted" not in name.lower()}


@lru_cache(maxsize=256)
def fixed_statutory_days(year: int) -> Mapping[dt.date, str]:
    """The statutory holidays themselves (not the days in lieu): every arrangement has them."""
    return {day: name for day, name in statutory_holidays(year).items()
            if "observed" not in name.lower()}


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
    """Working-day arithmetic over one entry source.

    The source is asked for whole years, each year once; :meth:`preload` asks for several years
    in one call (one query). ``provisional_years`` collects every provisional year a
    computation looked at, so that its caller can mark the result.
    """

    def __init__(self, load_entries: EntryLoader) -> None:
        self._load = load_entries
        self._entries: dict[int, EnteredYear | None] = {}
        self.provisional_years: set[int] = set()

    def preload(self, first: dt.date, last: dt.date) -> None:
        """Load the entries of every year from ``first`` to ``last`` not loaded yet."""
        years = [y for y in range(first.year, last.year + 1) if y not in self._entries]
        if not years:
            return
        loaded = self._load(years[0], years[-1])
        for year in years:
            self._entries[year] = loaded.get(year)

    def _entry(self, year: int) -> EnteredYear | None:
        if year not in self._entries:
            self.preload(dt.date(year, 1, 1), dt.date(year, 12, 31))
        return self._entries[year]

    def source_of(self, year: int) -> YearSource:
        if self._entry(year) is not None:
            return YearSource.ADMIN
        return YearSource.PACKAGE if package_knows_year(year) else YearSource.PROVISIONAL

    def is_confirmed(self, year: int) -> bool:
        return self.source_of(year) != YearSource.PROVISIONAL

    def is_working_day(self, day: dt.date) -> bool:
        _check_day(day)
        entry = self._entry(day.year)
        if entry is not None:
            listed = entry.days.get(day)
            return day.weekday() < 5 if listed is None else listed
        answer = package_says(day)
        if answer is not None:
            return answer
        self.provisional_years.add(day.year)
        return day.weekday() < 5 and day not in statutory_holidays(day.year)

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

    def period_end(self, start: dt.date, n: int, working_days: bool = False) -> dt.date:
        """The end of a period of ``n`` days (or working days) after ``start`` (R-00a)."""
        if working_days:
            return self.add_working_days(start, n)
        return self.add_calendar_days(start, n)

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


def days_before(act_day: dt.date, deadline_day: dt.date) -> int:
    """How many days an act on ``act_day`` comes before ``deadline_day`` (R-00a: the act's own
    day is not counted, the deadline's is). "At least N days before" holds when this is >= N;
    no rolling applies, since the deadline is fixed and no period ends on a rest day."""
    return (_check_day(deadline_day, "deadline_day") - _check_day(act_day, "act_day")).days


# --------------------------------------------------------------------------------------------
# Services


def session_loader(session: Session) -> EntryLoader:
    """Loads the admin entries stored in ``session``'s database."""

    def load(first_year: int, last_year: int) -> dict[int, EnteredYear]:
        years = set(session.scalars(select(CalendarYear.year).where(
            CalendarYear.year >= first_year, CalendarYear.year <= last_year)))
        if not years:
            return {}
        rows = session.execute(
            select(CalendarYearDay.day, CalendarYearDay.is_working_day).where(
                CalendarYearDay.year.in_(years)))
        days: dict[int, dict[dt.date, bool]] = {year: {} for year in years}
        for day, working in rows:
            days[day.year][day] = bool(working)
        return {year: EnteredYear(entered) for year, entered in days.items()}

    return load


def calendar_for(session: Session) -> WorkingCalendar:
    """A calendar reading ``session``'s entries; reuse it for several computations in a row."""
    return WorkingCalendar(session_loader(session))


def is_working_day(session: Session, day: dt.date) -> bool:
    return calendar_for(session).is_working_day(day)


def year_source(session: Session, year: int) -> YearSource:
    """Where ``year``'s arrangement comes from (provisional: nobody has confirmed it yet)."""
    return calendar_for(session).source_of(year)


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


def entered_days(session: Session, year: int) -> list[CalendarYearDay]:
    """The holidays and make-up days an admin entered for ``year``, in date order."""
    query = select(CalendarYearDay).where(CalendarYearDay.year == year)
    return list(session.scalars(query.order_by(CalendarYearDay.day)))


def entered_year(session: Session, year: int) -> CalendarYear | None:
    return session.get(CalendarYear, year)
