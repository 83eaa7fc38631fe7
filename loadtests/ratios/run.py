"""``make bench`` (``python -m loadtests ratios``): the platform beside what bounds it, in one run.

On a dedicated PostgreSQL database (``ggzy_bench``, dropped at the end) and Redis database
(14, flushed first), with the platform as the spike starts it (``ggzy web --workers 2``, a
worker with concurrency 2, the dispatcher; the test clock on, to pass the deadline for (c)):

(a) 64 KB sealed bids: receipts/s and latency, C keep-alive connections each rotating over its
    own bidders (one upload in flight per bidder), against the bare streaming sink
    (``loadtests.ratios.sink``: stream, SHA-256, write, fsync) served the same way, in
    alternating rounds; the ratio of the medians;
(b) large sealed bids (``--large-mb``, default 20 MB), MB/s on 4 connections, the same way;
(c) opening N x 10 MB: from the rebuilt key to the opening record (database times), against
    pycryptodome AES-256-GCM decrypt-and-verify of the same bytes in 1 MiB segments on as many
    processes as the worker has (the same cores).

Every platform answer counts only when it is a 201 naming the digest of the bytes sent.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import multiprocessing
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
from Crypto.Cipher import AES

from bidding import services as bidding
from loadtests.ratios import cpu
from loadtests.ratios.load import Request, Result, hammer
from loadtests.spike import fixture
from loadtests.spike import run as spike_run
from loadtests.spike.plan import Settings
from loadtests.spike.stack import Stack, free_port, running
from supervision import services as supervision
from trading import clock, db
from trading.settings import PROJECT_ROOT, get_settings

SEGMENT = (1 << 20) + 16  # an envelope segment and its tag
SINK_FILES = "sink-files"  # what the sink kept (as the platform keeps its envelopes)


def _bid_path(made: fixture.Fixture) -> str:
    return f"/api/v1/tenders/{made.tender_id}/sections/{made.section_id}/bid"


def _requests(made: fixture.Fixture, folder: Path, count: int, size: int,
              tag: str) -> list[tuple[Request, str]]:
    """One sealed envelope for each of the first ``count`` bidders, with its token."""
    out = []
    for index, token, org in made.bidders[:count]:
        step = fixture.seal_envelope(made, org, size, folder / f"{tag}-{index}.env",
                                     90_000_000 + index)
        body = Path(step.envelope).read_bytes()
        out.append((Request(_bid_path(made), "", body, step.sha256), token))
    return out


def _rotations(pairs: list[tuple[Request, str]], connections: int,
               path: str | None) -> list[list[Request]]:
    """Connection i takes requests i, i + C, ...: never two uploads of one bidder at once."""
    rotations: list[list[Request]] = [[] for _ in range(connections)]
    for number, (request, token) in enumerate(pairs):
        headers = "" if path else f"Authorization: Bearer {token}\r\n"
        rotations[number % connections].append(
            Request(path or request.path, headers, request.body, request.sha256))
    return rotations


def granian_argv(target: str, port: int, workers: int) -> list[str]:
    """(d): Granian in place of uvicorn, as alike as it allows (access log on, as uvicorn's
    ``info`` level has it; no bounded request head: that protocol class is uvicorn's)."""
    return [sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host",
            "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "info",
            "--access-log", "--no-ws", target]


class Sink:
    """A server process on a free port: the bare sink by default, or any ``argv(port)``."""

    def __init__(self, workers: int, logs: Path, argv: Callable[[int], list[str]] | None = None,
                 name: str = "sink", env: dict[str, str] | None = None) -> None:
        self.port = free_port()
        folder = logs / SINK_FILES
        folder.mkdir(parents=True, exist_ok=True)
        self.log = (logs / f"{name}.log").open("ab")
        command = argv(self.port) if argv else [
            sys.executable, "-m", "loadtests.ratios.sink", "--port", str(self.port),
            "--workers", str(workers)]
        self.process = subprocess.Popen(  # our own interpreter and modules
            command, cwd=PROJECT_ROOT, stdout=self.log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {}), "SINK_DIR": str(folder)})
        end = time.monotonic() + 60
        while time.monotonic() < end:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the sink did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


def _rounds(label: str, platform: Stack, sink: Sink, pairs: list[tuple[Request, str]],
            connections: int, seconds: float, rounds: int,
            roots: dict[int, str] | None = None) -> tuple[list[Result], list[Result]]:
    """Alternating rounds; ``roots``: the platform's processes by group (``cpu.snapshot``)."""
    roots = roots if roots is not None else _platform_roots(platform)
    ours = _rotations(pairs, connections, None)
    bare = _rotations(pairs, connections, "/sink")
    hammer(sink.port, bare, min(3.0, seconds))  # warm-up: connections, caches, JIT-free paths
    hammer(platform.port, ours, min(3.0, seconds))
    mine, theirs = [], []
    for number in range(rounds):
        theirs.append(_measured(sink.port, bare, seconds, {sink.process.pid: "sink"}))
        print(f"  ({label}) round {number + 1} sink     {theirs[-1].summary()}", flush=True)
        print(f"      {cpu.describe(theirs[-1].cpu)}", flush=True)
        mine.append(_measured(platform.port, ours, seconds, roots))
        print(f"  ({label}) round {number + 1} platform {mine[-1].summary()}", flush=True)
        print(f"      {cpu.describe(mine[-1].cpu)}", flush=True)
        for error in mine[-1].errors[:3]:
            print(f"      error: {error}")
    return mine, theirs


def _measured(port: int, rotations: list[list[Request]], seconds: float,
              roots: dict[int, str]) -> Result:
    before = cpu.snapshot(roots)
    result = hammer(port, rotations, seconds)
    result.cpu = cpu.per_request(before, cpu.snapshot(roots), result.done)
    return result


def _platform_roots(platform: Stack) -> dict[int, str]:
    names = {"web": "web", "worker": "worker and dispatcher", "dispatcher": "worker and dispatcher"}
    return {child.pid: names[name.removeprefix(platform.label)]
            for name, child in platform.children.items()
            if name.removeprefix(platform.label) in names}


def _granian(platform: Stack, small: list[tuple[Request, str]], args: argparse.Namespace,
             work: Path, env: dict[str, str]) -> list[str]:
    """(d): the same 64 KB rounds with Granian serving the platform and the sink (the same
    database, worker and dispatcher), beside uvicorn's figures from (a)."""
    web = Sink(args.web_workers, work / "logs", lambda port: granian_argv(
        "trading.http_server:served_app", port, args.web_workers), "granian-web", env)
    bare = Sink(args.web_workers, work / "logs", lambda port: granian_argv(
        "loadtests.ratios.sink:create", port, args.web_workers), "granian-sink")
    try:
        served = Stack(env, work / "logs", args.web_workers, args.worker_concurrency,
                       port=web.port)
        roots = {pid: name for pid, name in _platform_roots(platform).items() if name != "web"}
        mine, theirs = _rounds("d", served, bare, small, args.connections, args.seconds,
                               args.rounds, {**roots, web.process.pid: "web"})
    finally:
        web.stop()
        bare.stop()
    ours, sink = _median(mine, "per_second"), _median(theirs, "per_second")
    p99 = max(r.percentile(0.99) for r in mine)
    return [f"(d) Granian, 64 KB, {args.connections} connections: {ours:.1f} receipts/s "
            f"(p99 {p99 * 1000:.0f} ms) vs Granian sink {sink:.1f} req/s -> ratio "
            f"{ours / sink:.3f}; compare (a) for uvicorn"]


def _pure_tags(paths: list[str], key: bytes) -> list[list[bytes]]:
    """Setup, not timed: the GCM tag each segment of each file has under ``key``."""
    tags = []
    for path in paths:
        file_tags = []
        with open(path, "rb") as source:
            number = 0
            while chunk := source.read(SEGMENT):
                nonce = number.to_bytes(12, "big")
                plain = AES.new(key, AES.MODE_GCM, nonce=nonce).decrypt(chunk)
                file_tags.append(AES.new(key, AES.MODE_GCM, nonce=nonce).encrypt_and_digest(
                    plain)[1])
                number += 1
        tags.append(file_tags)
    return tags


def _warm(number: int) -> int:
    return number


def _pure_open(job: tuple[str, bytes, list[bytes]]) -> int:
    path, key, tags = job
    done = 0
    with open(path, "rb") as source:
        for number, tag in enumerate(tags):
            chunk = source.read(SEGMENT)
            AES.new(key, AES.MODE_GCM, nonce=number.to_bytes(12, "big")).decrypt_and_verify(
                chunk, tag)
            done += len(chunk)
    return done


def _opening(made: fixture.Fixture, platform: Stack, folder: Path, count: int,
             processes: int) -> tuple[float, float]:
    """(c): upload ``count`` 10 MB bids, pass the deadline, send the shares; the platform's
    time from the rebuilt key to the opening record, and plain AES-GCM's for the same bytes."""
    paths = []
    with httpx.Client(base_url=platform.url, timeout=300) as client:
        for index, token, org in made.bidders[:count]:
            step = fixture.seal_envelope(made, org, 10 * 1000 * 1000,
                                         folder / f"open-{index}.env", 90_000_000 + index)
            answer = client.put(_bid_path(made), content=Path(step.envelope).read_bytes(),
                                headers={"Authorization": f"Bearer {token}"})
            if answer.status_code != 201:
                raise RuntimeError(f"upload for the opening refused: {answer.text[:300]}")
            paths.append(step.envelope)
    with db.transaction() as session:
        clock.set_test_now(session, made.deadline + dt.timedelta(seconds=1))
    spike_run.wait_for(lambda: _state(made.tender_id) == "closed", 180, "the closing", platform)
    spike_run.send_shares([platform.url], made)
    spike_run.wait_for(lambda: _state(made.tender_id) != "closed", 900, "the opening", platform)
    with db.read_only() as session:
        tender = bidding.get_tender(session, made.tender_id)
        rebuilt = tender.key_reconstructed_at
        [record] = supervision.entries(session, action="opening.record",
                                       subject=f"tender/{made.tender_id}", limit=10)
    assert rebuilt is not None
    ours = (clock.as_utc(record.created_at) - clock.as_utc(rebuilt)).total_seconds()
    key = secrets.token_bytes(32)
    tags = _pure_tags(paths, key)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        pool.map(_warm, range(processes * 4))  # started, this module imported: then the clock
        started = time.perf_counter()
        total = sum(pool.map(_pure_open, [(p, key, t) for p, t in zip(paths, tags, strict=True)],
                             chunksize=1))
        pure = time.perf_counter() - started
    assert total == sum(Path(p).stat().st_size for p in paths)
    return ours, pure


def _state(tender_id: uuid.UUID) -> str:
    with db.read_only() as session:
        return bidding.get_tender(session, tender_id).state


def _median_cpu(results: list[Result], unit: str) -> str:
    """The rounds' median CPU per request of each group (``loadtests.ratios.cpu``)."""
    groups = [name for name in results[0].cpu if all(name in r.cpu for r in results)]
    parts = [f"{name} {statistics.median(r.cpu[name] for r in results):.2f}" for name in groups]
    return f"CPU ms per {unit}: " + ", ".join(parts)


def _median(results: list[Result], attribute: str) -> float:
    return float(statistics.median(getattr(r, attribute) for r in results))


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m loadtests ratios", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16, help="for the 64 KB bids")
    parser.add_argument("--bidders", type=int, default=256, help="distinct 64 KB bidders")
    parser.add_argument("--large-mb", type=int, default=20)
    parser.add_argument("--large-connections", type=int, default=4)
    parser.add_argument("--open", type=int, default=100, help="N bids of 10 MB to open")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--only", default="abcd", help="which parts to run, e.g. ab")
    parser.add_argument("--database", default="ggzy_bench")
    parser.add_argument("--broker", default=os.environ.get("GGZY_BENCH_BROKER",
                                                           "redis://127.0.0.1:6379/14"))
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "var" / "bench")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse(argv)
    work: Path = args.out
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    name = args.database
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    spike_run.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    spike_run.pg_admin(f'CREATE DATABASE "{name}"')
    try:
        env = spike_run.stack_env(url, args.broker, work / "var")
        os.environ.update(env)
        get_settings.cache_clear()
        db.reset_engine_cache()
        spike_run.flush_redis(args.broker)
        spike_run.migrate(url)
        _bench(args, work, env)
    finally:
        db.reset_engine_cache()
        spike_run.pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work / "var" / "storage", ignore_errors=True)
        shutil.rmtree(work / "envelopes", ignore_errors=True)
        shutil.rmtree(work / "logs" / SINK_FILES, ignore_errors=True)
    return 0


def _bench(args: argparse.Namespace, work: Path, env: dict[str, str]) -> None:
    from trading.app import load_domains

    load_domains()
    folder = work / "envelopes"
    folder.mkdir()
    bidders = max(args.bidders, args.connections, args.large_connections)
    upload = fixture.build(Settings(bidders=bidders if "a" in args.only or "b" in args.only
                                    else 0), "bench-up")
    opening = fixture.build(Settings(bidders=args.open if "c" in args.only else 0), "bench-open")
    small = _requests(upload, folder, bidders, 64 * 1024, "small") if "a" in args.only else []
    large = (_requests(upload, folder, args.large_connections, args.large_mb * 1000 * 1000,
                       "large") if "b" in args.only else [])
    lines = [f"machine: {os.cpu_count()} cores, {_memory()}; web workers {args.web_workers}, "
             f"worker concurrency {args.worker_concurrency}; PostgreSQL + Redis on loopback"]
    platform = Stack(env, work / "logs", args.web_workers, args.worker_concurrency)
    sink = Sink(args.web_workers, work / "logs")
    try:
        with running(platform):
            if small:
                mine, theirs = _rounds("a", platform, sink, small, args.connections,
                                       args.seconds, args.rounds)
                ours, bare = _median(mine, "per_second"), _median(theirs, "per_second")
                p99 = max(r.percentile(0.99) for r in mine)
                lines.append(f"(a) 64 KB, {args.connections} connections: {ours:.1f} receipts/s "
                             f"(p99 {p99 * 1000:.0f} ms, worst round) vs sink {bare:.1f} req/s "
                             f"-> ratio {ours / bare:.3f} (target >= 500/s, p99 < 1 s, >= 0.5)")
                lines.append(f"    {_median_cpu(mine, 'receipt')}; the sink's "
                             f"{_median_cpu(theirs, 'request')}")
            if large:
                mine, theirs = _rounds("b", platform, sink, large, args.large_connections,
                                       args.seconds, args.rounds)
                ours, bare = _median(mine, "mb_per_second"), _median(theirs, "mb_per_second")
                lines.append(f"(b) {args.large_mb} MB, {args.large_connections} connections: "
                             f"{ours:.0f} MB/s vs sink {bare:.0f} MB/s -> ratio {ours / bare:.2f}"
                             " (target >= 0.7)")
            sink.stop()
            if small and "d" in args.only:
                if importlib.util.find_spec("granian") is None:
                    lines.append("(d) skipped: Granian is not installed "
                                 "(.venv/bin/pip install granian)")
                else:
                    lines.extend(_granian(platform, small, args, work, env))
            if "c" in args.only:
                ours_s, pure_s = _opening(opening, platform, folder, args.open,
                                          args.worker_concurrency)
                lines.append(f"(c) opening {args.open} x 10 MB: {ours_s:.2f} s from the rebuilt "
                             f"key to the record vs {pure_s:.2f} s plain AES-256-GCM on "
                             f"{args.worker_concurrency} processes -> {ours_s / pure_s:.2f}x "
                             "(target <= 1.5x)")
    finally:
        if sink.process.poll() is None:
            sink.stop()
    print("\n".join(["", "== make bench", *lines]), flush=True)
    (work / "summary.txt").write_text("\n".join(lines) + "\n")


def _memory() -> str:
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError):
        return "memory unknown"
    return f"{pages / 2**30:.0f} GiB"
