"""A real platform process (uvicorn) on a free local port, and Debian's Chromium via Playwright."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import IN_CI
from trading.settings import PROJECT_ROOT

CHROMIUM = os.environ.get("GGZY_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def _ephemeral_start() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port *below* the ephemeral range. A server started by a test binds it seconds
    later (``ggzy run`` migrates and seeds first); a port the kernel handed out as ephemeral
    could meanwhile be taken by any outgoing connection (database, broker, browser) of the
    other test worker, and the server would fail to bind."""
    high = _ephemeral_start() - 1
    for _ in range(200):
        port = random.randint(max(high - 12_000, 1024), high)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # every probe taken: let the kernel choose
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def live_server(database: str) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "GGZY_DATABASE_URL": database}
    process = subprocess.Popen(
        [sys.executable, "-m", "trading.http_server",  # what `ggzy web` runs
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def wait_until_up(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the web server exited during start-up")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the web server did not answer within 30 s")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if IN_CI:
            pytest.fail(f"Chromium not found at {CHROMIUM} (install Debian's chromium)")
        pytest.skip(f"Chromium not found at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def log_in(page: Any, server: str, username: str, password: str) -> None:
    """Log in through the real log-in page, as a person would."""
    page.goto(f"{server}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{server}/home")


@pytest.fixture
def bid_storage(database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The bid store in the test's folder (the live server inherits the variable)."""
    from trading.settings import get_settings

    storage = tmp_path / "storage"
    monkeypatch.setenv("GGZY_STORAGE_DIR", str(storage))
    get_settings.cache_clear()
    yield storage
    get_settings.cache_clear()
