"""The sweeper of abandoned uploads (issue 17, part 7b): old ``.part`` files under
storage/bids/incoming are deleted by a periodic job and logged as a count; an upload still
streaming, and anything that is not a ``.part`` file, stays."""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path

from bidding import config, sweeper
from bidding import tasks as bidding_tasks
from supervision import services as log
from tests import clock as test_clock
from tests.integration.trading.worker_harness import broker_url_for, make_app
from trading import db, job_dispatch, job_runner, jobs

assert bidding_tasks  # registers the sweep's handler, as the worker's imports do


def part(directory: Path, name: str, size: int, age: dt.timedelta) -> Path:
    path = directory / name
    path.write_bytes(b"\0" * size)
    moment = time.time() - age.total_seconds()
    os.utime(path, (moment, moment))
    return path


def run_due_sweep(tmp_path: Path) -> None:
    """What the dispatcher and a worker do once the sweep falls due."""
    with db.read_only() as session:
        job = jobs.get_job(session, sweeper.SWEEP_JOB, sweeper.SWEEP_SUBJECT)
    assert job is not None and job.status == jobs.JobStatus.PENDING.value
    test_clock.advance_past(job.due_at)
    with db.transaction() as session:
        assert job_dispatch.dispatch_once(session, make_app(broker_url_for("sqla", tmp_path))) >= 1
    assert job_runner.execute(job.id, job.version).result == "ran"


def test_abandoned_uploads_are_swept_and_counted(storage_dir: Path, tmp_path: Path) -> None:
    incoming = config.incoming_dir()
    incoming.mkdir(parents=True)
    old = dt.timedelta(hours=3)
    abandoned = [part(incoming, "a.part", 1000, old), part(incoming, "backup-b.part", 24, old)]
    streaming = part(incoming, "c.part", 10, dt.timedelta(seconds=1))
    other = part(incoming, "notes.txt", 5, old)
    sweeper.ensure_scheduled()
    sweeper.ensure_scheduled()  # idempotent: one live sweep
    run_due_sweep(tmp_path)
    assert not any(path.exists() for path in abandoned)
    assert streaming.exists() and other.exists()
    with db.read_only() as session:
        [entry] = log.entries(session, action="bids.incoming_swept")
        successor = jobs.get_job(session, sweeper.SWEEP_JOB, sweeper.SWEEP_SUBJECT)
    assert entry.body == {"files": 2, "bytes": 1024, "older_than_minutes": 60}
    assert successor is not None and successor.status == jobs.JobStatus.PENDING.value


def test_nothing_to_sweep_logs_nothing(storage_dir: Path, tmp_path: Path) -> None:
    sweeper.ensure_scheduled()
    run_due_sweep(tmp_path)
    with db.read_only() as session:
        assert log.entries(session, action="bids.incoming_swept") == []
