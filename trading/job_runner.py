"""Running a scheduled job: the body of the ``trading.run_job`` task.

Step 3 of the scheduled-job design (``trading.jobs``): ``execute()`` is a guarded state change
in one transaction: ``UPDATE ... WHERE id, version, status='queued', due_at <= now``, then the
handler, then the log entry. Run twice it does nothing the second time; run early it asks to be
retried; after a handler error it records the attempt and asks for a retry with backoff until
the handler's attempt limit, then marks the job ``failed``.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import update
from sqlalchemy.orm import Session

from trading import audit, clock, db
from trading.jobs import (
    EARLY_MARGIN_SECONDS,
    ERROR_MAX_LENGTH,
    SCHEDULER,
    HandlerSpec,
    JobStatus,
    ScheduledJob,
    guarded_rowcount,
    handler_for,
    job_body,
    registered_handler,
)
from trading.settings import get_settings

logger = logging.getLogger(__name__)


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
    taken = guarded_rowcount(
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
    audit.record(session, SCHEDULER, "job.ran", job.subject, job_body(job, attempt=job.attempts))
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
    spec = registered_handler(job.kind) or HandlerSpec(fn=_missing_handler)
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
    return job_body(job, attempt=job.attempts, error=job.last_error)


def _missing_handler(session: Session, job: ScheduledJob) -> None:
    raise LookupError(job.kind)
