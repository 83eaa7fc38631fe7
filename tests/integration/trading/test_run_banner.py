"""`ggzy run` (what `make run` starts): the banner with the address and the demo log-ins is the
last thing printed once the platform is ready, and the worker's heartbeat does not print."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port
from trading.settings import PROJECT_ROOT

BANNER = "ggzy 公共资源交易平台 is running at"


def test_the_banner_comes_after_the_start_up_lines_and_no_heartbeat_prints(tmp_path: Path):
    port = free_port()
    env = {**os.environ, "GGZY_VAR_DIR": str(tmp_path / "var"), "PYTHONUNBUFFERED": "1"}
    for name in ("GGZY_DATABASE_URL", "GGZY_BROKER_URL", "GGZY_STORAGE_DIR"):
        env.pop(name, None)  # the embedded default of `make run`
    process = subprocess.Popen(
        [sys.executable, "-m", "trading.cli", "run", "--port", str(port)], cwd=PROJECT_ROOT,
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True)
    lines: list[str] = []
    banner = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if BANNER in line:
                banner.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert banner.wait(timeout=240), "\n".join(lines[-40:])
        at = next(i for i, line in enumerate(lines) if BANNER in line)
        # Every child up when announced (a child that died names itself here, with its log).
        assert not any("not ready yet" in line for line in lines[at:at + 4]), "\n".join(lines)
        # Ready when announced: the page answers and /healthz has seen the worker.
        assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()["worker"] == "ok"
        before, after = lines[:at], lines[at:]
        assert any("ready." in line for line in before)  # Celery's "celery@host ready."
        assert any("Uvicorn running" in line for line in before)
        assert not any("not ready yet" in line for line in after)
        assert any("demo-admin" in line for line in after)
        # Nothing but this test's own requests (uvicorn's access lines) logs after the banner.
        logged = [line for line in after if "INFO" in line and '"GET /' not in line]
        assert logged == [], after
        assert not any("Task trading.heartbeat[" in line for line in lines), lines
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        reader.join(timeout=10)
