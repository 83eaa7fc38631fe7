"""Timed work of the disclosure domain (run by the worker through the core's job table)."""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from disclosure import services
from trading.jobs import ScheduledJob, job_handler


def _notice_id(job: ScheduledJob) -> uuid.UUID:
    return uuid.UUID(job.subject.removeprefix("notice/"))


@job_handler(services.PUBLISH_JOB)
def publish_scheduled(session: Session, job: ScheduledJob) -> None:
    """A notice scheduled for later becomes public (idempotent: a second run does nothing)."""
    services.release_scheduled(session, _notice_id(job))


@job_handler(services.PUBLICITY_END_JOB)
def end_publicity(session: Session, job: ScheduledJob) -> None:
    """A candidate-publicity window closes; the end is logged for supervision."""
    services.close_publicity(session, _notice_id(job))
