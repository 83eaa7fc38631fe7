"""``python -m loadtests spike``: the deadline spike against a platform it starts itself.

1. a dedicated PostgreSQL database (``ggzy_spike``, dropped at the end unless ``--keep``),
   migrated; a dedicated Redis database as broker (flushed first);
2. the fixture through the services: users with API tokens, a tender with a real key
   ceremony published under the law's periods; every envelope sealed beforehand;
3. ``ggzy web --workers 2``, a worker and the dispatcher, on the test clock, which is then
   moved to minutes before the deadline (time compression: nothing sleeps for 20 days);
   with ``--nodes 2``, two nodes instead, each web, worker and dispatcher in a network
   namespace of its own (``loadtests.spike.nodes``), the bidders spread over both;
4. locust, headless and bounded, on loopback (``loadtests/spike/locustfile.py``), CSV and HTML
   reports under ``var/spike/``;
5. after the deadline: the dispatcher closes the tender, two custodians send their shares over
   HTTP, the worker opens every bid;
6. the truth from the database (``loadtests.spike.truth``), then PASS or FAIL.

``spike()`` is steps 2-6 on whatever database the environment names, so the test suite runs a
short version on its own database (tests/loadtests/test_spike_smoke.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import httpx

from bidding import services as bidding
from bidding.sealing import ceremony
from bidding.sealing.crypto import dkg_custodian
from loadtests.spike import fixture, nodes, truth
from loadtests.spike.plan import Settings
from loadtests.spike.stack import Stack, running
from supervision.config import get_config as log_config
from trading import clock, db
from trading.settings import PROJECT_ROOT, get_settings

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PG_ADMIN_DSN = os.environ.get("GGZY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


class Platform(Protocol):
    """One stack (``Stack``) or several nodes (``nodes.Nodes``), as the driver sees them."""

    @property
    def urls(self) -> list[str]: ...

    def check_alive(self) -> None: ...

    def wait_ready(self) -> None: ...


def wait_for(condition: Callable[[], bool], seconds: float, what: str,
             stack: Platform) -> float:
    start = time.monotonic()
    while not condition():
        stack.check_alive()
        if time.monotonic() - start > seconds:
            raise TimeoutError(f"{what}: not within {seconds:.0f} s")
        time.sleep(0.5)
    return time.monotonic() - start


def _state(tender_id: uuid.UUID) -> str:
    with db.read_only() as session:
        return bidding.get_tender(session, tender_id).state


def send_shares(urls: list[str], made: fixture.Fixture) -> None:
    """What ``ggzy custody open-share`` does for two of the three custodians (k = 2), each
    to the next node."""
    with db.read_only() as session:
        transcript = ceremony.transcript_of(session, bidding.get_tender(session, made.tender_id))
    for number, (_user_id, token, keys) in enumerate(made.custodians[:2]):
        body = dkg_custodian.share_submission(transcript, keys)
        url = urls[number % len(urls)]
        answer = httpx.post(f"{url}/api/v1/tenders/{made.tender_id}/shares", timeout=60,
                            json={"share_b64": body["share_b64"],
                                  "signature_b64": body["signature_b64"]},
                            headers={"Authorization": f"Bearer {token}"})
        if answer.status_code != 201:
            raise RuntimeError(f"share refused: {answer.status_code} {answer.text[:300]}")


def spike(settings: Settings, work: Path, stack_env: dict[str, str], web_workers: int = 2,
          worker_concurrency: int = 2, node_count: int = 1) -> bool:
    """Steps 2-6 on the database the environment names (migrated). True when it passed."""
    from trading.app import load_domains

    load_domains()
    work.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    # The fixture is built while the platform's processes start (they take seconds to import).
    with _platform(stack_env, work, web_workers, worker_concurrency, node_count) as stack:
        made = fixture.build(settings, f"spike{secrets.token_hex(3)}")
        plan = fixture.seal_all(made, settings, work / "envelopes", "")
        print(f"fixture: {settings.bidders} bidders, tender {made.tender_id}, "
              f"{sum(len(b.steps) for b in plan.bidders)} steps; {_since(started)}", flush=True)
        stack.wait_ready()
        plan.host = stack.urls[0]
        plan.hosts = stack.urls if node_count > 1 else []
        with db.transaction() as session:  # the deadline is now lead_s (+ locust's start) away
            clock.set_test_now(session, made.deadline - dt.timedelta(seconds=settings.lead_s + 5))
        with db.read_only() as session:
            platform_now, real_now = clock.now(session), time.time()
        plan.deadline_epoch = real_now + (made.deadline - platform_now).total_seconds()
        plan.outcomes = str(work / "outcomes.jsonl")
        plan.save(work / "plan.json")
        print(f"platform at {', '.join(stack.urls)} ({_since(started)}); deadline in "
              f"{plan.deadline_epoch - time.time():.0f} s on the test clock "
              f"({clock.format_local(made.deadline)})", flush=True)
        locust_ok = _locust(plan.host, work, settings)
        wait_for(lambda: _state(made.tender_id) != "published", 120, "the closing", stack)
        send_shares(stack.urls, made)
        shares_sent = time.monotonic()
        wait_for(lambda: _state(made.tender_id) != "closed", 600, "the opening", stack)
        print(f"opened {time.monotonic() - shares_sent:.1f} s after the shares were sent "
              f"(state {_state(made.tender_id)}; {_since(started)})", flush=True)
        verdict = truth.check(plan, truth.read_outcomes(Path(plan.outcomes)), made.deadline,
                              work)
        if isinstance(stack, nodes.Nodes):
            verdict.facts["worker_tasks_per_node"] = stack.tasks_done()
    for name, value in verdict.facts.items():
        print(f"  {name}: {value}")
    for problem in verdict.problems[:50]:
        print(f"  PROBLEM: {problem}")
    passed = locust_ok and verdict.ok
    print(f"reports: {work}/report.html, {work}/stats_stats.csv ({_since(started)})")
    print("PASS" if passed else "FAIL", flush=True)
    return passed


def _since(started: float) -> str:
    return f"at {time.monotonic() - started:.0f} s"


def _platform(env: dict[str, str], work: Path, web_workers: int, worker_concurrency: int,
              node_count: int) -> AbstractContextManager[Platform]:
    if node_count > 1:
        return nodes.platform(env, work / "logs", node_count, web_workers, worker_concurrency,
                              wait=False)
    return running(Stack(env, work / "logs", web_workers, worker_concurrency), wait=False)


def _locust(host: str, work: Path, settings: Settings) -> bool:
    bound = settings.lead_s + settings.tail_s + 120
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
               "--host", host, "--csv", str(work / "stats"), "--html", str(work / "report.html"),
               "--loglevel", "WARNING", "--only-summary", "--stop-timeout", "60"]
    env = {**os.environ, "SPIKE_PLAN": str(work / "plan.json")}
    with (work / "locust.log").open("wb") as out:
        try:
            done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, stdout=out,
                                  stderr=subprocess.STDOUT, timeout=bound, check=False)
        except subprocess.TimeoutExpired:
            print(f"locust ran past its bound of {bound:.0f} s", flush=True)
            return False
    text = (work / "locust.log").read_text(errors="replace")
    print("\n".join(line for line in text.splitlines() if line.startswith("spike:")
                    or "Aggregated" in line or "PUT" in line), flush=True)
    return done.returncode == 0


# --- the command: its own PostgreSQL database and Redis database ---------------------------


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type,unused-ignore]


def migrate(url: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    command.upgrade(config, "heads")


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url, socket_connect_timeout=3).flushdb()


def stack_env(database_url: str, broker_url: str, var_dir: Path) -> dict[str, str]:
    """The processes' settings; this process (the fixture, the checks) must use them too."""
    return {"GGZY_DATABASE_URL": database_url, "GGZY_BROKER_URL": broker_url,
           "GGZY_VAR_DIR": str(var_dir), "GGZY_STORAGE_DIR": str(var_dir / "storage"),
           "GGZY_TEST_CLOCK": "1", "GGZY_ENV": os.environ.get("GGZY_ENV", "development"),
           "GGZY_SECRET_KEY": os.environ.get("GGZY_SECRET_KEY", secrets.token_hex(32))}


def parse(argv: list[str]) -> argparse.Namespace:
    d = Settings()
    parser = argparse.ArgumentParser(prog="python -m loadtests spike", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bidders", type=int, default=d.bidders)
    parser.add_argument("--lead", type=float, default=d.lead_s,
                        help="seconds of load before the deadline")
    parser.add_argument("--peak", type=float, default=d.peak_s,
                        help="the final stretch that takes most bids (seconds)")
    parser.add_argument("--tail", type=float, default=d.tail_s, help="seconds after it")
    parser.add_argument("--large", type=int, default=d.large, help="bidders with 10-50 MB bids")
    parser.add_argument("--large-max-mb", type=int, default=d.large_max_mb)
    parser.add_argument("--p99-ms", type=float, default=d.p99_ms,
                        help="fail when the 64 KB uploads' p99 is above this")
    parser.add_argument("--nodes", type=int, default=1, choices=range(1, 5),
                        help="platform nodes, each in a network namespace of its own (root)")
    parser.add_argument("--web-workers", type=int, default=None,
                        help="per node; default 2 on one node, 1 on each of several")
    parser.add_argument("--worker-concurrency", type=int, default=None,
                        help="per node; default 2 on one node, 1 on each of several")
    parser.add_argument("--database", default="ggzy_spike")
    parser.add_argument("--broker", default=os.environ.get("GGZY_SPIKE_BROKER",
                                                           "redis://127.0.0.1:6379/13"),
                        help="a Redis database of its own: it is flushed first")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "var" / "spike")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    settings = Settings(bidders=args.bidders, lead_s=args.lead, tail_s=args.tail,
                        peak_s=min(args.peak, args.lead * 0.6), large=args.large,
                        large_max_mb=max(args.large_max_mb, Settings.large_min_mb),
                        p99_ms=args.p99_ms)
    per_node = 2 if args.nodes == 1 else 1
    # A SIGTERM (a timeout, a CI runner) unwinds like Ctrl-C: processes stopped, namespaces
    # and the database removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work: Path = args.out
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    name = args.database
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    try:
        env = stack_env(url, args.broker, work / "var")
        os.environ.update(env)
        get_settings.cache_clear()
        log_config.cache_clear()
        db.reset_engine_cache()
        flush_redis(args.broker)
        migrate(url)
        passed = spike(settings, work, env, args.web_workers or per_node,
                       args.worker_concurrency or per_node, args.nodes)
    finally:
        db.reset_engine_cache()
        if not args.keep:  # the reports and logs stay; the bytes (up to GBs) do not
            pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            shutil.rmtree(work / "envelopes", ignore_errors=True)
            shutil.rmtree(work / "var" / "storage", ignore_errors=True)
    return 0 if passed else 1
