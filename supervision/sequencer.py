"""Promised entries and their integration: a busy writer does not wait for the log's head.

A bid at the deadline must not queue behind every other bid for the one head row. It calls
``promise`` instead of ``services.record``: one INSERT into ``log_pending``, no lock, and the
promise number and database time go into its signed receipt (a signed promise, as certificate
transparency's signed certificate timestamps are). The pending rows are appended in batches:

- by every ``services.record`` before its own entry (it holds the head lock anyway), so a
  state change such as a tender's close is always logged after every promise committed before
  it: the closing's UPDATE of the tender waits for the submissions holding it in share mode;
- by the dispatcher's ``run`` loop every ``MERGE_DELAY_SECONDS`` at most, whatever happens:
  the one sequencer, as certificate transparency's logs integrate within a maximum merge
  delay. The bid's own request does not append after its commit: that second transaction
  per bid cost the web workers a quarter of their receipts at a deadline spike.

An appended promise keeps its number and time in the entry's body (``promise``,
``received_at``) and in ``log_entry.promise``, so ``kept_promises`` maps receipts to log positions.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, bindparam, delete, exists, func, insert, select
from sqlalchemy.orm import Session

from supervision.appending import Head, NewEntry, append, canonical_bytes, format_time, lock_head, to_millis
from supervision.models import LogEntry, LogPending
from trading import clock, db
from trading.audit import Actor
from trading.db import Base

_PENDING = Base.metadata.tables[LogPending.__tablename__]

MERGE_DELAY_SECONDS = 1.0  # the longest a promise waits for the tree (the run loop's period)
KEPT_KEYS = frozenset({"promise", "received_at"})  # what appending adds to a promised body
BATCH = 2000  # promises appended per statement batch; the rest wait for the next batch

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Promise:
    """What a promising writer learns at once: its promise number and the database time."""

    number: int
    received_at: datetime


def promise(session: Session, actor: Actor, action: str, subject: str,
            body: dict[str, Any], at: datetime | None = None) -> Promise:
    """Promise an entry in ``session``'s transaction without locking the head (never commits).
    ``at`` is the database time the caller decided on (default: now). A body that cannot be
    logged is refused here, not later in the sequencer."""
    if body.keys() & KEPT_KEYS:
        raise ValueError(f"a promised body may not use the keys {sorted(KEPT_KEYS)}")
    moment = to_millis(at or clock.now(session))
    canonical_bytes(0, moment, actor, action, subject, body)
    number = session.connection().execute(_INSERT_PROMISE, {
        "received_at": moment, "actor_user_id": actor.user_id, "actor_role": actor.role,
        "actor_ip": actor.ip, "action": action, "subject": subject, "body": body,
    }).scalar_one()
    return Promise(number, moment)


# Built once, on the table (a promise is a bid's hot path: no ORM insert machinery).
_INSERT_PROMISE = insert(_PENDING).returning(_PENDING.c.id)


_ANY_WAITING = exists(select(_PENDING.c.id))


def any_waiting() -> ColumnElement[bool]:
    """Whether any promise visible to the statement waits for the tree (for a SELECT list)."""
    return _ANY_WAITING


def drain(session: Session, head: Head, moment: datetime) -> Head:
    """Append every promise visible to this transaction, oldest first; the head is locked."""
    connection = session.connection()
    while True:
        pending = connection.execute(_OLDEST_PENDING).all()  # rows, not ORM objects
        if not pending:
            return head
        head = append(session, head, moment, [_kept(row) for row in pending])
        connection.execute(_DELETE_PENDING, {"numbers": [row.id for row in pending]})
        if len(pending) < BATCH:
            return head


_OLDEST_PENDING = select(_PENDING).order_by(_PENDING.c.id).limit(BATCH)
_DELETE_PENDING = delete(_PENDING).where(_PENDING.c.id.in_(bindparam("numbers", expanding=True)))


def integrate(session: Session, *, wait: bool = True) -> int:
    """Append the pending promises; without ``wait``, give up at once when another
    transaction holds the head (it will append them). Return how many were appended."""
    head = lock_head(session, skip_locked=not wait)
    if head is None:
        return 0
    before = head.size
    return drain(session, head, clock.now(session)).size - before


def integrate_soon() -> int:
    """A sequencer round: append now unless another transaction holds the head (that one
    appends them before its own entry)."""
    with db.transaction() as session:
        return integrate(session, wait=False)


def kept_promises(session: Session, numbers: Iterable[int]) -> dict[int, int]:
    """Promise number -> log index, for the promises already appended."""
    wanted = list(numbers)
    if not wanted:
        return {}
    rows = session.execute(select(LogEntry.promise, LogEntry.seq)
                           .where(LogEntry.promise.in_(wanted)))
    return {number: seq for number, seq in rows if number is not None}


def waiting(session: Session) -> int:
    """How many promises wait for the tree (a health figure; it says nothing about who)."""
    return session.scalar(select(func.count()).select_from(LogPending)) or 0


def run(stop_event: threading.Event, interval: float = MERGE_DELAY_SECONDS) -> None:
    """The dispatcher's sequencer loop: append pending promises at least every ``interval``."""
    while not stop_event.is_set():
        try:
            count = integrate_soon()
            if count:
                logger.info("appended %d promised log entries", count)
        except Exception:
            logger.exception("sequencer round failed; retrying next round")
        stop_event.wait(interval)


def _kept(row: Row[Any]) -> NewEntry:
    actor = Actor(user_id=row.actor_user_id, role=row.actor_role, ip=row.actor_ip)
    body = {**row.body, "promise": row.id, "received_at": format_time(row.received_at)}
    return NewEntry(actor, row.action, row.subject, body, promise=row.id)
