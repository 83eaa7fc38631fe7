"""The spike's check of the log (loadtests.spike.truth.late_bid_entries) on a real log: a bid
promised before the deadline is on time though its entry is appended after it, by the close."""

from __future__ import annotations

import datetime as dt

from loadtests.spike.truth import late_bid_entries
from supervision import services
from tests import clock as test_clock
from trading import db
from trading.audit import Actor

BIDDER = Actor(user_id=None, role="bidder", ip=None)
SYSTEM = Actor.system("closing")
TENDER = "tender/1"


def _promise(bid: str) -> None:
    with db.transaction() as session:
        services.promise(session, BIDDER, "bid.submitted", TENDER, {"bid": bid})


def _record(action: str) -> None:
    with db.transaction() as session:
        services.record(session, SYSTEM, action, TENDER, {})


def _log() -> list[services.Entry]:
    with db.read_only() as session:
        return services.entries(session, subject=TENDER, limit=100)


def test_a_bid_promised_before_the_deadline_is_on_time_though_appended_after_it(
        database: str) -> None:
    deadline = test_clock.now() + dt.timedelta(seconds=10)
    _promise("early")
    test_clock.advance_past(deadline)
    _record("tender.closed")  # appends the waiting promise first, after the deadline
    log = _log()
    assert [e.action for e in log] == ["bid.submitted", "tender.closed"]
    assert log[0].created_at >= deadline  # appended late, received in time
    assert late_bid_entries(log, deadline) == []


def test_a_bid_received_after_the_deadline_or_logged_after_the_close_is_named(
        database: str) -> None:
    deadline = test_clock.now() + dt.timedelta(seconds=10)
    _record("tender.closed")
    test_clock.advance_past(deadline)
    _promise("late")
    _record("tender.opened")  # appends it
    problems = late_bid_entries(_log(), deadline)
    assert problems == ["log entry 1 (bid.submitted) received at or after the deadline",
                        "log entry 1 (bid.submitted) after the closing entry"]


def test_without_a_close_every_bid_entry_is_named(database: str) -> None:
    deadline = test_clock.now() + dt.timedelta(seconds=10)
    _promise("early")
    _record("tender.updated")
    assert late_bid_entries(_log(), deadline) == [
        "log entry 0 (bid.submitted) after the closing entry"]
