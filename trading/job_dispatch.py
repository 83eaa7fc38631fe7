"""The dispatcher: turns due ``scheduled_job`` rows into ``trading.run_job`` messages.

Step 2 of the scheduled-job design (``trading.jobs``): one dispatcher claims rows that are due
or nearly due, marks them ``queued`` with a lease, and *after the commit* sends
``trading.run_job(id, version)`` with a countdown to ``due_at``. A row whose lease ran out
(message lost, worker died) is claimed again. The dispatcher also sends the workers'
heartbeat task.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from trading import audit, clock, db
from trading.job_recovery import reap_lost_workers
from trading.jobs import (
    DISPATCH_BATCH,
    HEARTBEAT_TASK,
    RUN_JOB_TASK,
    SCHEDULER,
    WAKE_CHANNEL,
    JobStatus,
    ScheduledJob,
    after_commit,
    guarded_rowcount,
    job_body,
)
from trading.settings import get_settings

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)


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
    taken = guarded_rowcount(
        session,
        update(ScheduledJob)
        .where(ScheduledJob.id == job.id, ScheduledJob.version == job.version, _claimable(now))
        .values(status=JobStatus.QUEUED.value, lease_until=lease_until, updated_at=now)
        .execution_options(synchronize_session="fetch"),
    )
    if taken != 1:
        return None  # another dispatcher was faster (SQLite, or a row SKIP LOCKED let through)
    action = "job.requeued" if was_queued else "job.queued"
    audit.record(session, SCHEDULER, action, job.subject, job_body(job))
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
    wake = _Wakeup()
    try:
        while not stop_event.is_set():
            _dispatch_round(sender)
            if time.monotonic() >= next_heartbeat:
                next_heartbeat = time.monotonic() + settings.heartbeat_interval_seconds
                _heartbeat_round(sender)
            wake.wait(stop_event, settings.dispatch_interval_seconds)
    finally:
        wake.close()


class _Wakeup:
    """The pause between rounds. On PostgreSQL it LISTENs on ``WAKE_CHANNEL``, so that a job
    scheduled as due now (an opening once the key is rebuilt) is dispatched at its commit
    rather than up to a round later; elsewhere, or while the database is away, a plain sleep."""

    def __init__(self) -> None:
        self.connection: Connection | None = None

    def wait(self, stop_event: threading.Event, seconds: float) -> None:
        listening = self._listening()
        if listening is None:
            stop_event.wait(seconds)
            return
        stop_event.wait(0)  # once a round either way: the stop event also counts rounds
        end = time.monotonic() + seconds
        try:
            # In slices of at most a second, so that a stop is not kept waiting a long round.
            while (left := end - time.monotonic()) > 0 and not stop_event.is_set():
                if list(listening.notifies(timeout=min(left, 1.0), stop_after=1)):
                    return
        except Exception:
            logger.warning("the dispatcher's LISTEN connection failed; polling meanwhile")
            self.close()
            stop_event.wait(max(0.0, end - time.monotonic()))

    def _listening(self) -> Any:
        if self.connection is None:
            engine = db.get_engine()
            if engine.dialect.name != "postgresql":
                return None
            try:
                self.connection = engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT")
                self.connection.exec_driver_sql(f"LISTEN {WAKE_CHANNEL}")
            except Exception:
                self.close()
                return None
        return self.connection.connection.driver_connection

    def close(self) -> None:
        if self.connection is not None:
            try:
                self.connection.invalidate()  # never back to the pool still listening
                self.connection.close()
            except Exception:
                logger.debug("closing the LISTEN connection failed", exc_info=True)
            self.connection = None


def _dispatch_round(app: Celery) -> None:
    try:
        # A dead worker's due jobs become claimable right away. A transaction of its own: it
        # ends holding the log head, which must stay the last lock (see ``jobs.schedule``).
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
