"""Timed work of the supervision domain (registered when the worker imports this module).

- ``supervision.alert.yellow`` / ``supervision.alert.red``: an alert reaches its threshold;
- ``supervision.checkpoint``: the periodic checkpoint, which schedules its successor in the
  same transaction, so the chain survives restarts (the dispatcher re-sends a lost one).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from supervision import alerts, checkpoints
from supervision.config import get_config
from trading import clock, jobs
from trading.jobs import ScheduledJob

CHECKPOINT_JOB = "supervision.checkpoint"
CHECKPOINT_SUBJECT = "log"


@jobs.job_handler(alerts.YELLOW_JOB)
def _alert_yellow(session: Session, job: ScheduledJob) -> None:
    alerts.refresh_alert(session, int(job.payload["alert_id"]))


@jobs.job_handler(alerts.RED_JOB)
def _alert_red(session: Session, job: ScheduledJob) -> None:
    alerts.refresh_alert(session, int(job.payload["alert_id"]))


@jobs.job_handler(CHECKPOINT_JOB)
def _periodic_checkpoint(session: Session, job: ScheduledJob) -> None:
    schedule_periodic_checkpoint(session)
    checkpoints.checkpoint_now(session, "interval")


def schedule_periodic_checkpoint(session: Session, at: dt.datetime | None = None) -> None:
    """Make sure the next periodic checkpoint is scheduled (idempotent when one is live)."""
    live = jobs.get_job(session, CHECKPOINT_JOB, CHECKPOINT_SUBJECT)
    if at is None and live is not None and live.status in jobs.ACTIVE_STATUSES:
        return
    due = at or clock.now(session) + get_config().checkpoint_interval
    jobs.schedule(session, CHECKPOINT_JOB, CHECKPOINT_SUBJECT, due)
