"""A real Celery worker and the real dispatcher, in this process, against a real broker.

Nothing is mocked: the worker is Celery's embedded test worker consuming from Redis or from
kombu's SQLAlchemy transport on an SQLite file, and the dispatcher is ``job_dispatch.run_dispatcher``
in a thread. Both use ``trading.db.get_engine()``, i.e. the test's database. Each test gets
its own queue, so tests (and xdist workers) never see each other's messages.

``TaskLog`` records what the worker did with each task (via Celery's ``task_postrun`` signal),
so a test can wait until every message it sent has been handled before asserting: waiting on
"nothing happened" would otherwise need a sleep.

Waits here poll for an effect with a generous timeout; deadlines are passed by moving the test
clock (tests/clock.py), which the worker and the dispatcher read too. Every test that starts a
worker or a dispatcher carries ``TIME_LIMIT`` (pytest-timeout), so that it fails instead of
hanging when time misbehaves.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from celery import Celery, signals
from celery.contrib.testing.worker import start_worker

from trading import job_dispatch, jobs
from trading.worker import create_celery_app

REDIS_URL = os.environ.get("GGZY_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Each pass drives the stack it stands for: the embedded default (SQLite, kombu's SQLAlchemy
# transport) or production (PostgreSQL, Redis). The other pairings run no code of their own.
BROKERS = ("sqla",) if os.environ.get("GGZY_TEST_DATABASE", "sqlite") == "sqlite" else ("redis",)
#: The time limit of a test that drives a real worker or dispatcher: far above what such a test
#: needs on a loaded machine, far below "forever". The pyproject default covers every other test.
TIME_LIMIT = pytest.mark.timeout(180)


def broker_url_for(kind: str, tmp_path: Path) -> str:
    if kind == "sqla":
        return f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        message = f"Redis is not reachable at {REDIS_URL}: {error}"
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.skip(message)
    return REDIS_URL


def make_app(broker_url: str) -> Celery:
    """The production app factory, on this broker, with a queue of its own."""
    return create_celery_app(broker_url, task_default_queue=f"ggzy-test-{uuid.uuid4().hex}")


@contextmanager
def running_worker(app: Celery) -> Iterator[None]:
    # No ping check: it needs a result backend, and the platform deliberately has none.
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=20):
        yield


def delete_queue(app: Celery) -> None:
    """Drop the test's queue and, on Redis, the binding keys kombu leaves behind."""
    queue = app.conf.task_default_queue
    with app.connection_for_write() as connection:
        channel: Any = connection.default_channel  # the stubs know only the abstract channel
        channel.queue_delete(queue)
    if str(app.conf.broker_url).startswith("redis://"):
        client = redis.Redis.from_url(str(app.conf.broker_url))
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")


class DispatcherRounds(threading.Event):
    """The dispatcher's stop event, which also counts its rounds: ``run_dispatcher`` waits on
    it once at the end of every round."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0

    def wait(self, timeout: float | None = None) -> bool:
        self.count += 1
        return super().wait(timeout)

    def wait_rounds(self, rounds: int, timeout: float = 60) -> None:
        """Return once ``rounds`` more rounds have finished (what a test waits for to see that
        the dispatcher did *not* send something)."""
        target = self.count + rounds
        wait_for(lambda: self.count >= target, timeout, f"{rounds} dispatcher round(s)")


@contextmanager
def running_dispatcher(app: Celery) -> Iterator[DispatcherRounds]:
    stop = DispatcherRounds()
    thread = threading.Thread(target=job_dispatch.run_dispatcher, args=(stop, app), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(10)
        assert not thread.is_alive(), "dispatcher did not stop"


@dataclass(frozen=True)
class Handled:
    task: str
    args: tuple[Any, ...]
    result: Any  # the task's return value, or the Retry exception when it asked for a retry
    at: float = field(default_factory=time.monotonic)


class TaskLog:
    """Every task the worker of ``app`` finished, in order."""

    def __init__(self, app: Celery) -> None:
        self.app = app
        self._items: list[Handled] = []
        self._lock = threading.Lock()

    def _on_postrun(
        self, sender: Any = None, args: Any = None, retval: Any = None, **_: Any
    ) -> None:
        if sender is None or sender.app is not self.app:
            return
        with self._lock:
            self._items.append(Handled(sender.name, tuple(args or ()), retval))

    def __enter__(self) -> TaskLog:
        signals.task_postrun.connect(self._on_postrun, weak=False)
        return self

    def __exit__(self, *_: object) -> None:
        signals.task_postrun.disconnect(self._on_postrun)

    def runs(self, job_id: int) -> list[Handled]:
        with self._lock:
            return [h for h in self._items if h.task == jobs.RUN_JOB_TASK and h.args[0] == job_id]

    def results(self, job_id: int) -> list[str]:
        return [h.result if isinstance(h.result, str) else "retry" for h in self.runs(job_id)]


def wait_for(condition: Callable[[], bool], timeout: float, what: str,
             every: float = 0.1) -> None:
    """Poll ``condition`` (usually a database query) until it holds or ``timeout`` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for: {what}")
