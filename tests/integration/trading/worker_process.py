"""A real ``celery worker`` in a process of its own, which a test can kill -9 and start again.

Unlike ``worker_harness.running_worker`` (Celery's embedded test worker, in the test's
process), this is the command ``ggzy worker`` runs, in a new session, on the test's database,
storage and clock (the environment is inherited) and on a queue of the test's own
(``GGZY_TASK_QUEUE``), so nothing else on the broker takes its tasks. ``kill()`` sends SIGKILL
to the whole process group: the worker gets no chance to acknowledge, return or reject what
it holds, as when a machine is lost.

Also here: what the broker holds for a job, so a test kills the worker while it holds the
message rather than guessing when it does.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import redis
from sqlalchemy import create_engine, text

from trading import db, jobs
from trading.job_recovery import WorkerPresence
from trading.settings import PROJECT_ROOT


class WorkerProcess:
    """``celery -A trading.worker:celery_app worker`` as ``ggzy worker`` starts it."""

    def __init__(self, broker_url: str, queue: str, hostname: str, log_path: Path,
                 concurrency: int = 1) -> None:
        self.broker_url, self.queue, self.hostname = broker_url, queue, hostname
        self.log_path, self.concurrency = log_path, concurrency
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def argv(self) -> list[str]:
        argv = [sys.executable, "-m", "celery", "-A", "trading.worker:celery_app", "worker",
                "--loglevel=INFO", f"--queues={self.queue}", f"--hostname={self.hostname}",
                "--without-mingle", "--without-gossip"]
        if self.broker_url.startswith("sqla"):  # as trading.worker.worker_argv chooses
            return [*argv, "--pool=threads", f"--concurrency={self.concurrency}"]
        return [*argv, f"--concurrency={self.concurrency}"]

    def start(self) -> float:
        """Start the worker; return the monotonic time it was started at."""
        env = {**os.environ, "GGZY_BROKER_URL": self.broker_url, "GGZY_TASK_QUEUE": self.queue,
               "GGZY_WORKER_PRESENCE_SECONDS": "1", "PYTHONUNBUFFERED": "1"}
        self._log = self.log_path.open("ab")
        started = time.monotonic()
        self.process = subprocess.Popen(self.argv(), cwd=PROJECT_ROOT, env=env,
                                        stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        return started

    def ready(self, since: float) -> bool:
        """Has this worker announced itself (``worker_ready``) since the real time ``since``?"""
        self.check_alive()
        assert self.process is not None
        with db.read_only() as session:  # rows are named node/pid (trading.worker)
            row = session.get(WorkerPresence, f"{self.hostname}/{self.process.pid}")
        return row is not None and row.started_at.timestamp() >= since

    def check_alive(self) -> None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"the worker exited ({self.process.returncode}):\n{self.tail()}")

    def kill(self) -> None:
        """kill -9 of the worker and every process it started."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._close_log()

    def stop(self) -> None:
        """A clean stop (SIGTERM, then SIGKILL after a while); for the test's teardown."""
        if self.process is None or self.process.poll() is not None:
            self._close_log()
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self._close_log()

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


# --- what the broker holds -----------------------------------------------------------------


def _is_job_message(payload: dict[str, Any], job_id: int) -> bool:
    headers = payload.get("headers") or {}
    if headers.get("task") != jobs.RUN_JOB_TASK:
        return False
    args = json.loads(base64.b64decode(payload["body"]))[0]
    return bool(args) and args[0] == job_id


def held_unacknowledged(broker_url: str, queue: str, job_id: int) -> bool:
    """Is a message for ``job_id`` delivered to a worker and not acknowledged?"""
    if broker_url.startswith("redis"):
        client = redis.Redis.from_url(broker_url)
        for raw in client.hvals("unacked"):
            message, _exchange, routing_key = json.loads(raw)
            if routing_key == queue and _is_job_message(message, job_id):
                return True
        return False
    engine = create_engine(broker_url.split("+", 1)[1])
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT m.payload FROM kombu_message m JOIN kombu_queue q ON m.queue_id = q.id "
                "WHERE q.name = :queue AND m.visible = 0"), {"queue": queue}).scalars().all()
    finally:
        engine.dispose()
    return any(_is_job_message(json.loads(row), job_id) for row in rows)


def forget_unacknowledged(broker_url: str, queue: str) -> None:
    """Drop what a killed worker left unacknowledged on Redis for ``queue`` (kombu would put it
    back into the test's deleted queue an hour later)."""
    if not broker_url.startswith("redis"):
        return
    client = redis.Redis.from_url(broker_url)
    for tag, raw in client.hgetall("unacked").items():
        if json.loads(raw)[2] == queue:
            client.hdel("unacked", tag)
            client.zrem("unacked_index", tag)
