"""Timed work end to end: scheduled_job rows, the dispatcher, and a real Celery worker.

The worker tests run against both brokers (Redis, and kombu's SQLAlchemy transport on an
SQLite file) and, like the whole suite, on both databases (GGZY_TEST_DATABASE). A handler's
effect is a supervision log entry written in the job's guarded transaction, so "ran exactly
once" is what a regulator reading the log would see: one entry, at or after the deadline.

Most tests here move the test clock (tests/clock.py) rather than wait for a due time. A few wait
in real time because real time is their point: the broker and the worker hold a message for its
countdown, and retry after ``retry_in``, in the machine's seconds, and the dispatcher works in
rounds of real time. Those due times are seconds ahead, not fractions, and every wait polls
for the effect with a generous timeout, so that a loaded machine is slower but not wrong.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.orm import Session

from supervision import services as log
from tests import clock as test_clock
from trading import audit, clock, db, job_dispatch, job_runner, jobs, worker
from trading.jobs import JobStatus, ScheduledJob
from trading.settings import get_settings

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

EFFECT = "test.effect"
FLAKY = "test.flaky"
BROKEN = "test.broken"
TEST_ACTOR = audit.Actor.system("test")
# A log entry's time is kept to the millisecond; allow for that when comparing with due_at.
LOG_PRECISION = dt.timedelta(milliseconds=1)


@jobs.job_handler(EFFECT)
def _effect(session: Session, job: ScheduledJob) -> None:
    audit.record(session, TEST_ACTOR, EFFECT, job.subject, {"version": job.version})


@jobs.job_handler(FLAKY, max_attempts=3, backoff_seconds=0.2)
def _flaky(session: Session, job: ScheduledJob) -> None:
    if job.attempts < 2:  # ``attempts`` counts this run: fail the first one only
        raise RuntimeError("boom")
    _effect(session, job)


@jobs.job_handler(BROKEN, max_attempts=2, backoff_seconds=0.2)
def _broken(session: Session, job: ScheduledJob) -> None:
    raise RuntimeError("always broken")


# --- helpers -----------------------------------------------------------------------------


def subject() -> str:
    return f"tender:{uuid.uuid4()}"


def db_now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)


def schedule(kind: str, subj: str, due_at: dt.datetime) -> tuple[int, int]:
    with db.transaction() as session:
        job = jobs.schedule(session, kind, subj, due_at, {"note": "test"})
        return job.id, job.version


def job_row(job_id: int) -> ScheduledJob:
    with db.read_only() as session:
        job = session.get(ScheduledJob, job_id)
        assert job is not None
        return job


def entries(action: str, subj: str) -> list[log.Entry]:
    with db.read_only() as session:
        return log.entries(session, action=action, subject=subj)


def is_status(job_id: int, status: JobStatus) -> bool:
    return job_row(job_id).status == status.value


def dispatch(app: Celery) -> int:
    with db.transaction() as session:
        return job_dispatch.dispatch_once(session, app)


# --- fixtures ----------------------------------------------------------------------------


@pytest.fixture(params=BROKERS)
def app(request: pytest.FixtureRequest, database: str, tmp_path: Path) -> Iterator[Celery]:
    celery_app = make_app(broker_url_for(request.param, tmp_path))
    yield celery_app
    delete_queue(celery_app)


@pytest.fixture
def idle_app(database: str, tmp_path: Path) -> Iterator[Celery]:
    """A real app on the embedded broker; no worker consumes it unless the test starts one."""
    celery_app = make_app(broker_url_for("sqla", tmp_path))
    yield celery_app
    delete_queue(celery_app)


@pytest.fixture
def task_log(app: Celery) -> Iterator[TaskLog]:
    with TaskLog(app) as recorded:
        yield recorded


# --- with a real worker ------------------------------------------------------------------


@pytest.mark.broker
@TIME_LIMIT
def test_job_due_in_two_seconds_runs_once_at_its_time(app: Celery, task_log: TaskLog) -> None:
    # Real time: the dispatcher sends the job ahead of time and the worker holds it until due.
    subj = subject()
    with running_worker(app), running_dispatcher(app) as dispatcher:
        due = db_now() + dt.timedelta(seconds=2)
        job_id, _ = schedule(EFFECT, subj, due)
        wait_for(lambda: is_status(job_id, JobStatus.DONE), 60, "the job to run")
        dispatcher.wait_rounds(2)  # a dispatcher round or two more: nothing may be sent again
    [effect] = entries(EFFECT, subj)
    assert due - LOG_PRECISION <= effect.created_at < due + dt.timedelta(seconds=3)
    assert task_log.results(job_id) == ["ran"]
    assert len(entries("job.ran", subj)) == 1
    assert job_row(job_id).attempts == 1


@pytest.mark.broker
@TIME_LIMIT
def test_job_that_fell_due_while_no_worker_ran_runs_once_on_start(
    app: Celery, task_log: TaskLog
) -> None:
    subj = subject()
    job_id, _ = schedule(EFFECT, subj, db_now() - dt.timedelta(minutes=5))
    with running_worker(app), running_dispatcher(app) as dispatcher:
        wait_for(lambda: is_status(job_id, JobStatus.DONE), 60, "the overdue job to run")
        dispatcher.wait_rounds(2)
    assert len(entries(EFFECT, subj)) == 1
    assert task_log.results(job_id) == ["ran"]


@pytest.mark.broker
@TIME_LIMIT
def test_the_same_task_delivered_twice_has_one_effect(app: Celery, task_log: TaskLog) -> None:
    subj = subject()
    job_id, version = schedule(EFFECT, subj, db_now() - dt.timedelta(seconds=1))
    assert dispatch(app) == 1  # claims the row and sends run_job once, after commit
    for _ in range(2):  # the broker redelivers, or an operator re-sends: same job, same version
        app.send_task(jobs.RUN_JOB_TASK, args=[job_id, version])
    with running_worker(app):
        wait_for(lambda: len(task_log.runs(job_id)) == 3, 60, "all three deliveries")
    assert sorted(task_log.results(job_id)) == ["ran", "stale", "stale"]
    assert len(entries(EFFECT, subj)) == 1


@pytest.mark.broker
@TIME_LIMIT
def test_an_amended_deadline_voids_the_old_message(app: Celery, task_log: TaskLog) -> None:
    # Real time: the old message is held by the worker for its countdown, then found stale.
    subj = subject()
    with running_worker(app):
        job_id, first = schedule(EFFECT, subj, db_now() + dt.timedelta(seconds=5))
        assert dispatch(app) == 1  # the first version is sent, to be held until it is due
        new_due = db_now() + dt.timedelta(hours=1)  # amended at once, well before that
        same_id, second = schedule(EFFECT, subj, new_due)
        wait_for(lambda: task_log.results(job_id) == ["stale"], 60, "the old message to fire")
        with running_dispatcher(app) as dispatcher:
            test_clock.advance_past(new_due)
            wait_for(lambda: "ran" in task_log.results(job_id), 60, "the amended job to run")
            dispatcher.wait_rounds(2)
    assert (same_id, second) == (job_id, first + 1)
    stale = [h for h in task_log.runs(job_id) if h.args == (job_id, first)]
    assert [h.result for h in stale] == ["stale"]
    assert task_log.results(job_id) == ["stale", "ran"]
    [effect] = entries(EFFECT, subj)
    assert effect.body == {"version": second}
    assert effect.created_at >= new_due - LOG_PRECISION


@pytest.mark.broker
@TIME_LIMIT
def test_an_early_delivery_is_retried_at_the_due_time(app: Celery, task_log: TaskLog) -> None:
    # Real time: the worker retries the early message after ``retry_in`` seconds. The worker
    # is up first, and the due time far enough ahead that the early message is early.
    subj = subject()
    with running_worker(app):
        due = db_now() + dt.timedelta(seconds=6)
        job_id, version = schedule(EFFECT, subj, due)
        assert dispatch(app) == 1  # the regular message, held until due_at
        app.send_task(jobs.RUN_JOB_TASK, args=[job_id, version])  # and one that arrives too early
        wait_for(lambda: len(task_log.runs(job_id)) == 3, 60, "early, retried and regular runs")
    assert sorted(task_log.results(job_id)) == ["ran", "retry", "stale"]
    [effect] = entries(EFFECT, subj)
    assert effect.created_at >= due - LOG_PRECISION


@pytest.mark.broker
@TIME_LIMIT
def test_a_failing_handler_is_retried_with_its_error_recorded(
    app: Celery, task_log: TaskLog
) -> None:
    subj = subject()
    job_id, _ = schedule(FLAKY, subj, db_now())
    with running_worker(app), running_dispatcher(app):
        wait_for(lambda: is_status(job_id, JobStatus.DONE), 60, "the retried job to succeed")
    job = job_row(job_id)
    assert (job.attempts, job.last_error) == (2, "RuntimeError: boom")
    assert len(entries("job.attempt_failed", subj)) == 1
    assert len(entries(EFFECT, subj)) == 1


@pytest.mark.broker
@TIME_LIMIT
def test_a_handler_failing_every_attempt_marks_the_job_failed(
    app: Celery, task_log: TaskLog
) -> None:
    subj = subject()
    job_id, _ = schedule(BROKEN, subj, db_now())
    with running_worker(app), running_dispatcher(app) as dispatcher:
        wait_for(lambda: is_status(job_id, JobStatus.FAILED), 60, "the job to fail")
        dispatcher.wait_rounds(2)  # failed is final: the dispatcher must not send it again
    job = job_row(job_id)
    assert (job.attempts, job.last_error) == (2, "RuntimeError: always broken")
    assert task_log.results(job_id) == ["retry", "failed"]
    assert len(entries("job.failed", subj)) == 1


@pytest.mark.broker
@TIME_LIMIT
def test_the_worker_heartbeat_reaches_the_database(app: Celery, task_log: TaskLog) -> None:
    before = db_now()
    with running_worker(app), running_dispatcher(app):
        wait_for(lambda: _last_heartbeat() is not None, 60, "a worker heartbeat")
    seen = _last_heartbeat()
    assert seen is not None and seen >= before


@pytest.mark.broker
@TIME_LIMIT
def test_the_embedded_broker_forgets_delivered_messages(idle_app: Celery) -> None:
    job_dispatch.send_heartbeat(idle_app)
    with running_worker(idle_app):
        wait_for(lambda: _last_heartbeat() is not None, 60, "a worker heartbeat")
    assert worker.prune_embedded_broker(idle_app, older_than=dt.timedelta(0)) >= 1
    broker = create_engine(str(idle_app.conf.broker_url).removeprefix("sqla+"))
    with broker.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM kombu_message")) == 0
    broker.dispose()


@pytest.mark.broker
def test_the_queue_is_made_before_the_processes_start(idle_app: Celery) -> None:
    # `ggzy run` and the spike declare it first: kombu's SQLAlchemy transport makes a queue's
    # row on first use, and a worker and a dispatcher starting together both tried to.
    worker.declare_queues(idle_app)
    worker.declare_queues(idle_app)  # as a process starting later finds it: no second row
    broker = create_engine(str(idle_app.conf.broker_url).removeprefix("sqla+"))
    with broker.connect() as connection:
        names = connection.scalars(text("SELECT name FROM kombu_queue")).all()
    broker.dispose()
    assert names == [idle_app.conf.task_default_queue]


def _last_heartbeat() -> dt.datetime | None:
    with db.read_only() as session:
        return jobs.last_heartbeat(session)


# --- the database side, without a worker --------------------------------------------------


def test_scheduling_again_amends_the_live_job(database: str) -> None:
    subj = subject()
    first_due = db_now() + dt.timedelta(days=20)
    job_id, version = schedule(EFFECT, subj, first_due)
    same_id, new_version = schedule(EFFECT, subj, first_due + dt.timedelta(days=15))
    assert (same_id, new_version) == (job_id, version + 1)
    job = job_row(job_id)
    assert job.due_at == first_due + dt.timedelta(days=15)
    assert job.status == JobStatus.PENDING.value
    assert [e.action for e in _job_entries(subj)] == ["job.scheduled", "job.rescheduled"]


def test_a_finished_job_stays_as_history_and_a_new_one_starts(database: str) -> None:
    subj = subject()
    job_id, version = schedule(EFFECT, subj, db_now())
    _mark_queued(job_id)
    assert job_runner.execute(job_id, version).result == "ran"
    new_id, new_version = schedule(EFFECT, subj, db_now() + dt.timedelta(days=1))
    assert new_id != job_id and new_version == 1
    assert job_row(job_id).status == JobStatus.DONE.value


def test_cancel(database: str) -> None:
    subj = subject()
    job_id, version = schedule(EFFECT, subj, db_now())
    _mark_queued(job_id)
    with db.transaction() as session:
        assert jobs.cancel(session, EFFECT, subj)
        assert not jobs.cancel(session, EFFECT, subj)
    assert job_row(job_id).status == JobStatus.CANCELLED.value
    assert job_runner.execute(job_id, version).result == "stale"  # a message still in flight
    assert entries(EFFECT, subj) == []


def test_the_guard_refuses_early_stale_and_repeated_runs(database: str) -> None:
    subj = subject()
    due = db_now() + dt.timedelta(hours=1)
    job_id, version = schedule(EFFECT, subj, due)
    _mark_queued(job_id)
    before = db_now()
    early = job_runner.execute(job_id, version)
    assert early.result == "early"
    lead = (due - before).total_seconds()  # at most an hour
    assert early.retry_in is not None and 0 < early.retry_in <= lead + 0.1
    assert job_runner.execute(job_id, version + 1).result == "stale"
    assert job_runner.execute(job_id + 1000, 1).result == "stale"
    test_clock.advance(dt.timedelta(seconds=early.retry_in))  # retry_in later: due
    assert job_runner.execute(job_id, version).result == "ran"
    assert job_runner.execute(job_id, version).result == "stale"
    assert len(entries(EFFECT, subj)) == 1


def test_after_commit_waits_for_the_outer_commit_and_forgets_rollbacks(database: str) -> None:
    calls: list[str] = []
    with db.transaction() as session:
        jobs.after_commit(session, lambda: calls.append("committed"))
        with session.begin_nested():  # releasing a savepoint is not a commit
            jobs.after_commit(session, lambda: calls.append("nested"))
        assert calls == []
    assert calls == ["committed", "nested"]

    with pytest.raises(RuntimeError), db.transaction() as session:
        jobs.after_commit(session, lambda: calls.append("rolled back"))
        raise RuntimeError("abort")
    with db.transaction() as session:
        session.execute(select(1))
    assert calls == ["committed", "nested"]


def test_the_dispatcher_publishes_only_after_the_commit(idle_app: Celery) -> None:
    """No message may exist while the row it names could still be rolled back."""
    schedule(EFFECT, subject(), db_now())
    with db.transaction() as session:
        assert job_dispatch.dispatch_once(session, idle_app) == 1
        assert _queued_messages(idle_app) == 0
    assert _queued_messages(idle_app) == 1

    schedule(EFFECT, subject(), db_now())
    with pytest.raises(RuntimeError), db.transaction() as session:
        assert job_dispatch.dispatch_once(session, idle_app) == 1
        raise RuntimeError("the transaction fails after the claim")
    assert _queued_messages(idle_app) == 1


def test_two_dispatchers_never_claim_the_same_job(idle_app: Celery) -> None:
    ids = [schedule(EFFECT, subject(), db_now())[0] for _ in range(3)]
    second: list[int] = []
    with db.transaction() as first:
        assert job_dispatch.dispatch_once(first, idle_app) == 3
        # The rival runs while the first has not committed: on PostgreSQL it skips the locked
        # rows, on SQLite it waits for the write lock and then finds them already queued.
        rival = threading.Thread(target=lambda: second.append(dispatch(idle_app)))
        rival.start()
        rival.join(0.5)
    rival.join(10)
    assert second == [0]
    assert all(is_status(job_id, JobStatus.QUEUED) for job_id in ids)
    assert _count(ScheduledJob.status == JobStatus.QUEUED.value) == 3


def test_a_lost_message_is_sent_again_when_its_lease_runs_out(idle_app: Celery) -> None:
    subj = subject()
    job_id, _ = schedule(EFFECT, subj, db_now())
    assert dispatch(idle_app) == 1
    assert dispatch(idle_app) == 0  # the lease still holds
    with db.transaction() as session:
        session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job_id)
            .values(lease_until=clock.now(session) - dt.timedelta(seconds=1))
        )
    assert dispatch(idle_app) == 1
    assert [e.action for e in _job_entries(subj)] == ["job.scheduled", "job.queued", "job.requeued"]


def test_heartbeat_rows_are_upserted(database: str) -> None:
    with db.transaction() as session:
        assert jobs.last_heartbeat(session) is None
        jobs.record_heartbeat(session, "worker-a")
        latest = jobs.record_heartbeat(session, "worker-a")
        assert jobs.last_heartbeat(session) == latest
        assert session.scalar(select(func.count()).select_from(jobs.WorkerHeartbeat)) == 1


# --- small helpers for the database-side tests -------------------------------------------


def _mark_queued(job_id: int) -> None:
    """What the dispatcher does to a row, without sending anything."""
    with db.transaction() as session:
        lease = clock.now(session) + dt.timedelta(minutes=5)
        session.execute(
            update(ScheduledJob)
            .where(ScheduledJob.id == job_id)
            .values(status=JobStatus.QUEUED.value, lease_until=lease)
        )


def _queued_messages(app: Celery) -> int:
    with app.connection_for_read() as connection:
        channel: Any = connection.default_channel  # the stubs know only the abstract channel
        declared = channel.queue_declare(app.conf.task_default_queue, passive=True)
        return int(declared.message_count)


def _job_entries(subj: str) -> list[log.Entry]:
    with db.read_only() as session:
        return [e for e in log.entries(session, subject=subj) if e.action.startswith("job.")]


def _count(condition: object) -> int:
    with db.read_only() as session:
        query = select(func.count()).select_from(ScheduledJob).where(condition)  # type: ignore[arg-type]
        return session.scalar(query) or 0


@pytest.mark.broker
@TIME_LIMIT
def test_a_job_due_now_is_dispatched_at_its_commit_not_a_round_later(
    app: Celery, task_log: TaskLog, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An opening starts when its key is rebuilt, not up to a dispatcher round later."""
    if not database.startswith("postgresql"):
        pytest.skip("LISTEN/NOTIFY is PostgreSQL's; elsewhere the dispatcher polls each round")
    slow = dataclasses.replace(get_settings(), dispatch_interval_seconds=120.0)
    monkeypatch.setattr(job_dispatch, "get_settings", lambda: slow)
    subj = subject()
    with running_worker(app), running_dispatcher(app) as dispatcher:
        wait_for(lambda: dispatcher.count >= 1, 60, "the dispatcher's first round")
        started = time.monotonic()
        job_id, _ = schedule(EFFECT, subj, db_now())
        wait_for(lambda: is_status(job_id, JobStatus.DONE), 60, "the job due now to run")
        assert time.monotonic() - started < 60  # the round would have lasted 120 s
    assert task_log.results(job_id) == ["ran"]
    assert len(entries(EFFECT, subj)) == 1
