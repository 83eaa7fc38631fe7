"""Under CI a missing PostgreSQL or Redis is a failure, never a skip."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

from trading.settings import PROJECT_ROOT


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the probe is released


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=PROJECT_ROOT, env={**os.environ, **env}, capture_output=True,
                          text=True, timeout=120, check=False)


def test_service_check_fails_under_ci_and_skips_locally():
    port = str(_closed_port())
    under_ci = _run([sys.executable, "scripts/services.py"], CI="true", GGZY_TEST_PG_PORT=port)
    assert under_ci.returncode == 2 and "postgresql" in under_ci.stderr
    local = _run([sys.executable, "scripts/services.py"], CI="false", GGZY_TEST_PG_PORT=port)
    assert local.returncode == 1


def test_postgres_test_run_fails_under_ci_when_the_server_is_down(tmp_path):
    dsn = f"postgresql://postgres@127.0.0.1:{_closed_port()}/postgres"
    result = _run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "tests/migrations/test_migrations.py::test_models_match_the_migrated_schema"],
                  CI="true", GGZY_TEST_DATABASE="postgresql", GGZY_TEST_PG_DSN=dsn,
                  GGZY_VAR_DIR=str(tmp_path))
    assert result.returncode != 0
    assert "PostgreSQL is not reachable" in result.stdout + result.stderr
