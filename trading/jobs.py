"""Timed work: the ``scheduled_job`` table, scheduling, and the registry of job handlers.

The broker is not a database; the database holds the truth (see the architecture note):

1. ``schedule()`` writes a ``scheduled_job`` row in the transaction of the event that creates
   the deadline. Scheduling the same (kind, subject) again bumps ``version`` and ``due_at``,
   which turns every message already sent for the old version into a no-op.
2. One dispatcher (``trading.job_dispatch.run_dispatcher``) claims rows that are due or nearly
   due, marks them ``queued`` with a lease, and *after the commit* sends
   ``trading.run_job(id, version)`` to run at ``due_at``. A row whose lease ran out (message
   lost, worker died) is claimed again.
3. ``trading.job_runner.execute()`` (the body of ``trading.run_job``) is a guarded state change
   in one transaction: run twice it does nothing the second time; run early it asks to be
   retried; after a handler error it records the attempt and retries with backoff until the
   handler's attempt limit, then marks the job ``failed``.

Handlers are registered with ``@job_handler("kind")`` in the domains' task modules, which
only the worker imports. Every job state change is written to the supervision log.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Index,
    Integer,
    Row,
    String,
    Table,
    Text,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column
from sqlalchemy.sql.dml import Update

from trading import audit, clock
from trading.db import Base, UTCDateTime, forget

logger = logging.getLogger(__name__)

RUN_JOB_TASK = "trading.run_job"
HEARTBEAT_TASK = "trading.heartbeat"
SCHEDULER = audit.Actor.system("scheduler")

DISPATCH_BATCH = 500
# PostgreSQL channel on which a job scheduled as already due wakes the dispatcher at commit.
WAKE_CHANNEL = "ggzy_jobs"
MAX_BACKOFF_SECONDS = 600.0
ERROR_MAX_LENGTH = 2000
# A retry for an early delivery lands this long after due_at, so that rounding of the two
# clocks (SQLite keeps milliseconds) does not make it early a second time.
EARLY_MARGIN_SECONDS = 0.05


class JobStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for the dispatcher
    QUEUED = "queued"  # a message was sent; the lease says until when we trust it
    DONE = "done"
    CANCELLED = "cancelled"
    FAILED = "failed"  # the handler failed on every allowed attempt


ACTIVE_STATUSES = (JobStatus.PENDING.value, JobStatus.QUEUED.value)
_ACTIVE_SQL = "status IN ('pending', 'queued')"


class ScheduledJob(Base):
    """One piece of timed work: run handler ``kind`` for ``subject`` at ``due_at``."""

    __tablename__ = "scheduled_job"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'queued', 'done', 'cancelled', 'failed')", name="status"
        ),
        # At most one live job per (kind, subject); finished rows stay as history.
        Index(
            "uq_scheduled_job_active_kind_subject",
            "kind",
            "subject",
            unique=True,
            sqlite_where=_ACTIVE_SQL,
            postgresql_where=_ACTIVE_SQL,
        ),
        # The dispatcher's scan: live rows by due time.
        Index("ix_scheduled_job_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.PENDING.value)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


_JOBS = cast(Table, ScheduledJob.__table__)
# What a job's log entry names (``job_body``), read back by the Core statements that write it.
_JOB_FACTS = (_JOBS.c.id, _JOBS.c.kind, _JOBS.c.subject, _JOBS.c.version, _JOBS.c.due_at)
_INSERT_JOB = insert(_JOBS).returning(*_JOB_FACTS)


class WorkerHeartbeat(Base):
    """The last time (database clock) a worker on ``hostname`` ran ``trading.heartbeat``."""

    __tablename__ = "worker_heartbeat"

    hostname: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- handlers ------------------------------------------------------------------------------

JobHandler = Callable[[Session, ScheduledJob], None]


@dataclass(frozen=True)
class HandlerSpec:
    fn: JobHandler
    max_attempts: int = 5
    backoff_seconds: float = 10.0
    # A watchdog: run it at once when a worker is lost or restarts (trading.job_recovery).
    on_worker_loss: bool = False

    def backoff(self, attempts: int) -> float:
        """Seconds to wait after the ``attempts``-th failure (doubling, capped)."""
        return float(min(self.backoff_seconds * 2 ** max(attempts - 1, 0), MAX_BACKOFF_SECONDS))


_HANDLERS: dict[str, HandlerSpec] = {}


def job_handler(
    kind: str, *, max_attempts: int = 5, backoff_seconds: float = 10.0,
    on_worker_loss: bool = False,
) -> Callable[[JobHandler], JobHandler]:
    """Register ``fn(session, job)`` as the handler of ``kind``.

    The handler runs inside the job's guarded transaction: whatever it writes commits together
    with the job's ``done`` status, or not at all. It must not commit or roll back itself.
    """
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")

    def register(fn: JobHandler) -> JobHandler:
        known = _HANDLERS.get(kind)
        if known is not None and known.fn is not fn:
            raise ValueError(f"job kind {kind!r} already has a handler: {known.fn!r}")
        _HANDLERS[kind] = HandlerSpec(fn, max_attempts, backoff_seconds, on_worker_loss)
        return fn

    return register


def worker_loss_kinds() -> list[str]:
    """The kinds registered with ``on_worker_loss=True`` (in this process)."""
    return sorted(kind for kind, spec in _HANDLERS.items() if spec.on_worker_loss)


def registered_handler(kind: str) -> HandlerSpec | None:
    """The handler registered for ``kind`` in this process, if any."""
    return _HANDLERS.get(kind)


def handler_for(kind: str) -> HandlerSpec:
    spec = _HANDLERS.get(kind)
    if spec is None:
        # A deployment error (the worker lacks the domain's task module): fail the attempt,
        # so it is retried and, if it persists, visible as a failed job.
        raise LookupError(f"no handler registered for job kind {kind!r}")
    return spec


# --- after commit --------------------------------------------------------------------------

_AFTER_COMMIT = "ggzy.after_commit"


def after_commit(session: Session, fn: Callable[[], None]) -> None:
    """Call ``fn`` once ``session``'s transaction has committed; forget it on rollback.

    Used to publish tasks: a message sent before the commit could be consumed before the row
    it refers to is visible, or refer to a row that a rollback then erased. A failure in
    ``fn`` is logged, not raised: the data is committed by then, and the work it announces
    must be recoverable anyway (the dispatcher re-sends when a lease runs out).
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(fn)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    # Releasing a SAVEPOINT fires after_commit too; only the outermost commit counts.
    if session.get_nested_transaction() is not None:
        return
    for fn in session.info.pop(_AFTER_COMMIT, []):
        try:
            fn()
        except Exception:
            logger.exception("after-commit callback %r failed", fn)


@event.listens_for(Session, "after_transaction_end")
def _drop_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    # After a commit the list was already emptied; anything left belongs to a rollback.
    # (A callback registered inside a rolled-back SAVEPOINT survives until the outer commit;
    # it only publishes a guarded task, which then finds nothing to do.)
    if transaction.parent is None:
        session.info.pop(_AFTER_COMMIT, None)


# --- scheduling ----------------------------------------------------------------------------


def _active_job(session: Session, kind: str, subject: str) -> ScheduledJob | None:
    query = (
        select(ScheduledJob)
        .where(
            ScheduledJob.kind == kind,
            ScheduledJob.subject == subject,
            ScheduledJob.status.in_(ACTIVE_STATUSES),
        )
        .with_for_update()
    )
    return session.scalars(query).one_or_none()


def job_body(job: ScheduledJob | Row[Any], **extra: Any) -> dict[str, Any]:
    """The supervision log body of a job event (also written by the dispatcher and runner; a
    ``Row`` where a Core statement read the job back)."""
    body: dict[str, Any] = {
        "job_id": job.id,
        "kind": job.kind,
        "version": job.version,
        "due_at": job.due_at.isoformat(),
    }
    body.update(extra)
    return body


def schedule(
    session: Session,
    kind: str,
    subject: str,
    due_at: dt.datetime,
    payload: dict[str, Any] | None = None,
    *,
    now: dt.datetime | None = None,
    new_subject: bool = False,
) -> ScheduledJob | Row[Any]:
    """Schedule ``kind`` for ``subject`` at ``due_at``, in the caller's transaction; the job
    (a new one as the ``Row`` its insert read back: id, kind, subject, version, due_at).

    If a live job exists for (kind, subject), it is amended: new ``due_at`` and payload, and
    ``version + 1`` so that messages already sent for it do nothing. Call this before the
    caller's own ``audit.record`` so that locks are always taken job row first, log head last.
    ``now``: the database time the caller just read; ``new_subject``: the subject was created
    in this transaction (a new alert), so no job can exist for it and none is looked up.
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    now = now or clock.now(session)
    if due_at <= now:
        _wake_dispatcher(session)
    job = None if new_subject else _active_job(session, kind, subject)
    if job is None:
        new = _new_job(session, kind, subject, due_at, payload, now)
        audit.record(session, SCHEDULER, "job.scheduled", subject, job_body(new))
        return new
    job.version += 1
    job.due_at = due_at.astimezone(dt.UTC)
    job.payload = payload or {}
    job.status = JobStatus.PENDING.value
    job.attempts, job.lease_until, job.last_error, job.updated_at = 0, None, None, now
    session.flush()
    audit.record(session, SCHEDULER, "job.rescheduled", subject, job_body(job))
    return job


def _wake_dispatcher(session: Session) -> None:
    """A job due now need not wait for the dispatcher's next round: on PostgreSQL, NOTIFY
    (delivered at commit, dropped on rollback) ends its wait (``job_dispatch``)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(func.pg_notify(WAKE_CHANNEL, "")))


def _new_job(
    session: Session,
    kind: str,
    subject: str,
    due_at: dt.datetime,
    payload: dict[str, Any] | None,
    now: dt.datetime,
) -> Row[Any]:
    """The job's row, inserted by one Core statement that reads back what the log entry names
    (through the ORM, its flush was most of the Python of scheduling, twice a draw)."""
    return session.connection().execute(_INSERT_JOB, {
        "kind": kind, "subject": subject, "due_at": due_at.astimezone(dt.UTC), "version": 1,
        "status": JobStatus.PENDING.value, "payload": payload or {}, "attempts": 0,
        "created_at": now, "updated_at": now}).one()


def cancel(session: Session, kind: str, subject: str) -> bool:
    """Cancel the live job for (kind, subject), if any; return whether there was one."""
    return cancel_any(session, (kind,), subject) > 0


def cancel_any(session: Session, kinds: Sequence[str], subject: str, *,
               now: dt.datetime | None = None) -> int:
    """Cancel the live jobs of any of ``kinds`` for ``subject`` in one guarded Core ``UPDATE``
    (an alert's yellow and red jobs: it keeps at most one live); return how many there were.
    ``now``: the database time the caller just read."""
    now = now or clock.now(session)
    session.flush()  # a job changed in this session is in the database before the UPDATE
    found = session.connection().execute(
        update(_JOBS)
        .where(_JOBS.c.kind.in_(list(kinds)), _JOBS.c.subject == subject,
               _JOBS.c.status.in_(ACTIVE_STATUSES))
        # version + 1: messages in flight become no-ops even before they look at the status
        .values(version=_JOBS.c.version + 1, status=JobStatus.CANCELLED.value,
                lease_until=None, updated_at=now)
        .returning(*_JOB_FACTS)
    ).all()
    for job in sorted(found, key=lambda job: job.id):
        forget(session, ScheduledJob, job.id)  # a loaded job must not keep its old status
        audit.record(session, SCHEDULER, "job.cancelled", job.subject, job_body(job))
    return len(found)


def get_job(session: Session, kind: str, subject: str) -> ScheduledJob | None:
    """The most recent job for (kind, subject), live or finished."""
    query = (
        select(ScheduledJob)
        .where(ScheduledJob.kind == kind, ScheduledJob.subject == subject)
        .order_by(ScheduledJob.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def guarded_rowcount(session: Session, statement: Update) -> int:
    """How many rows a guarded UPDATE changed: 1 means we won the row, 0 someone else did."""
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


# --- worker heartbeat ----------------------------------------------------------------------


def record_heartbeat(session: Session, hostname: str) -> dt.datetime:
    """Upsert ``hostname``'s heartbeat at the database's now; return that time."""
    now = clock.now(session)
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(WorkerHeartbeat).values(hostname=hostname, seen_at=now)
    session.execute(
        statement.on_conflict_do_update(index_elements=["hostname"], set_={"seen_at": now})
    )
    return now


def last_heartbeat(session: Session) -> dt.datetime | None:
    """When any worker last proved it was consuming tasks (None: never)."""
    return session.scalar(select(func.max(WorkerHeartbeat.seen_at)))
