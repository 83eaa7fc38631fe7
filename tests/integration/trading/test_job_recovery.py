"""trading.job_recovery: a worker that restarts or stops beating gets its due jobs sent again
by the dispatcher at once, instead of when their lease runs out (issue 17, part 7).

The kill -9 of a real worker process is tests/integration/bidding/test_faults_at_deadline.py;
here the rules, on the database alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.orm import Session

from supervision import services as log
from tests import clock as test_clock
from trading import db, job_dispatch, job_recovery, jobs
from trading.job_recovery import WorkerPresence
from trading.jobs import JobStatus, ScheduledJob

from .worker_harness import broker_url_for, make_app

WATCHDOG = "tests.recovery.watchdog"
ORDINARY = "tests.recovery.ordinary"


@jobs.job_handler(WATCHDOG, on_worker_loss=True)
def _watchdog(session: Session, job: ScheduledJob) -> None:
    """A watchdog: run at once when a worker is lost."""


@jobs.job_handler(ORDINARY)
def _ordinary(session: Session, job: ScheduledJob) -> None:
    """Any other job."""


def held_job(kind: str, due_in: dt.timedelta, tmp_path: Path) -> int:
    """A job the dispatcher claimed and sent (the message is now with some worker)."""
    due = test_clock.now() + due_in
    with db.transaction() as session:
        job_id = jobs.schedule(session, kind, f"recovery:{uuid.uuid4()}", due).id
    test_clock.advance_past(due - dt.timedelta(seconds=5), by=dt.timedelta(0))
    with db.transaction() as session:
        assert job_dispatch.dispatch_once(session, make_app(broker_url_for("sqla", tmp_path))) >= 1
    return job_id


def job(job_id: int) -> ScheduledJob:
    with db.read_only() as session:
        found = session.get(ScheduledJob, job_id)
        assert found is not None
        return found


def seen(hostname: str, ago: dt.timedelta) -> None:
    job_recovery.beat(hostname)
    with db.transaction() as session:
        session.execute(update(WorkerPresence).where(WorkerPresence.hostname == hostname)
                        .values(seen_at=job_recovery.real_now(session) - ago))


def released(subject: str) -> list[dict[str, object]]:
    with db.read_only() as session:
        return [e.body for e in log.entries(session, action="job.lease_released",
                                            subject=subject)]


def test_a_restarted_worker_hands_back_what_is_due(database: str, tmp_path: Path) -> None:
    job_id = held_job(ORDINARY, dt.timedelta(minutes=10), tmp_path)
    test_clock.advance_past(job(job_id).due_at)
    held = job(job_id)
    assert held.status == JobStatus.QUEUED.value and held.lease_until is not None
    assert job_recovery.worker_started("w1@host") == 1
    after = job(job_id)
    assert after.status == JobStatus.QUEUED.value and after.lease_until is None
    [body] = released(after.subject)
    assert body["reason"] == "worker_started" and body["worker"] == "w1@host"
    with db.transaction() as session:  # the dispatcher's next round sends it again
        assert job_dispatch.dispatch_once(session, make_app(broker_url_for("sqla", tmp_path))) == 1


def test_work_not_yet_due_stays_with_its_message(database: str, tmp_path: Path) -> None:
    job_id = held_job(ORDINARY, dt.timedelta(minutes=10), tmp_path)
    assert job_recovery.worker_started("w1@host") == 0
    assert job(job_id).lease_until is not None
    assert released(job(job_id).subject) == []


def test_a_silent_worker_is_reaped_and_a_watchdog_runs_now(database: str,
                                                             tmp_path: Path) -> None:
    watchdog_id = held_job(WATCHDOG, dt.timedelta(minutes=10), tmp_path)
    seen("alive@host", dt.timedelta(0))
    seen("dead@host", job_recovery.presence_timeout() + dt.timedelta(seconds=1))
    with db.transaction() as session:
        assert job_recovery.reap_lost_workers(session) == ["dead@host"]
    watchdog = job(watchdog_id)
    assert watchdog.lease_until is None and watchdog.due_at <= test_clock.now()
    [body] = released(watchdog.subject)
    assert body["reason"] == "worker_lost" and body["worker"] == "dead@host"
    with db.transaction() as session:  # reaped once; the live worker stays
        assert job_recovery.reap_lost_workers(session) == []
        assert session.get(WorkerPresence, "alive@host") is not None


def test_a_clean_stop_is_not_a_loss(database: str) -> None:
    seen("leaving@host", dt.timedelta(hours=1))
    job_recovery.worker_stopped("leaving@host")
    with db.transaction() as session:
        assert job_recovery.reap_lost_workers(session) == []
