"""The deadline spike, short (issue 17): a real platform (``ggzy web --workers 2``, a worker,
the dispatcher) on this run's database backend, a dozen bidders driven by locust across a
deadline the test clock puts a minute away, then the database's truth (loadtests.spike.truth).

On SQLite the broker is the embedded one; on PostgreSQL a Redis database of the spike's own
(``GGZY_SPIKE_SMOKE_BROKER``, flushed first). A missing Redis skips locally, fails under CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redis

from loadtests.spike import run
from loadtests.spike.plan import Settings
from supervision.config import get_config as log_config
from tests.conftest import BACKEND, IN_CI
from trading.settings import get_settings

SMOKE_BROKER = os.environ.get("GGZY_SPIKE_SMOKE_BROKER", "redis://127.0.0.1:6379/12")
SMOKE = Settings(bidders=10, lead_s=20, peak_s=10, tail_s=6, large=1, large_min_mb=10,
                 large_max_mb=10, p99_ms=5000, replace_ratio=0.2, withdraw_ratio=0.1)


def _broker(tmp_path: Path) -> str:
    if BACKEND == "sqlite":
        return f"sqla+sqlite:///{tmp_path / 'spike-broker.sqlite3'}"
    try:
        run.flush_redis(SMOKE_BROKER)
    except redis.RedisError as error:
        message = f"Redis is not reachable at {SMOKE_BROKER}: {error}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return SMOKE_BROKER


@pytest.mark.broker
@pytest.mark.timeout(240)
def test_the_deadline_spike_passes_and_the_database_agrees(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    env = run.stack_env(database, _broker(tmp_path), tmp_path / "var")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    log_config.cache_clear()  # the log key as the stack sees it (its var dir)
    try:
        passed = run.spike(SMOKE, tmp_path / "spike", env)
    finally:
        get_settings.cache_clear()
        log_config.cache_clear()
    out = capsys.readouterr().out
    assert passed, out
    assert "PASS" in out and "opened: " in out
    assert (tmp_path / "spike" / "report.html").exists()
    assert (tmp_path / "spike" / "stats_stats.csv").exists()
