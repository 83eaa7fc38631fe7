"""Benchmark of the public portal on PostgreSQL (figures go to the README):

1. **Search**: with ``BENCH_DISCLOSURE_NOTICES`` public notices (default 1,000,000) in a scratch
   database, p50/p95/p99 latency of ``GET /api/v1/notices?q=...`` (and with filters) over HTTP,
   one request at a time, for a mix of common two-character words (道路, about 5 % of the
   notices), place names, rare and absent terms, three-character and Latin terms.
   Target: p95 < 100 ms.
2. **Notice page**: requests per second of ``GET /notices/{id}`` for visitors who are not
   logged in, against a bare Litestar JSON handler, both served by uvicorn with the same
   settings (2 workers, no access log) and driven by the same keep-alive HTTP/1.1 load
   generator (asyncio, 64 connections) on the same machine. Target: at least half. Two
   traffic shapes: the 1,000 newest notices (what a portal's visitors mostly open; served from
   the per-worker page cache after a warm-up) and 200,000 notices spread over the whole table
   (cache misses, but for a few per cent: one indexed statement and a template render each).

The notices are loaded with COPY (secondary indexes dropped first and rebuilt after, as a
bulk load should), then ANALYZEd. Only ``disclosure_notice`` is filled: pages and search read
nothing else. The scratch database is dropped at the end.

Environment: ``BENCH_DISCLOSURE_NOTICES``, ``BENCH_DISCLOSURE_SEARCHES`` (400),
``BENCH_DISCLOSURE_SECONDS`` (10 per load run), ``BENCH_DISCLOSURE_WORKERS`` (2),
``BENCH_DISCLOSURE_WARM_UP`` (10 s), ``BENCH_DISCLOSURE_DATABASE`` (keep and reuse this
database instead of a scratch one),
``GGZY_TEST_PG_DSN`` (admin DSN, as the tests).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg
from litestar import Litestar, get

from disclosure import search
from trading.settings import PROJECT_ROOT

NOTICES = int(os.environ.get("BENCH_DISCLOSURE_NOTICES", "1000000"))
SEARCHES = int(os.environ.get("BENCH_DISCLOSURE_SEARCHES", "400"))
SECONDS = float(os.environ.get("BENCH_DISCLOSURE_SECONDS", "10"))
WORKERS = int(os.environ.get("BENCH_DISCLOSURE_WORKERS", "2"))
CONNECTIONS = 64
ROUNDS = int(os.environ.get("BENCH_DISCLOSURE_ROUNDS", "3"))
WARM_UP = float(os.environ.get("BENCH_DISCLOSURE_WARM_UP", "10"))
PG_ADMIN_DSN = os.environ.get("GGZY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")

REGIONS = ("阳泉市城区", "阳泉市矿区", "阳泉市郊区", "平定县", "盂县", "太原市小店区", "太原市迎泽区",
           "大同市平城区", "长治市潞州区", "晋城市城区", "朔州市朔城区", "晋中市榆次区", "运城市盐湖区",
           "忻州市忻府区", "临汾市尧都区", "吕梁市离石区")
TOWNS = ("冠山镇", "娘子关镇", "荫营镇", "义井镇", "河底镇", "西烟镇", "仙人乡", "锁簧镇", "张庄镇",
         "东回镇", "岔口乡", "巨城镇", "孙家庄镇", "石门口乡", "柏井镇", "冶西镇", "南娄镇",
         "秀水镇", "路家村镇", "下社乡", "北娄乡", "上社镇", "牛村镇", "梁家寨乡", "苌池镇")
PROJECTS = ("道路改造工程", "供水管网改造工程", "中小学教学设备采购", "污水处理厂提标改造",
            "老旧小区改造工程", "桥梁维修加固工程", "医院医疗设备采购", "施工监理服务",
            "物业管理服务", "绿化养护服务", "智慧城市平台建设", "农村公路建设工程",
            "体育馆建设工程", "垃圾转运站建设", "路灯节能改造", "河道综合治理工程",
            "学校食堂改造", "办公家具采购", "信息系统运维服务", "消防设施维保服务")
TYPES = (("tender_announcement", "招标公告"), ("clarification", "澄清公告"),
         ("opening_record", "开标记录"), ("candidate_publicity", "中标候选人公示"),
         ("result_announcement", "中标结果公告"), ("failed_tender", "流标公告"))
CATEGORIES = ("construction", "procurement")
TENDEREES = tuple(f"{r}城市建设投资有限公司" for r in REGIONS)
BASE = 1_767_225_600  # 2026-01-01T00:00:00Z


# --- data ------------------------------------------------------------------------------------


def _rows(count: int) -> Iterator[str]:
    """COPY text lines (no tab, newline or backslash can occur in the generated values)."""
    rng = random.Random(20261127)
    for i in range(count):
        region, town = REGIONS[i % len(REGIONS)], rng.choice(TOWNS)
        project = rng.choice(PROJECTS)
        kind, kind_zh = TYPES[i % len(TYPES)]
        ref = f"YQ-2026-{i // len(TYPES):06d}"
        title = f"{region}{town}{project}{kind_zh}"
        tenderee = TENDEREES[i % len(TENDEREES)]
        data = json.dumps({"tenderee": tenderee, "project_name": f"{town}{project}",
                           "reason": "投标人不足 3 家", "content": "详见附件"},
                          ensure_ascii=False)
        text = search.search_text([title, ref, region, tenderee, f"{town}{project}"])
        moment = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(BASE + i * 15))
        digest = hashlib.sha256(ref.encode() + i.to_bytes(8)).hexdigest()
        yield "\t".join((str(uuid.UUID(int=rng.getrandbits(128), version=4)), kind, ref, title,
                         region, CATEGORIES[i % 2], data, digest, str(i), str(i), "public",
                         moment, moment, moment, "\\N", text, search.search_grams(text),
                         "\\N")) + "\n"


COLUMNS = ("id, notice_type, tender_ref, title, region, category, data, content_hash, log_index,"
           " feed_seq, status, publish_at, published_at, created_at, corrects_id, search_text,"
           " search_grams, publicity_ends_at")


def _load(dsn: str, count: int) -> float:
    started = time.perf_counter()
    with psycopg.connect(dsn, autocommit=True) as conn:
        indexes = conn.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'disclosure_notice' "
            "AND indexname LIKE 'ix_%'").fetchall()
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        with conn.cursor() as cur, cur.copy(
                f"COPY disclosure_notice ({COLUMNS}) FROM STDIN") as copy:
            batch: list[str] = []
            for line in _rows(count):
                batch.append(line)
                if len(batch) == 5000:
                    copy.write("".join(batch))
                    batch.clear()
            copy.write("".join(batch))
        print(f"  loaded {count:,} rows in {time.perf_counter() - started:.0f} s", flush=True)
        conn.execute("SET maintenance_work_mem = '1GB'")
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("VACUUM ANALYZE disclosure_notice")
    return time.perf_counter() - started


# --- servers ---------------------------------------------------------------------------------


@get("/bare", sync_to_thread=False)
def _bare() -> dict[str, bool]:
    return {"ok": True}


def bare_app() -> Litestar:
    """The reference: a bare Litestar JSON handler (``--factory loadtests.bench_disclosure:bare_app``)."""
    return Litestar(route_handlers=[_bare])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    def __init__(self, factory: str, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1",
             "--port", str(self.port), "--workers", str(WORKERS), "--no-access-log",
             "--log-level", "warning"], cwd=PROJECT_ROOT, env={**os.environ, **env})
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"http://127.0.0.1:{self.port}/", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"{factory} did not start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


# --- load generator --------------------------------------------------------------------------


async def _response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(b":") for ln in lines[1:])}
    if headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    else:
        await reader.readexactly(int(headers.get(b"content-length", b"0")))
    return status


# Like a browser after its first page: it sends back the CSRF cookie the platform set, so the
# server does not mint a new one for every request (the bare app ignores it).
COOKIE = ""


async def _connection(port: int, paths: list[str], deadline: float, stats: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    rng = random.Random()
    cookie = f"Cookie: {COOKIE}\r\n" if COOKIE else ""
    try:
        while time.perf_counter() < deadline:
            path = paths[rng.randrange(len(paths))]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}\r\n".encode())
            status = await _response(reader)
            stats[0 if status == 200 else 1] += 1
    finally:
        writer.close()


async def _hammer(port: int, paths: list[str], seconds: float) -> tuple[float, int]:
    stats = [0, 0]
    await asyncio.gather(*(_connection(port, paths, time.perf_counter() + WARM_UP, [0, 0])
                           for _ in range(CONNECTIONS)))  # warm-up (fills the page caches)
    started = time.perf_counter()
    await asyncio.gather(*(_connection(port, paths, started + seconds, stats)
                           for _ in range(CONNECTIONS)))
    return stats[0] / (time.perf_counter() - started), stats[1]


def _rps(port: int, paths: list[str]) -> tuple[float, int]:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    return asyncio.run(_hammer(port, paths, SECONDS))


# --- searches --------------------------------------------------------------------------------


def _search_paths(dsn: str) -> list[tuple[str, str]]:
    with psycopg.connect(dsn) as conn:
        refs = [r[0] for r in conn.execute(
            "SELECT tender_ref FROM disclosure_notice TABLESAMPLE SYSTEM (1) LIMIT 50")]
    rng = random.Random(7)
    kinds: list[tuple[str, str]] = []
    for _ in range(SEARCHES):
        pick = rng.randrange(8)
        if pick == 0:
            kinds.append(("common 2-char", "q=" + quote(rng.choice(("道路", "改造", "采购", "服务")))))
        elif pick == 1:
            kinds.append(("town", "q=" + quote(rng.choice(TOWNS))))
        elif pick == 2:
            kinds.append(("2 terms + region", "q=" + quote(
                f"{rng.choice(TOWNS)[:2]} {rng.choice(PROJECTS)[:2]}") + "&region="
                + quote(rng.choice(REGIONS))))
        elif pick == 3:
            kinds.append(("tender ref", "q=" + quote(rng.choice(refs))))
        elif pick == 4:
            kinds.append(("absent", "q=" + quote(rng.choice(("不存在的词", "核电站", "zzqx")))))
        elif pick == 5:
            kinds.append(("3-char", "q=" + quote(rng.choice(PROJECTS)[1:4])))
        elif pick == 6:
            kinds.append(("type + category + dates", "type=failed_tender&category=procurement"
                          "&date_from=2026-02-01&date_to=2026-03-01"))
        else:
            kinds.append(("word + type", "q=" + quote(rng.choice(PROJECTS)[:4])
                          + "&type=result_announcement"))
    return kinds


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))]


def _searches(port: int, dsn: str) -> dict[str, float]:
    timings: dict[str, list[float]] = {}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
        for _ in range(20):
            client.get("/api/v1/notices?q=%E9%81%93%E8%B7%AF")  # warm-up
        for kind, query in _search_paths(dsn):
            started = time.perf_counter()
            response = client.get(f"/api/v1/notices?{query}")
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, (query, response.status_code)
            timings.setdefault(kind, []).append(elapsed)
    every = [t for values in timings.values() for t in values]
    for kind, values in sorted(timings.items()):
        print(f"    {kind:<24} n={len(values):<4} p50 {statistics.median(values):6.1f} ms"
              f"  p95 {_percentile(values, .95):6.1f} ms  max {max(values):6.1f} ms")
    return {"p50_ms": statistics.median(every), "p95_ms": _percentile(every, .95),
            "p99_ms": _percentile(every, .99), "max_ms": max(every)}


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    # BENCH_DISCLOSURE_DATABASE names a database to keep between runs (loaded once).
    keep = os.environ.get("BENCH_DISCLOSURE_DATABASE", "")
    name = keep or f"ggzy_bench_disclosure_{uuid.uuid4().hex[:8]}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{name}"
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')
    var = tempfile.mkdtemp(prefix="ggzy-bench-disclosure-")
    env = {"GGZY_DATABASE_URL": url, "GGZY_VAR_DIR": var}
    try:
        subprocess.run([sys.executable, "-m", "alembic", "upgrade", "heads"],
                       cwd=PROJECT_ROOT, env={**os.environ, **env}, check=True)
        load_seconds = 0.0
        if not (exists and _count(dsn) == NOTICES):
            load_seconds = _load(dsn, NOTICES)
        print(f"  {NOTICES:,} notices loaded and indexed in {load_seconds:.0f} s", flush=True)
        results = _measure(dsn, env)
        results.update(notices=NOTICES, load_seconds=round(load_seconds, 1), workers=WORKERS,
                       connections=CONNECTIONS, seconds=SECONDS)
        out = Path(PROJECT_ROOT / "var" / "bench")
        out.mkdir(parents=True, exist_ok=True)
        (out / "disclosure.json").write_text(json.dumps(results, indent=2))
        print(json.dumps(results, indent=2))
    finally:
        if not keep:
            with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        row = conn.execute("SELECT count(*) FROM disclosure_notice").fetchone()
        return int(row[0]) if row else 0


def _measure(dsn: str, env: dict[str, str]) -> dict[str, object]:
    app = Server("trading.app:create_app", env)
    bare = Server("loadtests.bench_disclosure:bare_app", env)
    try:
        print("  search over HTTP, one request at a time:", flush=True)
        searches = _searches(app.port, dsn)
        with psycopg.connect(dsn) as conn:
            # Far more notices than the page caches hold (MAX_ENTRIES per worker): misses.
            spread = [str(r[0]) for r in conn.execute(
                "SELECT id FROM disclosure_notice TABLESAMPLE SYSTEM (25) LIMIT 200000")]
            recent = [str(r[0]) for r in conn.execute(
                "SELECT id FROM disclosure_notice ORDER BY published_at DESC LIMIT 1000")]
        hot = [f"/notices/{i}" for i in recent]
        global COOKIE
        first = httpx.get(f"http://127.0.0.1:{app.port}{hot[0]}")
        COOKIE = "; ".join(f"{k}={v}" for k, v in first.cookies.items())
        # The machine is shared: alternate the two servers and compare round by round.
        rounds = []
        for _ in range(ROUNDS):
            bare_rps, bare_errors = _rps(bare.port, ["/bare"])
            page_rps, page_errors = _rps(app.port, hot)
            rounds.append((page_rps, bare_rps, page_errors + bare_errors))
            print(f"  round: notice page (1,000 newest) {page_rps:,.0f} req/s, bare handler "
                  f"{bare_rps:,.0f} req/s: ratio {page_rps / bare_rps:.2f}", flush=True)
        cold_rps, cold_errors = _rps(app.port, [f"/notices/{i}" for i in spread])
    finally:
        app.stop()
        bare.stop()
    ratios = sorted(page / base for page, base, _ in rounds)
    median = ratios[len(ratios) // 2]
    bare_median = statistics.median(base for _, base, _ in rounds)
    print(f"  notice page, 200,000 notices spread over the table (cache misses): "
          f"{cold_rps:,.0f} req/s: ratio {cold_rps / bare_median:.2f}", flush=True)
    return {"search": {k: round(v, 1) for k, v in searches.items()},
            "notice_page_rps": round(statistics.median(p for p, _, _ in rounds)),
            "notice_page_cold_rps": round(cold_rps), "bare_rps": round(bare_median),
            "ratio_median": round(median, 3), "ratios": [round(r, 3) for r in ratios],
            "ratio_cold": round(cold_rps / bare_median, 3),
            "errors": sum(e for _, _, e in rounds) + cold_errors}


if __name__ == "__main__":
    main()
