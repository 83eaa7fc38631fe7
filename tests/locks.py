"""For tests of concurrent writers on PostgreSQL: has another transaction started waiting?"""

from __future__ import annotations

import time

from sqlalchemy import text

from trading import db


def waiting_for_a_lock() -> bool:
    """Whether a backend of the test database waits for a lock (``pg_stat_activity``)."""
    with db.read_only() as session:
        return bool(session.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND wait_event_type = 'Lock'")))


def until_waiting_for_a_lock(limit_seconds: float = 20) -> bool:
    """Poll (every 10 ms, at most ``limit_seconds``) until another transaction waits for a
    lock; the answer is whether it did. It waits for PostgreSQL, never for a deadline."""
    limit = time.monotonic() + limit_seconds
    while not waiting_for_a_lock() and time.monotonic() < limit:
        time.sleep(0.01)
    return waiting_for_a_lock()
