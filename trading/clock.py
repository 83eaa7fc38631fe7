"""The one source of "now": the database clock.

Every legal decision (is the deadline past? is the publicity window open?) asks the database,
so that several web workers on several machines agree on the time. Times are UTC inside the
platform and shown in the configured zone (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from trading.settings import get_settings


def now(session: Session) -> dt.datetime:
    """The database's current time as an aware UTC datetime."""
    return as_utc(session.execute(select(now_column(session))).scalar_one())


def now_column(session: Session) -> ColumnElement[Any]:
    """The database time as a column, to fetch with the rows a page reads (one round trip)."""
    if session.get_bind().dialect.name == "sqlite":
        return func.strftime("%Y-%m-%dT%H:%M:%f", "now")
    # clock_timestamp() is the real time of the statement, not of the transaction start: a
    # bid committed late in a long transaction must not borrow the earlier start time.
    return func.clock_timestamp()


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
    return ZoneInfo(get_settings().timezone)


def to_local(moment: dt.datetime) -> dt.datetime:
    """``moment`` in the platform's display zone."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: cannot tell which zone it is in")
    return moment.astimezone(local_zone())


def format_local(moment: dt.datetime, with_seconds: bool = True) -> str:
    pattern = "%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M"
    return to_local(moment).strftime(pattern)


def local_midnight_utc(day: dt.date) -> dt.datetime:
    """The UTC instant at which ``day`` begins in the display zone."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=local_zone()).astimezone(dt.UTC)


def local_end_of_day_utc(day: dt.date) -> dt.datetime:
    """The last instant of ``day`` in the display zone (a deadline "on" a day ends there)."""
    return local_midnight_utc(day + dt.timedelta(days=1)) - dt.timedelta(microseconds=1)
