"""The deadline spike against two platform nodes (issue 17, part 5), short: each node (web,
worker, dispatcher) in a network namespace of its own, both on this run's PostgreSQL database
and one Redis database, the bidders spread over both across the deadline. The database's truth
holds (one clock, one closing, one opening, nothing lost) and receipts came from both nodes.

PostgreSQL only (the nodes reach the database over TCP; SQLite is one file of one machine).
Needs ``ip netns`` (root): without it, skipped locally and failed under CI, as is a missing
Redis (``GGZY_SPIKE_TWO_NODES_BROKER``, a database of its own, flushed first).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import redis

from loadtests.spike import nodes, run
from loadtests.spike.plan import Settings
from supervision.config import get_config as log_config
from tests.conftest import BACKEND, IN_CI
from trading.settings import get_settings

BROKER = os.environ.get("GGZY_SPIKE_TWO_NODES_BROKER", "redis://127.0.0.1:6379/10")
SHORT = Settings(bidders=10, lead_s=16, peak_s=8, tail_s=5, large=0, p99_ms=5000,
                 replace_ratio=0.2, withdraw_ratio=0.1)


def _unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _ours_left() -> list[str]:
    listing = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True,
                             check=False).stdout
    return [line for line in listing.splitlines() if f"{nodes.PREFIX}{os.getpid()}-" in line]


@pytest.mark.broker
@pytest.mark.timeout(240)
@pytest.mark.skipif(BACKEND != "postgresql", reason="two nodes share a PostgreSQL server")
def test_two_nodes_take_bids_across_the_deadline_and_close_and_open_once(
        database: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    why = nodes.netns_usable()
    if why is not None:
        _unavailable(f"network namespaces are not available: {why}")
    try:
        run.flush_redis(BROKER)
    except redis.RedisError as error:
        _unavailable(f"Redis is not reachable at {BROKER}: {error}")
    env = run.stack_env(database, BROKER, tmp_path / "var")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    log_config.cache_clear()  # the log key as the stack sees it (its var dir)
    try:
        passed = run.spike(SHORT, tmp_path / "spike", env, web_workers=1, worker_concurrency=1,
                           node_count=2)
    finally:
        get_settings.cache_clear()
        log_config.cache_clear()
    out = capsys.readouterr().out
    assert passed, out
    assert "PASS" in out and "receipts_per_node: {'node1': " in out
    assert _ours_left() == [], "a network namespace of this run was left behind"
