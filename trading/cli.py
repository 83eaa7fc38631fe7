"""The ``ggzy`` command: set-up, the platform's processes, and operators' tools.

Operator and domain commands (the calendar, bidders' sealing client, custodians' tools, the log
verifier, ...) are listed by ``trading.cli_commands`` and imported only when invoked, so that
``ggzy --help`` and the platform's own commands start without importing every domain.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from types import FrameType

import click

from trading import files
from trading.cli_commands import LazyGroup
from trading.settings import PROJECT_ROOT, get_settings


@click.group(cls=LazyGroup)
def main() -> None:
    """ggzy 公共资源交易平台 — platform command line."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date (alembic upgrade heads)."""
    from alembic import command
    from alembic.config import Config

    files.private_dir(get_settings().var_dir)
    command.upgrade(Config(str(PROJECT_ROOT / "alembic.ini")), "heads")


@main.command("seed-demo")
def seed_demo() -> None:
    """Create the demo organizations and users (idempotent) and print the log-ins."""
    _print_logins(_seed())


def _seed() -> dict[str, str]:
    from trading import db, demo
    from trading.app import load_domains

    load_domains()
    with db.transaction() as session:
        return demo.seed(session)


def _print_logins(logins: dict[str, str]) -> None:
    from trading import demo

    click.echo(f"演示账号 / demo log-ins (stored in {demo.credentials_path()}):")
    for user in demo.USERS:
        click.echo(f"  {user.role.value:<10} {user.username:<16} {logins[user.username]}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=1, show_default=True, help="web worker processes")
def web(host: str, port: int, workers: int) -> None:
    """Serve the web application with uvicorn."""
    os.execvp(sys.executable, [sys.executable, *web_argv(host, port, workers)])  # noqa: S606


def web_argv(host: str, port: int, workers: int) -> list[str]:
    # trading.http_server runs uvicorn with a bounded request head and without uvicorn's own
    # forwarded-header handling (the app's, trading.proxy, follows GGZY_TRUSTED_PROXIES).
    return ["-m", "trading.http_server", "--host", host, "--port", str(port),
            "--workers", str(workers), "--log-level", "info"]


@main.command()
@click.option("--concurrency", type=int, default=None, help="default: CPU count (4 threads embedded)")
def worker(concurrency: int | None) -> None:
    """Run a Celery worker on the configured broker."""
    os.execvp(sys.executable, [sys.executable, *_worker_argv(concurrency)])  # noqa: S606


def _worker_argv(concurrency: int | None) -> list[str]:
    from trading.worker import worker_argv

    return ["-m", "celery", "-A", "trading.worker:celery_app", *worker_argv(concurrency),
            "--without-gossip", "--without-mingle"]


@main.command()
def dispatcher() -> None:
    """Run the single dispatcher that turns due scheduled jobs into Celery tasks."""
    import threading

    from trading import job_dispatch
    from trading.app import load_domains

    stop = threading.Event()
    loops = [threading.Thread(target=loop, args=(stop,), name=f"{domain.name}-loop", daemon=True)
             for domain in load_domains() for loop in domain.dispatcher_loops]
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    for thread in loops:
        thread.start()
    try:
        job_dispatch.run_dispatcher(stop)
    except KeyboardInterrupt:
        stop.set()
    for thread in loops:
        thread.join(timeout=5)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def run(host: str, port: int) -> None:
    """Migrate, seed the demo, and run web, worker and dispatcher together (Ctrl-C stops all)."""
    from click import Context

    Context(migrate).invoke(migrate)
    _start_test_clock()
    logins = _seed()
    started = _database_now()
    _declare_embedded_queues()
    commands = {
        "web": [sys.executable, *web_argv(host, port, 1)],
        "worker": [sys.executable, *_worker_argv(None)],
        "dispatcher": [sys.executable, "-m", "trading.cli", "dispatcher"],
    }
    children = {name: subprocess.Popen(argv, cwd=PROJECT_ROOT) for name, argv in commands.items()}  # noqa: S603
    # The banner comes last, once the web server answers and the worker has taken a task, so
    # that the processes' start-up lines do not scroll it away.
    waiting = _wait_until_ready(host, port, children, started)
    rule = "=" * 72
    click.echo(f"\n{rule}")
    click.echo(f"ggzy 公共资源交易平台 is running at http://{host}:{port}/  (Ctrl-C to stop)")
    for name in waiting:
        click.echo(f"  尚未就绪 / not ready yet: {name} (see its log above)")
    _print_logins(logins)
    click.echo(f"{rule}\n")
    sys.exit(_supervise(children))


READY_TIMEOUT_SECONDS = 120.0


def _declare_embedded_queues() -> None:
    from trading import worker

    if worker.is_embedded_broker(get_settings().broker_url):
        worker.declare_queues()  # before the processes that would race to make the queue


def _database_now() -> dt.datetime:
    from trading import clock, db

    with db.read_only() as session:
        return clock.now(session)


def _wait_until_ready(host: str, port: int, children: dict[str, subprocess.Popen[bytes]],
                      since: dt.datetime) -> list[str]:
    """Wait until the web server accepts connections (uvicorn listens once the app has started)
    and a worker has written a heartbeat since ``since`` (the dispatcher sends one as it
    starts). Returns what is still not ready when a child died or the time ran out."""
    from trading import db, jobs

    address = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host  # noqa: S104 - a wildcard bind
    pending = {"web", "worker"}
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while pending and time.monotonic() < deadline:
        if any(child.poll() is not None for child in children.values()):
            break
        if "web" in pending:
            try:
                socket.create_connection((address, port), timeout=1).close()
                pending.discard("web")
            except OSError:
                pass
        if "worker" in pending:
            with db.read_only() as session:
                seen = jobs.last_heartbeat(session)
            if seen is not None and seen >= since:
                pending.discard("worker")
        if pending:
            time.sleep(0.25)
    return sorted(pending)


def _start_test_clock() -> None:
    """GGZY_TEST_NOW (demos and tests only): the platform starts at that instant."""
    if get_settings().test_now is None:
        return
    from trading import clock, db

    with db.transaction() as session:
        clock.start_test_clock(session)
        now = clock.now(session)
    click.echo(f"测试时钟 / test clock: {clock.format_local(now)} (GGZY_TEST_NOW)")


def _supervise(children: dict[str, subprocess.Popen[bytes]]) -> int:
    """Wait until Ctrl-C, SIGTERM or the death of any child; then stop every child."""
    stopping = False

    def request_stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    status = 0
    while not stopping:
        dead = [name for name, child in children.items() if child.poll() is not None]
        if dead:
            click.echo(f"process stopped unexpectedly: {', '.join(dead)}; stopping the rest", err=True)
            status = 1
            break
        time.sleep(0.5)
    _stop_all(list(children.values()))
    return status


def _stop_all(children: Sequence[subprocess.Popen[bytes]]) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()


if __name__ == "__main__":
    main()
