"""A local production-like platform: ``ggzy web --workers N``, a worker and the dispatcher, as
separate processes on the given database and broker, each logging into the run's folder.

The processes inherit this process's environment plus ``Stack.env``; the test clock is on
(``GGZY_TEST_CLOCK=1``), which is what lets the driver put the deadline minutes away.
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from trading import clock, db, jobs, worker
from trading.settings import PROJECT_ROOT


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Stack:
    env: dict[str, str]
    logs: Path
    web_workers: int = 2
    worker_concurrency: int = 2
    port: int = field(default_factory=free_port)
    bind: str = "127.0.0.1"  # the web's address (a node's own address in the two-node run)
    prefix: tuple[str, ...] = ()  # run every process under this (``ip netns exec NAME``)
    label: str = ""  # the processes' names and log files start with it (``node1-``)
    children: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    since: dt.datetime | None = None  # the database's time before the processes started
    _files: list[IO[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://{self.bind}:{self.port}"

    @property
    def urls(self) -> list[str]:
        return [self.url]

    def log_of(self, name: str) -> Path:
        return self.logs / f"{self.label}{name}.log"

    def _start(self, name: str, *args: str) -> None:
        out = self.log_of(name).open("ab")
        self._files.append(out)
        self.children[self.label + name] = subprocess.Popen(
            [*self.prefix, sys.executable, "-m", "trading.cli", *args], cwd=PROJECT_ROOT,
            env={**os.environ, **self.env}, stdout=out, stderr=subprocess.STDOUT)

    def start(self, timeout: float = 120.0) -> None:
        self.launch()
        self.wait_ready(timeout)

    def launch(self) -> None:
        """Start the processes (``wait_ready`` waits until they serve)."""
        self.logs.mkdir(parents=True, exist_ok=True)
        self.since = _db_now()
        broker = self.env.get("GGZY_BROKER_URL") or os.environ.get("GGZY_BROKER_URL", "")
        if worker.is_embedded_broker(broker):  # else the worker and dispatcher race to make it
            worker.declare_queues(worker.create_celery_app(broker))
        self._start("web", "web", "--host", self.bind, "--port", str(self.port),
                    "--workers", str(self.web_workers))
        self._start("worker", "worker", "--concurrency", str(self.worker_concurrency))
        self._start("dispatcher", "dispatcher")

    def wait_ready(self, timeout: float = 120.0) -> None:
        since = self.since or _db_now()
        pending = {"web", "worker"}
        deadline = time.monotonic() + timeout
        while pending and time.monotonic() < deadline:
            self.check_alive()
            if "web" in pending:
                try:
                    if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                        pending.discard("web")
                except httpx.HTTPError:
                    pass
            if "worker" in pending:
                with db.read_only() as session:
                    seen = jobs.last_heartbeat(session)
                # Any worker's heartbeat; this one's own word that it consumes, too.
                if (seen is not None and seen >= since
                        and b" ready." in self.log_of("worker").read_bytes()):
                    pending.discard("worker")
            time.sleep(0.3)
        if pending:
            raise RuntimeError(f"not ready after {timeout:.0f} s: {sorted(pending)} "
                               f"(logs in {self.logs})")

    def check_alive(self) -> None:
        dead = [f"{name} (exit {child.returncode})" for name, child in self.children.items()
                if child.poll() is not None]
        if dead:
            raise RuntimeError(f"stopped unexpectedly: {', '.join(dead)} (logs in {self.logs})")

    def stop(self) -> None:
        for child in self.children.values():
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        end = time.monotonic() + 20
        for child in self.children.values():
            try:
                child.wait(timeout=max(0.1, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        for handle in self._files:
            handle.close()


@contextmanager
def running(stack: Stack, wait: bool = True) -> Iterator[Stack]:
    """The stack, started (without ``wait``, still starting: the caller calls
    ``wait_ready``), and stopped on the way out."""
    try:
        stack.launch()
        if wait:
            stack.wait_ready()
        yield stack
    finally:
        stack.stop()


def _db_now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)
