"""Due work held by a worker that died: handed out again within seconds, not a lease later.

A worker reserves a task's message as soon as the broker delivers it, which for a job sent
with a countdown (``trading.job_dispatch``) is up to ``dispatch_lookahead_seconds`` before it is
due. Killed then (``kill -9``, the machine lost), the message stays unacknowledged: in Redis's
``unacked`` set until kombu's ``visibility_timeout`` (an hour), in the embedded transport for
ever. The job row only knows that its lease (``job_lease_seconds``) has not run out, so until
this module the tender closed ``job_lease_seconds`` after its deadline.

Every worker process keeps a ``worker_presence`` row fresh from a thread (every
``worker_presence_seconds``, database clock without the test offset, so moving the test clock
does not make workers look dead). Two events then release the leases of the jobs that are due
but still ``queued`` (``release_overdue``), so that the dispatcher sends them again in its next
round:

- a worker starts (``worker_started``): whatever a previous incarnation held is lost;
- the dispatcher sees a presence row that has not been refreshed for
  ``PRESENCE_MISSED_BEATS`` intervals (``reap_lost_workers``): that worker died without saying
  goodbye, and another worker takes its work.

Jobs whose handler is registered with ``on_worker_loss=True`` (the opening's watchdog, which
re-sends the per-bid decryption tasks a dead worker held) are also brought forward to now.

Releasing too much is harmless: a job's message is a guarded no-op once the job ran, so a
live worker's reserved message and the dispatcher's second copy run the handler once between
them. (A job waiting out a retry backoff gets one early attempt; its attempt count still
bounds it.) A worker that stops cleanly removes its row (``worker_stopped``) and is not "lost".
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from sqlalchemy import String, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import audit, clock, db, jobs
from trading.db import Base, UTCDateTime
from trading.jobs import SCHEDULER, JobStatus, ScheduledJob
from trading.settings import get_settings

logger = logging.getLogger(__name__)

#: A worker whose row was not refreshed for this many intervals is taken for dead.
PRESENCE_MISSED_BEATS = 3


class WorkerPresence(Base):
    """A running worker process: when it started and when it last said it was alive."""

    __tablename__ = "worker_presence"

    hostname: Mapped[str] = mapped_column(String(255), primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


def real_now(session: Session) -> dt.datetime:
    """The database's own clock (never the test offset: presence is about real seconds)."""
    return clock.as_utc(session.execute(select(clock.real_now_column(session))).scalar_one())


def _upsert(session: Session, hostname: str, now: dt.datetime, started: bool) -> None:
    # A beat also inserts: a worker taken for dead (a long pause) that beats again is back.
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WorkerPresence).values(hostname=hostname, started_at=now, seen_at=now)
    changed = {"started_at": now, "seen_at": now} if started else {"seen_at": now}
    session.execute(statement.on_conflict_do_update(index_elements=["hostname"], set_=changed))


def release_overdue(session: Session, reason: str, hostname: str) -> int:
    """Make due-but-queued jobs claimable again now; bring ``on_worker_loss`` jobs forward.

    Returns how many jobs were released. Each is logged (``job.lease_released``) with the
    reason and the worker concerned, in the caller's transaction.
    """
    now = clock.now(session)
    watchdogs = jobs.worker_loss_kinds()
    overdue = or_due = ScheduledJob.due_at <= now
    if watchdogs:
        or_due = overdue | ScheduledJob.kind.in_(watchdogs)
    candidates = session.scalars(
        select(ScheduledJob)
        .where(ScheduledJob.status.in_(jobs.ACTIVE_STATUSES), or_due)
        .order_by(ScheduledJob.due_at)
        .limit(jobs.DISPATCH_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    released = 0
    for job in candidates:
        pending = job.status == JobStatus.PENDING.value
        if pending and job.due_at <= now:
            continue  # the dispatcher takes it anyway
        if not pending and job.due_at <= now and job.lease_until is None:
            continue  # already claimable
        values: dict[str, Any] = {"updated_at": now}
        if not pending:
            values["lease_until"] = None
        if job.due_at > now:
            values["due_at"] = now  # a watchdog: run it now rather than at its next turn
        session.execute(update(ScheduledJob).where(ScheduledJob.id == job.id,
                                                   ScheduledJob.version == job.version)
                        .values(**values).execution_options(synchronize_session=False))
        audit.record(session, SCHEDULER, "job.lease_released", job.subject,
                     {"job_id": job.id, "kind": job.kind, "version": job.version,
                      "reason": reason, "worker": hostname})
        released += 1
    return released


def worker_started(hostname: str) -> int:
    """A worker came up: note it, and hand out again what a previous incarnation held."""
    with db.transaction() as session:
        now = real_now(session)
        _upsert(session, hostname, now, started=True)
        released = release_overdue(session, "worker_started", hostname)
    if released:
        logger.info("worker %s started: %d due job(s) released for re-sending", hostname,
                    released)
    return released


def beat(hostname: str) -> None:
    """Refresh ``hostname``'s presence row."""
    with db.transaction() as session:
        _upsert(session, hostname, real_now(session), started=False)


def worker_stopped(hostname: str) -> None:
    """A clean stop: the worker acknowledged or returned what it held; it is not lost."""
    with db.transaction() as session:
        session.execute(delete(WorkerPresence).where(WorkerPresence.hostname == hostname))


def presence_timeout() -> dt.timedelta:
    return dt.timedelta(seconds=get_settings().worker_presence_seconds * PRESENCE_MISSED_BEATS)


def reap_lost_workers(session: Session) -> list[str]:
    """Forget workers that stopped beating and release the due jobs; return their names."""
    cutoff = real_now(session) - presence_timeout()
    lost = list(session.scalars(
        select(WorkerPresence.hostname).where(WorkerPresence.seen_at < cutoff)
        .with_for_update(skip_locked=True)))
    if not lost:
        return []
    session.execute(delete(WorkerPresence).where(WorkerPresence.hostname.in_(lost)))
    released = release_overdue(session, "worker_lost", ", ".join(sorted(lost)))
    logger.warning("worker(s) %s stopped beating: %d due job(s) released for re-sending",
                   ", ".join(lost), released)
    return lost


class PresenceThread(threading.Thread):
    """Beats for one worker process until ``stop`` (errors are logged; the next beat retries)."""

    def __init__(self, hostname: str) -> None:
        super().__init__(name="worker-presence", daemon=True)
        self.hostname = hostname
        self.stopping = threading.Event()

    def run(self) -> None:
        interval = get_settings().worker_presence_seconds
        while not self.stopping.wait(interval):
            try:
                beat(self.hostname)
            except Exception:
                logger.exception("worker presence beat failed; retrying")

    def stop(self) -> None:
        self.stopping.set()
