"""Promised log entries (issue 17): a writer on a hot path promises an entry without locking
the log's head, and the promise is kept — appended, in order, before any later entry — by the
next append of any kind, by the committing request itself, or by the sequencer loop."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from sqlalchemy import text

from supervision import merkle, sequencer, services
from tests.conftest import BACKEND
from trading import db
from trading.audit import Actor

ANONYMOUS = Actor(user_id=None, role="bidder", ip=None)
STAFF = Actor(user_id="staff-1", role="staff", ip="10.0.0.9")
postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="row locks of PostgreSQL")


def _promise(subject: str = "tender/1", **body: Any) -> sequencer.Promise:
    with db.transaction() as session:
        return services.promise(session, ANONYMOUS, "bid.submitted", subject, body)


def _actions() -> list[tuple[str, dict[str, Any]]]:
    with db.read_only() as session:
        return [(e.action, e.body) for e in services.entries(session, limit=1000)]


def test_a_promise_is_kept_before_the_next_entry(database: str) -> None:
    first, second = _promise(n=1), _promise(n=2)
    assert second.number > first.number
    assert _actions() == []  # promised, not yet in the tree
    with db.transaction() as session:
        index = services.record(session, STAFF, "tender.closed", "tender/1", {})
    logged = _actions()
    assert [a for a, _ in logged] == ["bid.submitted", "bid.submitted", "tender.closed"]
    assert index == 2
    # The entry keeps the promise's number and time, which the receipt names.
    assert logged[0][1] == {"n": 1, "promise": first.number,
                            "received_at": services.format_time(first.received_at)}
    with db.read_only() as session:
        assert services.kept_promises(session, [first.number, second.number]) == {
            first.number: 0, second.number: 1}
        assert sequencer.waiting(session) == 0


def test_the_promised_entries_are_in_the_tree_like_any_other(database: str) -> None:
    for n in range(5):
        _promise(n=n)
    assert sequencer.integrate_soon() == 5
    with db.read_only() as session:
        rows = services.entries(session, limit=100)
        leaves = [merkle.leaf_hash(row.canonical) for row in rows]
        assert services.root_at(session, 5) == merkle.root_from_leaves(leaves)
    assert [row.seq for row in rows] == [0, 1, 2, 3, 4]


def test_a_body_that_could_shadow_the_kept_fields_is_refused(database: str) -> None:
    with pytest.raises(ValueError, match="promise"):
        _promise(promise=7)
    with pytest.raises(ValueError, match="not plain JSON"):
        _promise(value=float("nan"))
    with db.read_only() as session:
        assert sequencer.waiting(session) == 0


def test_a_rolled_back_promise_leaves_nothing(database: str) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        services.promise(session, ANONYMOUS, "bid.submitted", "tender/1", {"n": 1})
        raise RuntimeError("the bid's transaction failed")
    assert sequencer.integrate_soon() == 0
    assert _actions() == []


def test_the_sequencer_loop_keeps_a_promise_within_its_merge_delay(database: str) -> None:
    promised = _promise(n=1)
    stop = threading.Event()
    loop = threading.Thread(target=sequencer.run, args=(stop, 0.05), daemon=True)
    loop.start()
    try:
        deadline = time.monotonic() + 30  # generous: the machine may be loaded
        kept: dict[int, int] = {}
        while not kept and time.monotonic() < deadline:
            with db.read_only() as session:
                kept = services.kept_promises(session, [promised.number])
            time.sleep(0.02)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert kept == {promised.number: 0}


@postgres_only
def test_promising_does_not_wait_for_the_head_lock(database: str) -> None:
    """What issue 17 measured: every bid queued for the head row. A promise must not."""
    with db.transaction() as holder:
        services.record(holder, STAFF, "test.step", "test:1", {})  # holds the head row
        outcome: list[Any] = []

        def promise_elsewhere() -> None:
            try:
                with db.transaction() as session:
                    session.execute(text("SET LOCAL lock_timeout = '5s'"))
                    outcome.append(services.promise(session, ANONYMOUS, "bid.submitted",
                                                    "tender/1", {"n": 1}))
                outcome.append(sequencer.integrate_soon())  # skips: the head is held
            except Exception as error:  # the assertion below names it
                outcome.append(error)

        worker = threading.Thread(target=promise_elsewhere)
        worker.start()
        worker.join(timeout=30)
        assert not worker.is_alive()
        assert isinstance(outcome[0], sequencer.Promise), outcome
        assert outcome[1] == 0
    # The holder's entry came first; the promise is appended by the next append.
    assert sequencer.integrate_soon() == 1
    assert [a for a, _ in _actions()] == ["test.step", "bid.submitted"]
