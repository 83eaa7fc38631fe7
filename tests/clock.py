"""Moving the test clock (trading.clock): every process on the test's database sees it.

Tests call these instead of sleeping until a deadline: ``advance(dt.timedelta(hours=1))``
puts the database clock (what every legal decision reads) an hour later, for the web app, the
Celery worker and the dispatcher alike.
"""

from __future__ import annotations

import datetime as dt

from trading import clock, db


def now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)


def set_now(moment: dt.datetime) -> dt.datetime:
    """Make ``moment`` the database's now; return it."""
    with db.transaction() as session:
        clock.set_test_now(session, moment)
    return moment


def advance(delta: dt.timedelta) -> dt.datetime:
    """Move the clock forward by ``delta``; return the new now."""
    with db.transaction() as session:
        return clock.advance_test_clock(session, delta)


def advance_past(moment: dt.datetime, by: dt.timedelta = dt.timedelta(seconds=1)) -> dt.datetime:
    """Move the clock to ``by`` after ``moment`` (a deadline, a due time); never backwards.

    What a test does instead of sleeping until a deadline. Returns the new now."""
    return advance(max(moment - now(), dt.timedelta(0)) + by)


def beijing(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """An instant given in Beijing time (the zone the law counts days in)."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=clock.LEGAL_ZONE)
