"""Benchmarks of the supervision log (figures go to the README):

1. ``ggzy log verify`` on a 1,000,000-entry export: wall time and peak RSS of the real command
   in a subprocess (target: < 15 s, < 300 MB on the 2-core machine), and of the standalone
   ``python -m supervision.verifier``.
2. Inclusion proofs at 10,000,000 entries on PostgreSQL: p50/p95/p99 of
   ``services.inclusion_proof`` in its own read-only transaction, as the API calls it
   (target: p95 < 20 ms). The scratch database holds the *full* ``log_node`` table of a
   10,000,000-leaf tree (every complete subtree, ≈ 20 million rows, real SHA-256 hashes);
   ``log_entry`` rows are not loaded because no proof reads them (the proof path reads the
   head row and O(log n) nodes by primary key, see ``supervision.services``).

Environment: ``BENCH_LOG_ENTRIES`` (default 1,000,000), ``BENCH_LOG_TREE`` (10,000,000),
``BENCH_LOG_PROOFS`` (2,000), ``GGZY_TEST_PG_DSN`` (admin DSN, as the tests).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from supervision import merkle, note, verifier
from trading.settings import PROJECT_ROOT

ENTRIES = int(os.environ.get("BENCH_LOG_ENTRIES", "1000000"))
TREE = int(os.environ.get("BENCH_LOG_TREE", "10000000"))
PROOFS = int(os.environ.get("BENCH_LOG_PROOFS", "2000"))
CHECKPOINT_EVERY = 10_000
PG_ADMIN_DSN = os.environ.get("GGZY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
ORIGIN = "bench.ggzy.example/log"


# --- 1. the verifier ----------------------------------------------------------------------


def _documents(count: int) -> Iterator[bytes]:
    """Realistic entries (≈ 330 bytes): tenders published, bid on, closed, opened, awarded."""
    tender = ""
    for seq in range(count):
        phase = seq % 50
        if phase == 0:
            tender = f"tender:{uuid.UUID(int=seq)}"
        action, subject, body = _step(phase, seq, tender)
        doc = {"seq": seq, "time": f"2026-03-01T08:{seq // 60000 % 60:02d}:{seq // 1000 % 60:02d}."
               f"{seq % 1000:03d}Z", "actor": {"user_id": str(uuid.UUID(int=seq * 7)), "role": "bidder",
                                               "ip": f"10.{seq % 250}.{seq % 7}.{seq % 199}"},
               "action": action, "subject": subject, "body": body}
        # Keys sorted, no spaces, ASCII only: for such documents this *is* RFC 8785.
        yield json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def _step(phase: int, seq: int, tender: str) -> tuple[str, str, dict[str, object]]:
    if phase == 0:
        return "tender.published", tender, {"sections": 1}
    if phase == 47:
        return "tender.closed", tender, {"bids": 46}
    if phase == 48:
        return "tender.opened", tender, {"opened": 46}
    if phase == 49:
        return "tender.awarded", tender, {"winner": str(uuid.UUID(int=seq - 3))}
    digest = hashlib.sha256(seq.to_bytes(8, "big")).hexdigest()
    return "bid.submitted", f"bid:{uuid.UUID(int=seq)}", {"tender": tender, "envelope_sha256": digest}


def write_export(path: Path, count: int, key: note.SignerKey) -> None:
    stack: list[bytes] = []
    sha = hashlib.sha256
    checkpoints = 0
    with open(path, "wb", buffering=1 << 20) as out:
        out.write(verifier.header_line(key.name, key.verifier.encode(), count))
        for size, doc in enumerate(_documents(count), start=1):
            leaf = sha(b"\x00" + doc).digest()
            out.write(verifier.ENTRY_PREFIX + doc + verifier.LEAF_INFIX + base64.b64encode(leaf) + b'"}\n')
            node, n = leaf, size - 1
            while n & 1:
                node = sha(b"\x01" + stack.pop() + node).digest()
                n >>= 1
            stack.append(node)
            if size % CHECKPOINT_EVERY == 0 or size == count:
                root = merkle.fold_nodes(stack)
                signed = note.sign_checkpoint(note.Checkpoint(key.name, size, root), key)
                out.write(verifier.checkpoint_line(signed))
                checkpoints += 1
        out.write(verifier.end_line(count, checkpoints))


def _measure(argv: list[str]) -> tuple[float, float, int, str]:
    """Wall seconds, peak RSS in MB (of that child alone, via wait4), exit status, output."""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert process.stdout is not None
    output = process.stdout.read().decode()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss / 1024, process.returncode, output.strip()


def bench_verify() -> None:
    key = note.generate_key(ORIGIN)
    with tempfile.TemporaryDirectory(prefix="bench-log-") as folder:
        path = Path(folder) / "export.jsonl"
        started = time.perf_counter()
        write_export(path, ENTRIES, key)
        size_mb = path.stat().st_size / 1e6
        took = time.perf_counter() - started
        print(f"export: {ENTRIES:,} entries, {size_mb:,.0f} MB, written in {took:.1f} s")
        vkey = key.verifier.encode()
        runs = {
            "ggzy log verify": [sys.executable, "-m", "trading.cli", "log", "verify", str(path),
                                "--log-key", vkey],
            "python -m supervision.verifier": [sys.executable, "-m", "supervision.verifier", str(path),
                                               "--log-key", vkey],
        }
        for name, argv in runs.items():
            seconds, rss, status, output = _measure(argv)
            print(f"{name}: {seconds:.1f} s, peak RSS {rss:.0f} MB, exit {status} — {output[-120:]}")


# --- 2. inclusion proofs at 10 million entries ---------------------------------------------

CHUNK_LEVEL = 20  # build and load the tree one 2**20-leaf subtree at a time (bounded memory)


def _chunk_nodes(chunk: int, width: int) -> Iterator[tuple[int, int, bytes]]:
    """Every complete subtree inside leaves [chunk * 2**20, + width), leaves first."""
    base = chunk << CHUNK_LEVEL
    sha = hashlib.sha256
    level_hashes = [sha(b"\x00" + (base + i).to_bytes(8, "big")).digest() for i in range(width)]
    level = 0
    while level_hashes:
        offset = base >> level
        for i, value in enumerate(level_hashes):
            yield level, offset + i, value
        pairs = len(level_hashes) // 2
        level_hashes = [sha(b"\x01" + level_hashes[2 * i] + level_hashes[2 * i + 1]).digest()
                        for i in range(pairs)]
        level += 1


def _upper_nodes(roots: dict[int, bytes]) -> Iterator[tuple[int, int, bytes]]:
    """Levels above the chunks, from the complete chunks' roots."""
    level, current = CHUNK_LEVEL, roots
    while len(current) > 1:
        parents = {i // 2: hashlib.sha256(b"\x01" + current[i] + current[i + 1]).digest()
                   for i in sorted(current) if i % 2 == 0 and i + 1 in current}
        level += 1
        for index, value in sorted(parents.items()):
            yield level, index, value
        current = parents


def load_tree(url: str, size: int) -> None:
    import psycopg

    chunk_roots: dict[int, bytes] = {}
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as connection, connection.cursor() as cursor:
        cursor.execute("ALTER TABLE log_node SET UNLOGGED")  # scratch data: skip the WAL
        cursor.execute("ALTER TABLE log_node DROP CONSTRAINT pk_log_node")
        chunks = (size + (1 << CHUNK_LEVEL) - 1) >> CHUNK_LEVEL
        for chunk in range(chunks):
            width = min(1 << CHUNK_LEVEL, size - (chunk << CHUNK_LEVEL))
            with cursor.copy("COPY log_node (level, idx, hash) FROM STDIN") as copy:
                for level, index, value in _chunk_nodes(chunk, width):
                    copy.write_row((level, index, value))
                    if level == CHUNK_LEVEL:
                        chunk_roots[chunk] = value
        with cursor.copy("COPY log_node (level, idx, hash) FROM STDIN") as copy:
            for row in _upper_nodes(chunk_roots):
                copy.write_row(row)
        cursor.execute("ALTER TABLE log_node ADD CONSTRAINT pk_log_node PRIMARY KEY (level, idx)")
        cursor.execute("ALTER TABLE log_node SET LOGGED")
        cursor.execute("UPDATE log_head SET size = %s WHERE id = 1", (size,))
        connection.commit()
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE log_node")


def bench_proofs() -> None:
    import psycopg

    from tests.conftest import migrate
    from trading.app import load_domains

    name = f"ggzy_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        load_domains()
        migrate(url)
        started = time.perf_counter()
        load_tree(url, TREE)
        print(f"log_node for {TREE:,} leaves loaded in {time.perf_counter() - started:.0f} s")
        _time_proofs(url)
    finally:
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _time_proofs(url: str) -> None:
    from sqlalchemy import text

    from supervision import services
    from trading import db as database
    from trading.settings import get_settings

    os.environ["GGZY_DATABASE_URL"] = url
    get_settings.cache_clear()
    database.reset_engine_cache()
    rng = random.Random(7)
    with database.read_only() as session:
        rows = session.execute(text("SELECT count(*) FROM log_node")).scalar_one()
        root = services.root_at(session, TREE)
    print(f"log_node rows: {rows:,}")
    timings = []
    for attempt in range(PROOFS + 100):
        index = rng.randrange(TREE)
        started = time.perf_counter()
        with database.read_only() as session:
            proof = services.inclusion_proof(session, index, TREE)
        elapsed = time.perf_counter() - started
        if attempt >= 100:  # the first hundred warm the pool and the caches
            timings.append(elapsed * 1000)
        if attempt % 500 == 0:
            leaf = hashlib.sha256(b"\x00" + index.to_bytes(8, "big")).digest()
            merkle.verify_inclusion(leaf, index, TREE, proof, root)
    timings.sort()
    pct = statistics.quantiles(timings, n=100)
    print(f"inclusion proof at {TREE:,} entries, {len(timings)} random leaves: "
          f"p50 {pct[49]:.2f} ms, p95 {pct[94]:.2f} ms, p99 {pct[98]:.2f} ms, max {timings[-1]:.2f} ms")


def main() -> None:
    bench_verify()
    bench_proofs()


if __name__ == "__main__":
    main()
