"""The test clock (trading.clock), checked the way the tests that rely on it use it.

Moving it moves the database clock for everyone on the test's database, the Celery worker and
the dispatcher included; without ``GGZY_TEST_CLOCK`` it cannot be moved (and a stale offset is
ignored); and the settings refuse it in production.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from supervision import services as log
from tests import clock as test_clock
from trading import audit, clock, db, jobs
from trading.jobs import JobStatus, ScheduledJob
from trading.settings import PROJECT_ROOT, SettingsError, get_settings, load_settings

from .worker_harness import (
    BROKERS,
    TIME_LIMIT,
    TaskLog,
    broker_url_for,
    delete_queue,
    make_app,
    running_dispatcher,
    running_worker,
    wait_for,
)

MOVED = "test.clock_moved"
THIRTY_DAYS = dt.timedelta(days=30)
# Two readings of the clock a moment apart: generous, for a loaded machine.
MOMENT = dt.timedelta(minutes=1)


@jobs.job_handler(MOVED)
def _moved(session: Session, job: ScheduledJob) -> None:
    audit.record(session, audit.Actor.system("test"), MOVED, job.subject, {})


def _real_now() -> dt.datetime:
    """The database's own clock, without the test clock's offset."""
    with db.read_only() as session:
        return clock.as_utc(session.execute(select(clock.real_now_column(session))).scalar_one())


def _job_status(job_id: int) -> str:
    with db.read_only() as session:
        job = session.get(ScheduledJob, job_id)
        assert job is not None
        return job.status


# --- moving the clock ----------------------------------------------------------------------


def test_advancing_thirty_days_moves_the_database_clock(database: str) -> None:
    before, real_before = test_clock.now(), _real_now()
    moved = test_clock.advance(THIRTY_DAYS)
    assert THIRTY_DAYS <= moved - before < THIRTY_DAYS + MOMENT
    # clock.now on the test database, through a connection of its own (as another web worker
    # would have), is thirty days later; the database's own clock is not.
    engine = create_engine(database)
    try:
        with Session(engine) as session:
            seen = clock.now(session)
            real = clock.as_utc(session.execute(select(clock.real_now_column(session))).scalar_one())
    finally:
        engine.dispose()
    assert THIRTY_DAYS <= seen - before < THIRTY_DAYS + MOMENT
    assert real_before <= real < real_before + MOMENT


def test_another_process_sees_the_moved_clock(database: str) -> None:
    moved = test_clock.advance(THIRTY_DAYS)
    # A separate interpreter on the same database, as the web server of the e2e tests is.
    script = "from trading import clock, db\nwith db.read_only() as s: print(clock.now(s).isoformat())"
    env = {**os.environ, "GGZY_DATABASE_URL": database}
    out = subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120, check=True)
    seen = dt.datetime.fromisoformat(out.stdout.strip())
    assert moved <= seen < moved + MOMENT


def test_set_now_puts_the_clock_at_an_instant_and_time_runs_on(database: str) -> None:
    moment = test_clock.beijing(2027, 2, 5, 9, 30)
    test_clock.set_now(moment)
    assert moment <= test_clock.now() < moment + MOMENT
    assert clock.legal_day(test_clock.now()) == dt.date(2027, 2, 5)


# --- the worker and the dispatcher ---------------------------------------------------------


@pytest.fixture(params=BROKERS)
def app(request: pytest.FixtureRequest, database: str, tmp_path: Path) -> Iterator[Celery]:
    celery_app = make_app(broker_url_for(request.param, tmp_path))
    yield celery_app
    delete_queue(celery_app)


@pytest.mark.broker
@TIME_LIMIT
def test_the_worker_runs_a_job_due_in_test_time(app: Celery) -> None:
    """Due an hour from now in real time, past in test time: it runs now, not in an hour."""
    subject = f"clock:{uuid.uuid4()}"
    started = time.monotonic()
    due = test_clock.now() + dt.timedelta(hours=1)
    with db.read_only() as session:  # when it falls due if no one moves the clock
        real_due = due - clock.test_offset(session)
    with db.transaction() as session:
        job_id = jobs.schedule(session, MOVED, subject, due).id
    with TaskLog(app) as task_log, running_worker(app), running_dispatcher(app) as dispatcher:
        dispatcher.wait_rounds(2)
        assert _job_status(job_id) == JobStatus.PENDING.value  # not due: nothing was sent
        moved = test_clock.advance(dt.timedelta(hours=2))
        wait_for(lambda: _job_status(job_id) == JobStatus.DONE.value, 60, "the job to run")
        assert task_log.results(job_id) == ["ran"]
    with db.read_only() as session:
        [effect] = log.entries(session, action=MOVED, subject=subject)
    assert due <= effect.created_at < moved + MOMENT  # at test time, after its due time
    assert _real_now() < real_due  # still to come in real time
    assert time.monotonic() - started < 3600  # no one waited for the hour


# --- switched off, and refused in production -----------------------------------------------


def test_with_the_setting_off_the_clock_cannot_move(database: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    test_clock.advance(THIRTY_DAYS)  # a row left behind by a test, or a demo
    monkeypatch.delenv("GGZY_TEST_CLOCK", raising=False)
    monkeypatch.delenv("GGZY_TEST_NOW", raising=False)
    get_settings.cache_clear()
    try:
        assert not get_settings().test_clock
        with db.transaction() as session:
            with pytest.raises(clock.TestClockDisabledError):
                clock.set_test_now(session, clock.now(session) + dt.timedelta(days=1))
            with pytest.raises(clock.TestClockDisabledError):
                clock.advance_test_clock(session, dt.timedelta(days=1))
            now, real = clock.now(session), clock.as_utc(
                session.execute(select(clock.real_now_column(session))).scalar_one())
        assert abs(now - real) < MOMENT  # the offset left in the table is ignored
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.mark.parametrize("variables", [
    {"GGZY_TEST_CLOCK": "1"},
    {"GGZY_TEST_NOW": "2027-06-15T02:00:00Z"},
    {"GGZY_TEST_CLOCK": "1", "GGZY_TEST_NOW": "2026-12-20T10:00:00+08:00"},
], ids=["clock", "now", "both"])
def test_production_refuses_the_test_clock(var_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                           variables: dict[str, str]) -> None:
    monkeypatch.delenv("GGZY_TEST_CLOCK", raising=False)
    monkeypatch.delenv("GGZY_TEST_NOW", raising=False)
    monkeypatch.setenv("GGZY_ENV", "production")
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match="production"):
        load_settings()
    monkeypatch.setenv("GGZY_ENV", "test")
    assert load_settings().test_clock
