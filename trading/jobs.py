"""Timed work: the ``scheduled_job`` table, its services, the dispatcher and the job runner.

The broker is not a database; the database holds the truth (see the architecture note):

1. ``schedule()`` writes a ``scheduled_job`` row in the transaction of the event that creates
   the deadline. Scheduling the same (kind, subject) again bumps ``version`` and ``due_at``,
   which turns every message already sent for the old version into a no-op.
2. One dispatcher (``run_dispatcher``) claims rows that are due or nearly due, marks them
   ``queued`` with a lease, and *after the commit* sends ``trading.run_job(id, version)`` with
   ``eta=due_at``. A row whose lease ran out (message lost, worker died) is claimed again.
3. ``execute()`` (the body of ``trading.run_job``) is a guarded state change in one
   transaction: ``UPDATE ... WHERE id, version, status='queued', due_at <= now``, then the
   handler, then the log entry. Run twice it does nothing the second time; run early it asks
   to be retried; after a handler error it records the attempt and asks for a retry with
   backoff until the handler's attempt limit, then marks the job ``failed``.

Handlers are registered with ``@job_handler("kind")`` in the domains' task modules, which
only the worker imports. Every job state change is written to the supervision log.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Index,
    Integer,
    String,
    Text,
    and_,
    event,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column
from sqlalchemy.sql.dml import Update

from trading import audit, clock, db
from trading.db import Base, UTCDateTime
from trading.settings import get_settings

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

RUN_JOB_TASK = "trading.run_job"
HEARTBEAT_TASK = "trading.heartbeat"
SCHEDULER = audit.Actor.system("scheduler")

DISPATCH_BATCH = 500
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


def _job_body(job: ScheduledJob, **extra: Any) -> dict[str, Any]:
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
) -> ScheduledJob:
    """Schedule ``kind`` for ``subject`` at ``due_at``, in the caller's transaction.

    If a live job exists for (kind, subject), it is amended: new ``due_at`` and payload, and
    ``version + 1`` so that messages already sent for it do nothing. Call this before the
    caller's own ``audit.record`` so that locks are always taken job row first, log head last.
    """
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    now = clock.now(session)
    job = _active_job(session, kind, subject)
    if job is None:
        job = _new_job(session, kind, subject, due_at, payload, now)
        audit.record(session, SCHEDULER, "job.scheduled", subject, _job_body(job))
        return job
    job.version += 1
    job.due_at = due_at.astimezone(dt.UTC)
    job.payload = payload or {}
    job.status = JobStatus.PENDING.value
    job.attempts, job.lease_until, job.last_error, job.updated_at = 0, None, None, now
    session.flush()
    audit.record(session, SCHEDULER, "job.rescheduled", subject, _job_body(job))
    return job


def _new_job(
    session: Session,
    kind: str,
    subject: str,
    due_at: dt.datetime,
    payload: dict[str, Any] | None,
    now: dt.datetime,
) -> ScheduledJob:
    job = ScheduledJob(
        kind=kind,
        subject=subject,
        due_at=due_at.astimezone(dt.UTC),
        version=1,
        status=JobStatus.PENDING.value,
        payload=payload or {},
        attempts=0,
        created_at=now,
        updated_at=now,
    )
    session.add(job)
    session.flush()  # assigns the id the log entry names
    return job


def cancel(session: Session, kind: str, subject: str) -> bool:
    """Cancel the live job for (kind, subject), if any; return whether there was one."""
    job = _active_job(session, kind, subject)
    if job is None:
        return False
    job.version += 1  # messages in flight become no-ops even before they look at the status
    job.status = JobStatus.CANCELLED.value
    job.lease_until = None
    job.updated_at = clock.now(session)
    session.flush()
    audit.record(session, SCHEDULER, "job.cancelled", subject, _job_body(job))
    return True


def get_job(session: Session, kind: str, subject: str) -> ScheduledJob | None:
    """The most recent job for (kind, subject), live or finished."""
    query = (
        select(ScheduledJob)
        .where(ScheduledJob.kind == kind, ScheduledJob.subject == subject)
        .order_by(ScheduledJob.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def _rowcount(session: Session, statement: Update) -> int:
    """How many rows a guarded UPDATE changed: 1 means we won the row, 0 someone else did."""
    result = session.execute(statement)
    return cast(CursorResult[Any], result).rowcount


# --- dispatcher ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claim:
    job_id: int
    version: int
    due_at: dt.datetime


def _default_app() -> Celery:
    from trading.worker import celery_app  # imported late: the worker module imports us

    return celery_app


def _claimable(now: dt.datetime) -> Any:
    """Rows the dispatcher may take: waiting, or queued on a lease that ran out."""
    # A queued row without a lease (set by hand) counts as expired rather than stuck forever.
    lease_over = or_(ScheduledJob.lease_until.is_(None), ScheduledJob.lease_until < now)
    lease_expired = and_(ScheduledJob.status == JobStatus.QUEUED.value, lease_over)
    return or_(ScheduledJob.status == JobStatus.PENDING.value, lease_expired)


def dispatch_once(session: Session, app: Celery | None = None) -> int:
    """Claim the jobs due within the look-ahead and send them after commit; return how many.

    Safe with several dispatchers: on PostgreSQL the candidates are locked with SKIP LOCKED,
    and every claim is a guarded UPDATE that takes a row only if it is still claimable.
    """
    settings = get_settings()
    now = clock.now(session)
    horizon = now + dt.timedelta(seconds=settings.dispatch_lookahead_seconds)
    candidates = session.scalars(
        select(ScheduledJob)
        .where(_claimable(now), ScheduledJob.due_at <= horizon)
        .order_by(ScheduledJob.due_at)
        .limit(DISPATCH_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    claims = [claim for job in candidates if (claim := _claim(session, job, now)) is not None]
    if claims:
        sender = app or _default_app()
        after_commit(session, lambda: _send_claims(sender, claims, now))
    return len(claims)


def _claim(session: Session, job: ScheduledJob, now: dt.datetime) -> _Claim | None:
    # The lease runs from the later of now and due_at: a message held for its ETA must not
    # look lost before it was even due.
    lease_until = max(now, job.due_at) + dt.timedelta(seconds=get_settings().job_lease_seconds)
    was_queued = job.status == JobStatus.QUEUED.value
    taken = _rowcount(
        session,
        update(ScheduledJob)
        .where(ScheduledJob.id == job.id, ScheduledJob.version == job.version, _claimable(now))
        .values(status=JobStatus.QUEUED.value, lease_until=lease_until, updated_at=now)
        .execution_options(synchronize_session="fetch"),
    )
    if taken != 1:
        return None  # another dispatcher was faster (SQLite, or a row SKIP LOCKED let through)
    action = "job.requeued" if was_queued else "job.queued"
    audit.record(session, SCHEDULER, action, job.subject, _job_body(job))
    return _Claim(job.id, job.version, job.due_at)


def _send_claims(app: Celery, claims: list[_Claim], now: dt.datetime) -> None:
    for claim in claims:
        # An overdue job (the worker was down) goes at once; otherwise the broker/worker hold
        # it until due. The worker's guard, not the delay, decides whether it is time. A delay
        # rather than an absolute ETA: the broker counts on the machine's clock, which is not
        # the database clock (nor the test clock, which runs ahead of it).
        delay = (claim.due_at - now).total_seconds()
        countdown = delay if delay > 0 else None
        app.send_task(RUN_JOB_TASK, args=[claim.job_id, claim.version], countdown=countdown)


def send_heartbeat(app: Celery | None = None) -> None:
    """Ask some worker to write its heartbeat row (discarded if no worker takes it in time)."""
    interval = get_settings().heartbeat_interval_seconds
    (app or _default_app()).send_task(HEARTBEAT_TASK, expires=float(interval))


def run_dispatcher(stop_event: threading.Event, app: Celery | None = None) -> None:
    """Dispatch due jobs every ``dispatch_interval_seconds`` until ``stop_event`` is set.

    Also sends ``trading.heartbeat`` every ``heartbeat_interval_seconds`` (and then prunes
    delivered messages from the embedded broker). Errors (database or broker briefly away)
    are logged and the loop goes on: the next round catches up.
    """
    from trading.app import load_domains  # the audit recorder and every model must be loaded

    load_domains()
    sender = app or _default_app()
    # The handlers' registrations say which jobs are watchdogs (trading.job_recovery).
    sender.loader.import_default_modules()
    settings = get_settings()
    next_heartbeat = 0.0
    while not stop_event.is_set():
        _dispatch_round(sender)
        if time.monotonic() >= next_heartbeat:
            next_heartbeat = time.monotonic() + settings.heartbeat_interval_seconds
            _heartbeat_round(sender)
        stop_event.wait(settings.dispatch_interval_seconds)


def _dispatch_round(app: Celery) -> None:
    from trading.job_recovery import reap_lost_workers

    try:
        # A dead worker's due jobs become claimable right away. A transaction of its own: it
        # ends holding the log head, which must stay the last lock (see ``schedule``).
        with db.transaction() as session:
            reap_lost_workers(session)
        with db.transaction() as session:
            count = dispatch_once(session, app)
        if count:
            logger.info("dispatched %d job(s)", count)
    except Exception:
        logger.exception("dispatch round failed; retrying next round")


def _heartbeat_round(app: Celery) -> None:
    from trading.worker import prune_embedded_broker

    try:
        send_heartbeat(app)
        prune_embedded_broker(app)
    except Exception:
        logger.exception("heartbeat round failed; retrying next round")


# --- running a job (the body of trading.run_job) --------------------------------------------


Outcome = Literal["ran", "stale", "early", "retry", "failed"]


@dataclass(frozen=True)
class RunOutcome:
    """What ``execute`` did. ``retry_in`` set: the task must be retried after that many seconds."""

    result: Outcome
    retry_in: float | None = None


def execute(job_id: int, version: int) -> RunOutcome:
    """Run version ``version`` of job ``job_id`` at most once (see the module docstring)."""
    try:
        with db.transaction() as session:
            return _run_guarded(session, job_id, version)
    except Exception as error:
        # The transaction rolled back (handler effects included); record the attempt apart.
        logger.exception("job %s v%s failed", job_id, version)
        with db.transaction() as session:
            return _record_failure(session, job_id, version, error)


def _run_guarded(session: Session, job_id: int, version: int) -> RunOutcome:
    now = clock.now(session)
    taken = _rowcount(
        session,
        update(ScheduledJob)
        .where(
            ScheduledJob.id == job_id,
            ScheduledJob.version == version,
            ScheduledJob.status == JobStatus.QUEUED.value,
            ScheduledJob.due_at <= now,
        )
        .values(
            status=JobStatus.DONE.value,
            attempts=ScheduledJob.attempts + 1,
            lease_until=None,
            updated_at=now,
        )
        .execution_options(synchronize_session=False),
    )
    if taken != 1:
        return _not_taken(session, job_id, version, now)
    job = session.get(ScheduledJob, job_id, populate_existing=True)
    assert job is not None
    handler_for(job.kind).fn(session, job)
    # Logged last: the supervision log's head lock is then held only briefly.
    audit.record(session, SCHEDULER, "job.ran", job.subject, _job_body(job, attempt=job.attempts))
    return RunOutcome("ran")


def _not_taken(session: Session, job_id: int, version: int, now: dt.datetime) -> RunOutcome:
    """Why the guard refused: too early (retry) or stale (nothing to do)."""
    job = session.get(ScheduledJob, job_id)
    if job is None or job.version != version or job.status != JobStatus.QUEUED.value:
        logger.info("job %s v%s: stale message, nothing to do", job_id, version)
        return RunOutcome("stale")
    wait = (job.due_at - now).total_seconds() + EARLY_MARGIN_SECONDS
    logger.info("job %s v%s: delivered %.3fs early, retrying", job_id, version, wait)
    return RunOutcome("early", retry_in=wait)


def _record_failure(session: Session, job_id: int, version: int, error: Exception) -> RunOutcome:
    now = clock.now(session)
    job = session.get(ScheduledJob, job_id, with_for_update=True, populate_existing=True)
    if job is None or job.version != version or job.status != JobStatus.QUEUED.value:
        return RunOutcome("stale")  # amended or cancelled meanwhile: the error is moot
    spec = _HANDLERS.get(job.kind, HandlerSpec(fn=_missing_handler))
    job.attempts += 1
    job.last_error = f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH]
    job.updated_at = now
    if job.attempts >= spec.max_attempts:
        job.status, job.lease_until = JobStatus.FAILED.value, None
        audit.record(session, SCHEDULER, "job.failed", job.subject, _failure_body(job))
        return RunOutcome("failed")
    delay = spec.backoff(job.attempts)
    # Keep the lease past the retry so the dispatcher does not send a second copy meanwhile.
    job.lease_until = now + dt.timedelta(seconds=delay + get_settings().job_lease_seconds)
    audit.record(session, SCHEDULER, "job.attempt_failed", job.subject, _failure_body(job))
    return RunOutcome("retry", retry_in=delay)


def _failure_body(job: ScheduledJob) -> dict[str, Any]:
    return _job_body(job, attempt=job.attempts, error=job.last_error)


def _missing_handler(session: Session, job: ScheduledJob) -> None:
    raise LookupError(job.kind)


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
