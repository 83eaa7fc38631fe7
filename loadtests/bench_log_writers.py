"""Concurrent log writers on PostgreSQL: ``record`` (locks the head until commit) against
``promise`` + ``integrate_soon`` (issue 17's hot path for bids), in the same run.

Each of ``BENCH_WRITERS`` threads (default 16) runs ``BENCH_WRITES`` transactions (default
300); a transaction does what a bid's does to the log: one sealed-size body, then commit. The
figure is committed entries per second and the p99 transaction time; after the promise run the
pending rows are appended and the tree is checked to hold every entry once. Python threads
share one GIL, so both figures include the ORM and driver CPU the web workers also pay.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
import uuid
from collections.abc import Callable

from sqlalchemy.orm import Session

WRITERS = int(os.environ.get("BENCH_WRITERS", "16"))
WRITES = int(os.environ.get("BENCH_WRITES", "300"))


def _body(n: int) -> dict[str, object]:
    return {"section": str(uuid.UUID(int=n)), "size": 65_536, "key_id": "k" * 32,
            "signed": False, "bid": str(uuid.uuid4()), "envelope_sha256": "ab" * 32,
            "commitment": "cd" * 32}


def _run(write: Callable[[Session, int], None], after: Callable[[], None] | None) -> tuple[float, float]:
    from trading import db

    times: list[float] = []
    lock = threading.Lock()

    def writer(w: int) -> None:
        mine = []
        for i in range(WRITES):
            started = time.perf_counter()
            with db.transaction() as session:
                write(session, w * WRITES + i)
            if after is not None:
                after()
            mine.append(time.perf_counter() - started)
        with lock:
            times.extend(mine)

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(WRITERS)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return len(times) / elapsed, statistics.quantiles(times, n=100)[98] * 1000


def _measure() -> None:
    from supervision import sequencer, services
    from trading import db
    from trading.audit import Actor

    actor = Actor(user_id=None, role="bidder", ip=None)

    def record(session: Session, n: int) -> None:
        services.record(session, actor, "bid.submitted", f"tender/{n % 7}", _body(n))

    def promise(session: Session, n: int) -> None:
        services.promise(session, actor, "bid.submitted", f"tender/{n % 7}", _body(n))

    def nudge() -> None:
        services.integrate_soon()

    rate_r, p99_r = _run(record, None)
    rate_p, p99_p = _run(promise, nudge)
    with db.transaction() as session:
        sequencer.integrate(session)
    with db.read_only() as session:
        size = services.tree_size(session)
        assert size == 2 * WRITERS * WRITES, size
        assert sequencer.waiting(session) == 0
    print(f"  {WRITERS} writers x {WRITES} entries, PostgreSQL")
    print(f"  record (head locked until commit): {rate_r:7.0f} entries/s, p99 {p99_r:6.1f} ms")
    print(f"  promise + integrate_soon:          {rate_p:7.0f} entries/s, p99 {p99_p:6.1f} ms")
    print(f"  ratio: {rate_p / rate_r:.2f}x; the tree holds all {size} entries once")


def main() -> None:
    from loadtests.scratch import scratch_postgres
    from trading.app import load_domains

    load_domains()
    with scratch_postgres("ggzy_bench_log"):
        _measure()


if __name__ == "__main__":
    main()
