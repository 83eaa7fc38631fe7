"""The supervision log core on a real migrated database (SQLite or PostgreSQL, see conftest).

What must hold: indices are gapless even across rollbacks and concurrent writers; the stored
tree gives the same roots and proofs as the naive RFC 9162 recursion over the entries' own
canonical bytes; reads touch O(log n) stored nodes and never the entries; entries are RFC 8785
bytes; and on PostgreSQL the entries and nodes cannot be changed or removed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import rfc8785
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError

from supervision import merkle, services
from tests.conftest import BACKEND
from trading import audit, db
from trading.audit import Actor

BIDDER = Actor(user_id="user-1", role="bidder", ip="10.0.0.7")
postgres_only = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL triggers")


def _append(count: int, action: str = "test.step", subject: str = "test:1") -> list[int]:
    with db.transaction() as session:
        return [services.record(session, BIDDER, action, subject, {"n": i}) for i in range(count)]


def _leaf_hashes() -> list[bytes]:
    """Every leaf hash, recomputed from the stored canonical bytes (not the stored hash)."""
    with db.read_only() as session:
        rows = services.entries(session, limit=10_000)
    assert [row.seq for row in rows] == list(range(len(rows)))
    return [merkle.leaf_hash(row.canonical) for row in rows]


# --- sequence -----------------------------------------------------------------------------


def test_indices_are_gapless_across_transactions(database: str) -> None:
    assert _append(5) == [0, 1, 2, 3, 4]
    assert _append(3) == [5, 6, 7]
    with db.read_only() as session:
        assert services.tree_size(session) == 8
        assert [e.seq for e in services.entries(session)] == list(range(8))


def test_the_audit_hook_writes_through_record(database: str) -> None:
    with db.transaction() as session:
        index = audit.record(session, Actor.system("dispatcher"), "tender.closed", "tender:9")
    with db.read_only() as session:
        entry = services.get_entry(session, index)
    assert entry is not None
    assert (entry.action, entry.subject, entry.body) == ("tender.closed", "tender:9", {})
    assert entry.actor == Actor(user_id=None, role="dispatcher", ip=None)


def test_rolled_back_entries_vanish_without_a_gap(database: str) -> None:
    _append(2)
    with pytest.raises(RuntimeError, match="change failed"), db.transaction() as session:
        assert services.record(session, BIDDER, "bid.submitted", "bid:lost", {}) == 2
        assert services.record(session, BIDDER, "bid.submitted", "bid:lost", {}) == 3
        raise RuntimeError("change failed after logging")
    assert _append(1, action="bid.submitted", subject="bid:kept") == [2]
    with db.read_only() as session:
        assert services.tree_size(session) == 3
        assert services.entries(session, subject="bid:lost") == []
        assert services.root_at(session, 3) == merkle.root_from_leaves(_leaf_hashes())


def test_an_entry_in_a_rolled_back_savepoint_leaves_no_gap(database: str) -> None:
    with db.transaction() as session:
        assert services.record(session, BIDDER, "notice.published", "notice:kept", {}) == 0
        with pytest.raises(RuntimeError), session.begin_nested():
            assert services.record(session, BIDDER, "notice.published", "notice:undone", {}) == 1
            raise RuntimeError("the savepoint's change failed")
        assert services.record(session, BIDDER, "notice.failed", "notice:kept", {}) == 1
    with db.read_only() as session:
        assert [e.subject for e in services.entries(session)] == ["notice:kept", "notice:kept"]
        assert services.root_at(session, 2) == merkle.root_from_leaves(_leaf_hashes())


def test_a_transaction_locks_the_head_once_across_its_flushes(database: str) -> None:
    """The head a transaction wrote is reused by its next entry even after the caller's own
    rows were flushed in between (a flush ends a subtransaction, not the transaction); the
    entries stay consecutive and the tree whole."""
    from trading.accounts.models import Organization

    locks: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.startswith("SELECT log_head.size, log_head.frontier"):
            locks.append(statement)  # the lock's read (SQLite serialises writers instead)

    with db.transaction() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            first = services.record(session, BIDDER, "draw.contributed", "draw:1", {})
            session.get(Organization, uuid.uuid4())  # an ORM read, a write of the caller's own
            session.add(Organization(name="阳泉城投公司", kind="tenderee", credit_code=None,
                                     created_at=dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
            session.flush()
            second = services.record(session, BIDDER, "draw.result", "draw:1", {})
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert (first, second) == (0, 1)
    assert len(locks) == 1
    with db.read_only() as session:
        assert services.root_at(session, 2) == merkle.root_from_leaves(_leaf_hashes())


def test_a_batch_appends_its_entries_together_with_the_indexes_it_gave(database: str) -> None:
    """A draw's step logs several entries in a batch: they land in one write, consecutive, in
    the order recorded and at the indexes ``record`` returned, after an earlier transaction's."""
    _append(2)
    writes: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "log_entry" in statement and statement.lstrip().upper().startswith(("WITH", "INSERT")):
            writes.append(statement)

    with db.transaction() as session:
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", count)
        try:
            with services.batch(session):
                given = [services.record(session, BIDDER, "draw.step", "draw:7", {"n": i})
                         for i in range(5)]
                assert services.tree_size(session) == 2  # nothing written inside the block
        finally:
            event.remove(engine, "before_cursor_execute", count)
    assert given == [2, 3, 4, 5, 6]
    assert len(writes) == 1
    with db.read_only() as session:
        entries = services.entries(session, subject="draw:7")
        assert [(e.seq, e.body["n"]) for e in entries] == [(2, 0), (3, 1), (4, 2), (5, 3), (6, 4)]
        assert services.root_at(session, 7) == merkle.root_from_leaves(_leaf_hashes())


def test_a_batch_left_by_an_error_logs_nothing(database: str) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session, services.batch(session):
        services.record(session, BIDDER, "draw.step", "draw:8", {})
        raise RuntimeError("the step failed")
    assert _append(1) == [0]


def test_record_never_commits(database: str) -> None:
    with db.transaction() as session:
        services.record(session, BIDDER, "bid.submitted", "bid:1", {})
        session.rollback()  # the caller decides: dropping its transaction drops the entry
    with db.read_only() as session:
        assert services.tree_size(session) == 0


def test_concurrent_appenders_get_a_gapless_sequence(database: str) -> None:
    threads, per_thread = 8, 25
    start = threading.Barrier(threads)
    results: dict[int, list[int]] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            start.wait()
            results[worker] = []
            for i in range(per_thread):
                with db.transaction() as session:
                    index = services.record(
                        session, BIDDER, "bid.submitted", f"w:{worker}", {"i": i}
                    )
                results[worker].append(index)
        except BaseException as error:  # reported below: a thread's exception is otherwise lost
            errors.append(error)

    # Build settings and engine here: their lazy creation is not itself a subject of this test.
    db.get_engine()
    pool = [threading.Thread(target=work, args=(w,)) for w in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()

    assert errors == []
    indices = [index for worker in results.values() for index in worker]
    assert sorted(indices) == list(range(threads * per_thread))
    assert all(worker == sorted(worker) for worker in results.values())
    leaves = _leaf_hashes()
    with db.read_only() as session:
        assert services.root_at(session, len(leaves)) == merkle.root_from_leaves(leaves)
        # Each worker's own entries are in its own order: its body counter rises with seq.
        for worker in range(threads):
            own = services.entries(session, subject=f"w:{worker}", limit=1000)
            assert [e.body["i"] for e in own] == list(range(per_thread))


# --- entries ------------------------------------------------------------------------------


def test_entry_is_rfc8785_canonical_json(database: str) -> None:
    body: dict[str, Any] = {
        "b": 1,
        "a": {"z": [1, 2.5, None, True], "y": "开标"},
        "amount_fen": 123_456,
    }
    with db.transaction() as session:
        services.record(session, BIDDER, "bid.submitted", "tender:T-1", body)
    with db.read_only() as session:
        entry = services.get_entry(session, 0)
    assert entry is not None

    time = services.format_time(entry.created_at)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", time)
    expected = (
        '{"action":"bid.submitted",'
        '"actor":{"ip":"10.0.0.7","role":"bidder","user_id":"user-1"},'
        '"body":{"a":{"y":"开标","z":[1,2.5,null,true]},"amount_fen":123456,"b":1},'
        f'"seq":0,"subject":"tender:T-1","time":"{time}"}}'
    ).encode()
    assert entry.canonical == expected  # sorted keys, no whitespace, raw UTF-8
    assert entry.canonical == rfc8785.dumps(
        {
            "seq": 0,
            "time": time,
            "actor": {"user_id": "user-1", "role": "bidder", "ip": "10.0.0.7"},
            "action": "bid.submitted",
            "subject": "tender:T-1",
            "body": body,
        }
    )
    assert entry.leaf_hash == hashlib.sha256(b"\x00" + entry.canonical).digest()
    assert entry.body == body
    assert entry.actor == BIDDER


def test_entries_of_a_system_actor_and_an_empty_body_are_canonical_too(database: str) -> None:
    """The entry's bytes are assembled from its sorted parts: every shape still equals RFC 8785."""
    system = Actor.system("dispatcher")
    bodies: list[dict[str, Any]] = [{}, {"列表": ["é", "\u2028", "\x7f"], "n": -(2**53 - 1)}]
    with db.transaction() as session, services.batch(session):
        for body in bodies:
            services.record(session, system, "tender.closed", "tender:é", body)
    with db.read_only() as session:
        entries = services.entries(session, subject="tender:é")
    for entry, body in zip(entries, bodies, strict=True):
        assert entry.canonical == rfc8785.dumps({
            "seq": entry.seq, "time": services.format_time(entry.created_at),
            "actor": {"user_id": system.user_id, "role": system.role, "ip": system.ip},
            "action": "tender.closed", "subject": "tender:é", "body": body})
        assert entry.body == body


def test_entry_time_is_the_database_clock_in_utc_milliseconds(database: str) -> None:
    with db.transaction() as session:
        before = _db_now(session)
        services.record(session, BIDDER, "bid.submitted", "bid:1", {})
        after = _db_now(session)
        entry = services.get_entry(session, 0)
    assert entry is not None
    assert entry.created_at.tzinfo is not None
    assert entry.created_at.utcoffset() == dt.timedelta(0)
    assert entry.created_at.microsecond % 1000 == 0
    assert before - dt.timedelta(milliseconds=1) <= entry.created_at <= after


def _db_now(session: Any) -> dt.datetime:
    from trading import clock

    return clock.now(session)


def test_body_that_is_not_plain_json_is_refused(database: str) -> None:
    with pytest.raises(ValueError, match="not plain JSON"), db.transaction() as session:
        services.record(session, BIDDER, "bid.submitted", "bid:1", {"at": dt.datetime.now(dt.UTC)})
    with db.read_only() as session:
        assert services.tree_size(session) == 0


def test_entries_filter_and_page(database: str) -> None:
    _append(3, action="bid.submitted", subject="tender:A")
    _append(2, action="tender.closed", subject="tender:A")
    _append(4, action="bid.submitted", subject="tender:B")
    with db.read_only() as session:
        bids = services.entries(session, action="bid.submitted")
        assert [e.seq for e in bids] == [0, 1, 2, 5, 6, 7, 8]
        tender_a = services.entries(session, subject="tender:A", action="tender.closed")
        assert [e.seq for e in tender_a] == [3, 4]
        first = services.entries(session, limit=4)
        rest = services.entries(session, after=first[-1].seq, limit=100)
        assert [e.seq for e in first + rest] == list(range(9))
        assert services.get_entry(session, 9) is None
        with pytest.raises(ValueError):
            services.entries(session, limit=0)


# --- the tree -----------------------------------------------------------------------------


def test_roots_match_the_reference_for_every_size(database: str) -> None:
    with db.read_only() as session:
        assert services.root_at(session, 0) == merkle.EMPTY_ROOT
    for _ in range(70):  # one entry per transaction, as in production
        _append(1)
    leaves = _leaf_hashes()
    with db.read_only() as session:
        for size in range(71):
            assert services.root_at(session, size) == merkle.root_from_leaves(leaves[:size]), size


def test_inclusion_proofs_match_and_verify(database: str) -> None:
    _append(40)
    leaves = _leaf_hashes()
    with db.read_only() as session:
        for size in range(1, 41):
            root = services.root_at(session, size)
            for index in range(size):
                proof = services.inclusion_proof(session, index, size)
                assert proof == merkle.inclusion_proof_from_leaves(leaves[:size], index)
                merkle.verify_inclusion(leaves[index], index, size, proof, root)


def test_consistency_proofs_match_and_verify(database: str) -> None:
    _append(64)
    leaves = _leaf_hashes()
    with db.read_only() as session:
        roots = [services.root_at(session, size) for size in range(65)]
        for n in range(65):
            for m in range(n + 1):
                proof = services.consistency_proof(session, m, n)
                assert proof == merkle.consistency_proof_from_leaves(leaves[:n], m), (m, n)
                merkle.verify_consistency(m, n, roots[m], roots[n], proof)


def test_requests_beyond_the_log_are_refused(database: str) -> None:
    _append(5)
    with db.read_only() as session:
        for call in (
            lambda: services.root_at(session, 6),
            lambda: services.root_at(session, -1),
            lambda: services.inclusion_proof(session, 5, 5),
            lambda: services.inclusion_proof(session, 0, 6),
            lambda: services.consistency_proof(session, 3, 6),
            lambda: services.consistency_proof(session, 4, 3),
        ):
            with pytest.raises(ValueError):
                call()


@pytest.fixture
def statements(database: str) -> Iterator[list[str]]:
    """The SQL statements the platform's engine runs while the test body runs."""
    seen: list[str] = []

    def listen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", listen)
    yield seen
    event.remove(engine, "before_cursor_execute", listen)


def test_reads_cost_a_few_queries_and_never_scan_entries(statements: list[str]) -> None:
    size = 300
    _append(size)
    with db.read_only() as session:
        statements.clear()
        services.root_at(session, 299)
        services.inclusion_proof(session, 137, 299)
        services.consistency_proof(session, 100, 299)
        reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    # Per call: one head read (size check) and one read of the needed nodes.
    assert len(reads) == 6
    assert not any("log_entry" in s for s in statements)
    node_reads = [s for s in reads if "log_node" in s]
    bound_pairs = [s.count("?") + s.count("%(") for s in node_reads]
    assert all(count <= 2 * 2 * (size.bit_length() + 1) for count in bound_pairs), bound_pairs


# --- immutability (PostgreSQL) ------------------------------------------------------------


@postgres_only
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE log_entry SET action = 'forged'",
        "UPDATE log_entry SET body = '{}' WHERE seq = 0",
        "DELETE FROM log_entry WHERE seq = 1",
        "TRUNCATE log_entry",
        "UPDATE log_node SET hash = hash",
        "DELETE FROM log_node",
        "TRUNCATE log_node",
        "TRUNCATE log_node, log_entry, log_head",
    ],
)
def test_changing_the_log_is_refused(database: str, statement: str) -> None:
    _append(3)
    root = _current_root()
    with pytest.raises(DBAPIError, match="supervision log is append-only"), db.transaction() as s:
        s.execute(text(statement))
    assert _current_root() == root
    assert _append(1) == [3]  # the head row itself stays writable


def _current_root() -> bytes:
    with db.read_only() as session:
        return services.root_at(session, services.tree_size(session))
