"""The Celery app, configured from ``trading.settings``, and the core's two tasks.

- ``trading.run_job(job_id, version)``: the guarded run of a scheduled job (``job_runner.execute``).
- ``trading.heartbeat()``: the worker proves it consumes tasks (read by ``/healthz``).

The domains' task modules (``Domain.task_modules``) are listed in Celery's ``imports`` setting,
computed lazily, so that only a worker imports them and the core reaches the domains only
through ``trading.app``. The configuration itself is lazy too: importing this module reads no
settings; the first use of the app does.

Start a worker with ``celery -A trading.worker:celery_app worker`` (see ``worker_argv``).
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import os
import socket
import sqlite3
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any, NoReturn

from celery import Celery, Task, signals
from sqlalchemy import DateTime, Engine, column, create_engine, delete, table
from sqlalchemy.engine import make_url

from trading import db, files, job_dispatch, job_recovery, job_runner, jobs
from trading.settings import get_settings

logger = logging.getLogger(__name__)

DEFAULT_QUEUE = "ggzy"


def task_queue() -> str:
    """GGZY_TASK_QUEUE: the queue the platform sends to and its workers consume ("ggzy");
    two deployments (or a test run) on one broker keep apart by naming their own."""
    return os.environ.get("GGZY_TASK_QUEUE", "").strip() or DEFAULT_QUEUE
EMBEDDED_PREFIXES = ("sqla+", "sqlalchemy+")


def is_embedded_broker(broker_url: str) -> bool:
    """True for kombu's SQLAlchemy transport (the embedded default on an SQLite file)."""
    return broker_url.startswith(EMBEDDED_PREFIXES)


def _config(broker_url: str | None) -> dict[str, Any]:
    url = broker_url or get_settings().broker_url
    config: dict[str, Any] = {
        "broker_url": url,
        "broker_connection_retry_on_startup": True,
        # The database is the truth; there is no result to keep.
        "result_backend": None,
        "task_ignore_result": True,
        # A task is acknowledged after it ran, so a worker dying mid-task leaves the message
        # to be delivered again; our tasks are guarded, so running twice is harmless.
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "timezone": "UTC",
        "enable_utc": True,
        "task_default_queue": task_queue(),
        "imports": _task_modules(),
    }
    if is_embedded_broker(url):
        config.update(_embedded_config(url))
    return config


def _embedded_config(url: str) -> dict[str, Any]:
    """What kombu's SQLAlchemy transport needs: no broadcast, patient SQLite locks."""
    database = make_url(url.split("+", 1)[1])
    if database.get_backend_name() == "sqlite" and database.database:
        _prepare_sqlite_file(Path(database.database))
    return {
        # Remote control needs fanout exchanges, which this transport does not have.
        "worker_enable_remote_control": False,
        "worker_send_task_events": False,
        # Passed to create_engine: wait for the file lock instead of failing at 5 s.
        "broker_transport_options": {"connect_args": {"timeout": 30}},
    }


def _prepare_sqlite_file(path: Path) -> None:
    # WAL is a property of the file: set once, it lets the producer (web, dispatcher) and the
    # consumer (worker) read and write the broker file without blocking each other's reads.
    files.touch_private(path)
    connection = sqlite3.connect(path, timeout=30)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


@lru_cache(maxsize=4)
def _embedded_broker_engine(url: str) -> Engine:
    return create_engine(url.split("+", 1)[1], connect_args={"timeout": 30})


def prune_embedded_broker(app: Celery, older_than: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Delete messages the embedded transport delivered more than ``older_than`` ago.

    kombu's SQLAlchemy transport marks a delivered message invisible but never deletes it, so
    its table would grow by every task ever sent. A delivered row is never read again (an
    unacknowledged message is re-inserted, not revived), and a message lost anyway is re-sent
    by the dispatcher when its job's lease runs out. No-op for any other broker.
    """
    url = str(app.conf.broker_url)
    if not is_embedded_broker(url):
        return 0
    options = app.conf.broker_transport_options or {}
    messages = table(
        options.get("message_tablename", "kombu_message"),
        column("visible"),
        column("timestamp", DateTime()),
    )
    # The transport stamps delivery with the local naive clock (datetime.now), so compare so.
    cutoff = dt.datetime.now() - older_than
    statement = delete(messages).where(messages.c.visible.is_(False), messages.c.timestamp < cutoff)
    with _embedded_broker_engine(url).begin() as connection:
        return connection.execute(statement).rowcount


def _task_modules() -> list[str]:
    """Every domain's task modules; ``load_domains`` also installs the audit recorder."""
    from trading.app import load_domains

    return [module for domain in load_domains() for module in domain.task_modules]


def run_job(task: Task[Any, Any], job_id: int, version: int) -> str:
    """Run one version of a scheduled job at most once; retry if early or after an error."""
    outcome = job_runner.execute(job_id, version)
    if outcome.retry_in is not None:
        # Unlimited at the Celery level: the job row counts the attempts that matter.
        raise task.retry(countdown=max(outcome.retry_in, 0.0), max_retries=None)
    return outcome.result


def heartbeat(task: Task[Any, Any]) -> str:
    """Write this worker's heartbeat row (database clock)."""
    hostname = task.request.hostname or socket.gethostname()
    with db.transaction() as session:
        jobs.record_heartbeat(session, hostname)
    return hostname


def create_celery_app(broker_url: str | None = None, **overrides: Any) -> Celery:
    """A configured app with the core tasks; ``broker_url`` defaults to the settings'."""
    app = Celery("ggzy")
    app.add_defaults(lambda: {**_config(broker_url), **overrides})
    app.task(name=jobs.RUN_JOB_TASK, bind=True, max_retries=None)(run_job)
    app.task(name=jobs.HEARTBEAT_TASK, bind=True)(heartbeat)
    return app


celery_app = create_celery_app()


def declare_queues(app: Celery | None = None) -> None:
    """Declare the platform's queues once, before processes sharing an embedded broker start
    together. kombu's SQLAlchemy transport makes a queue's row on first use with a lock that
    holds within one process only: a worker and a dispatcher starting at once could both
    insert it, and the worker died on ``UNIQUE constraint failed: kombu_queue.name``."""
    app = app or celery_app
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.amqp.queues.values():
            queue.bind(channel).declare()


class QuietHeartbeat(logging.Filter):
    """Celery logs each task's receipt and success at INFO; for the heartbeat, sent every
    ``heartbeat_interval_seconds``, those lines are DEBUG, so that they neither bury
    ``ggzy run``'s start-up banner nor the lines about real work."""

    def filter(self, record: logging.LogRecord) -> bool:
        if (record.levelno == logging.INFO and isinstance(record.args, Mapping)
                and record.args.get("name") == jobs.HEARTBEAT_TASK):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)
        return True


# The loggers of Celery's "Task ... received" and "Task ... succeeded" lines.
for _name in ("celery.worker.strategy", "celery.app.trace"):
    logging.getLogger(_name).addFilter(QuietHeartbeat())


def worker_argv(concurrency: int | None = None, loglevel: str = "INFO") -> list[str]:
    """Arguments for ``celery_app.worker_main`` suited to the configured broker.

    The embedded transport gets a thread pool: one process, no fork, so the SQLite engines
    (ours and the transport's) are never shared across a fork.
    """
    argv = ["worker", f"--loglevel={loglevel}", f"--queues={task_queue()}"]
    if is_embedded_broker(get_settings().broker_url):
        argv += ["--pool=threads", f"--concurrency={concurrency or 4}"]
    elif concurrency:
        argv.append(f"--concurrency={concurrency}")
    return argv


def run_worker(
    concurrency: int | None = None, loglevel: str = "INFO", with_dispatcher: bool = False
) -> NoReturn:
    """Run a worker in this process until it is stopped (for ``ggzy worker``).

    ``with_dispatcher`` also runs the dispatcher in a thread of this process: one command for
    the embedded mode (``make run``). A second dispatcher elsewhere would be harmless (claims
    are guarded), merely redundant.
    """
    stop = threading.Event()
    if with_dispatcher:
        threading.Thread(
            target=job_dispatch.run_dispatcher, args=(stop, celery_app), name="dispatcher", daemon=True
        ).start()
    try:
        celery_app.worker_main(worker_argv(concurrency, loglevel))
    finally:
        stop.set()


@signals.worker_process_init.connect
def _fresh_engine_in_child(**_: Any) -> None:
    # A prefork child must not reuse the parent's pooled database connections.
    db.get_engine().dispose(close=False)
    gc.freeze()  # see trading.http_server.served_app


# --- presence (trading.job_recovery) -------------------------------------------------------

_presence: dict[str, job_recovery.PresenceThread] = {}


def _presence_name(sender: Any) -> str:
    # The node name and the process: two workers started with the same name (Celery's default
    # is celery@host) still have rows of their own, and a restart is a new row (the old one
    # is reaped as lost, which it is).
    node = getattr(sender, "hostname", None) or socket.gethostname()
    return f"{node}/{os.getpid()}"


@signals.worker_ready.connect
def _announce_worker(sender: Any = None, **_: Any) -> None:
    # Runs in the worker's main process (the one holding the broker connection) once it
    # consumes: what an earlier incarnation of this worker held is handed out again.
    hostname = _presence_name(sender)
    try:
        job_recovery.worker_started(hostname)
    except Exception:
        logger.exception("could not record the start of worker %s", hostname)
    thread = job_recovery.PresenceThread(hostname)
    _presence[hostname] = thread
    thread.start()


@signals.worker_shutdown.connect
def _worker_leaves(sender: Any = None, **_: Any) -> None:
    hostname = _presence_name(sender)
    thread = _presence.pop(hostname, None)
    if thread is None:
        return
    thread.stop()
    try:
        job_recovery.worker_stopped(hostname)
    except Exception:
        logger.exception("could not record the stop of worker %s", hostname)
