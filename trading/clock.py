"""The one source of "now": the database clock.

Every legal decision (is the deadline past? is the publicity window open?) asks the database,
so that several web workers on several machines agree on the time. Times are UTC inside the
platform and shown in the configured display zone (``GGZY_TIMEZONE``, Asia/Shanghai by
default). Legal days are always counted in Asia/Shanghai (:func:`legal_day`), whatever the
display zone: the law's "day" is Beijing's.

The test clock: with ``GGZY_TEST_CLOCK=1`` (or ``GGZY_TEST_NOW``) and never in production,
``now`` adds an offset kept in the one-row ``test_clock`` table. Every process reading the
same database (web workers, Celery workers, the dispatcher, a test) sees the same moved time,
so a test moves the clock past a deadline instead of sleeping until it.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    DateTime,
    Integer,
    Select,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading.db import Base
from trading.settings import get_settings

#: The zone in which the law counts days (R-00a): Beijing time, never the display setting.
LEGAL_ZONE = ZoneInfo("Asia/Shanghai")
TEST_CLOCK_ROW = 1


class TestClock(Base):
    """The test clock's offset from the database's real clock (one row; tests and demos only)."""

    __tablename__ = "test_clock"
    __test__ = False  # not a pytest test class

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    offset_us: Mapped[int] = mapped_column(BigInteger, default=0)


class TestClockDisabledError(RuntimeError):
    def __init__(self) -> None:
        super().__init__("the test clock is off: set GGZY_TEST_CLOCK=1 (never in production)")


def now(session: Session) -> dt.datetime:
    """The database's current time as an aware UTC datetime."""
    statement = _now_select(_is_sqlite(session), get_settings().test_clock)
    return as_utc(session.connection().execute(statement).scalar_one())


@lru_cache(maxsize=4)
def _now_select(sqlite: bool, test_clock: bool) -> Select[Any]:
    # Built once per kind (a hot path reads the clock several times a request): the same
    # statement object keeps its compiled form and cache key.
    return select(_now_column(sqlite, test_clock))


def now_column(session: Session) -> ColumnElement[Any]:
    """The database time as a column, to fetch with the rows a page reads (one round trip)."""
    return _now_column(_is_sqlite(session), get_settings().test_clock)


def _now_column(sqlite: bool, test_clock: bool) -> ColumnElement[Any]:
    if not test_clock:
        return _real_now_column(sqlite)
    offsets = TestClock.__table__.c
    offset_us = (select(offsets.offset_us).where(offsets.id == TEST_CLOCK_ROW)
                 .scalar_subquery())
    if sqlite:
        modifier = func.printf("%+.6f seconds", func.coalesce(offset_us, 0) / 1_000_000.0)
        return func.strftime("%Y-%m-%dT%H:%M:%f", "now", modifier)
    step: ColumnElement[Any] = literal_column("interval '1 microsecond'")
    return type_coerce(func.clock_timestamp() + func.coalesce(offset_us, 0) * step,
                       DateTime(timezone=True))


def real_now_column(session: Session) -> ColumnElement[Any]:
    """The database's own clock, without the test clock's offset."""
    return _real_now_column(_is_sqlite(session))


def _real_now_column(sqlite: bool) -> ColumnElement[Any]:
    if sqlite:
        return func.strftime("%Y-%m-%dT%H:%M:%f", "now")
    # clock_timestamp() is the real time of the statement, not of the transaction start: a
    # bid committed late in a long transaction must not borrow the earlier start time.
    return func.clock_timestamp()


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# --------------------------------------------------------------------------------------------
# The test clock


def _require_test_clock() -> None:
    if not get_settings().test_clock:
        raise TestClockDisabledError()


def test_offset(session: Session) -> dt.timedelta:
    """How far the test clock is ahead of (or behind) the database's real clock."""
    _require_test_clock()
    offset = session.scalar(select(TestClock.offset_us).where(TestClock.id == TEST_CLOCK_ROW))
    return dt.timedelta(microseconds=offset or 0)


def set_test_offset(session: Session, offset: dt.timedelta) -> None:
    global _display_offset
    _require_test_clock()
    _display_offset = None  # this process's header clock measures the moved time afresh
    micros = int(offset / dt.timedelta(microseconds=1))
    row = session.get(TestClock, TEST_CLOCK_ROW)
    if row is None:
        session.add(TestClock(id=TEST_CLOCK_ROW, offset_us=micros))
    else:
        row.offset_us = micros
    session.flush()


def set_test_now(session: Session, moment: dt.datetime) -> None:
    """Move the test clock so that ``now`` is ``moment`` (time goes on running from there)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: cannot tell which zone it is in")
    real = as_utc(session.execute(select(real_now_column(session))).scalar_one())
    set_test_offset(session, moment.astimezone(dt.UTC) - real)


def advance_test_clock(session: Session, delta: dt.timedelta) -> dt.datetime:
    """Move the test clock forward by ``delta``; return the new now."""
    set_test_offset(session, test_offset(session) + delta)
    return now(session)


def start_test_clock(session: Session) -> None:
    """At start-up: put the test clock at ``GGZY_TEST_NOW`` when that is set."""
    start = get_settings().test_now
    if start is not None:
        set_test_now(session, start)


def as_utc(value: str | dt.datetime) -> dt.datetime:
    """A value read from ``now_column`` as an aware UTC datetime (SQLite returns text)."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


# Display only: the offset between the database clock and this process's clock, re-measured
# every few seconds, so that rendering a page's header clock costs no query. Legal decisions
# never use it; they call now(session).
_DISPLAY_REFRESH_SECONDS = 5.0
_display_offset: tuple[float, dt.timedelta] | None = None


def display_now(measure: Callable[[], dt.datetime]) -> dt.datetime:
    """The database time for showing to a person; ``measure`` reads the database clock."""
    global _display_offset
    cached = _display_offset
    if cached is None or time.monotonic() - cached[0] > _DISPLAY_REFRESH_SECONDS:
        cached = (time.monotonic(), measure() - dt.datetime.now(dt.UTC))
        _display_offset = cached
    return dt.datetime.now(dt.UTC) + cached[1]


@lru_cache(maxsize=1)
def local_zone() -> ZoneInfo:
    """The display zone (``GGZY_TIMEZONE``): how times are shown, never how days are counted."""
    return ZoneInfo(get_settings().timezone)


def legal_day(moment: dt.datetime) -> dt.date:
    """The calendar day of ``moment`` in Beijing, the day the law counts (R-00a)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: cannot tell which zone it is in")
    return moment.astimezone(LEGAL_ZONE).date()


def legal_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in Beijing."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=LEGAL_ZONE).astimezone(dt.UTC)


def legal_end_of_day_utc(day: dt.date) -> dt.datetime:
    """24:00 of ``day`` in Beijing: a period "on" or "until" a day ends there (R-00a)."""
    return legal_midnight_utc(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)


def at_legal_time(day: dt.date, moment: dt.datetime) -> dt.datetime:
    """``day`` at the Beijing time of day of ``moment`` (a moved deadline keeps its hour)."""
    local = moment.astimezone(LEGAL_ZONE)
    return dt.datetime.combine(day, local.time(), tzinfo=LEGAL_ZONE).astimezone(dt.UTC)


def to_local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the platform's display zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: cannot tell which zone it is in")
    return moment.astimezone(local_zone())


def format_local(moment: dt.datetime, with_seconds: bool = True) -> str:
    pattern = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return to_local(moment).strftime(pattern)
