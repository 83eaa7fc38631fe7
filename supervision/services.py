"""Supervision services; ``record`` is the one function every domain writes through.

The log is an RFC 9162 Merkle tree. Appending writes the entry, the hashes of the subtrees it
completes (``log_node``) and the new head, all in the caller's transaction: a state change and
its log entry commit or vanish together, and a rolled-back entry leaves no gap because its
sequence number was never taken from anything but the (equally rolled-back) head row.

Reads (roots, proofs) use only stored complete-subtree hashes: one read of the head to check
the requested size and one read of O(log n) nodes; the entries themselves are never scanned.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from supervision import merkle, sequencer
from supervision.appending import HEAD_ID as HEAD_ID
from supervision.appending import Head, NewEntry, append, lock_head
from supervision.appending import LogIntegrityError as LogIntegrityError
from supervision.appending import canonical_bytes as canonical_bytes
from supervision.appending import format_time as format_time
from supervision.models import LogCheckpoint, LogEntry, LogHead, LogNode
from supervision.sequencer import Promise as Promise
from supervision.sequencer import integrate_soon as integrate_soon
from supervision.sequencer import kept_promises as kept_promises
from supervision.sequencer import promise as promise
from trading import clock
from trading.audit import Actor
from trading.settings import get_settings

DEFAULT_PAGE = 100


@dataclass(frozen=True)
class Entry:
    """A log entry as other domains and tools see it (decoupled from the ORM row)."""

    seq: int
    created_at: dt.datetime
    actor: Actor
    action: str
    subject: str
    body: dict[str, Any]
    canonical: bytes
    leaf_hash: bytes


# --- writing -----------------------------------------------------------------------------


def record(session: Session, actor: Actor, action: str, subject: str, body: dict[str, Any]) -> int:
    """Append an entry in ``session``'s transaction (never commits) and return its index.

    The head row stays locked until the caller's transaction ends, which serialises every
    writer that logs: call this as the last step of a unit of work, after the row locks the
    change itself needs, so that the lock is held briefly and lock order is always the same.
    Promised entries (``sequencer``) visible to the transaction are appended first, so an
    entry always follows every promise committed before it was made.
    """
    return record_many(session, [(actor, action, subject, body)])


def record_many(session: Session,
                entries: Sequence[tuple[Actor, str, str, dict[str, Any]]]) -> int:
    """``record`` for several entries at once, in order (one head lock, one tree update);
    returns the index of the first."""
    batch = session.info.get(_BATCH)
    if isinstance(batch, _Batch) and batch.transaction is session.get_transaction():
        return batch.add(session, [NewEntry(*entry) for entry in entries])
    head, moment = _lock_and_drain(session)
    first = head.size
    append(session, head, moment, [NewEntry(*entry) for entry in entries])
    session.flush()  # the caller's own rows, as before the entry: one failure point
    return first


def _lock_and_drain(session: Session) -> tuple[Head, dt.datetime]:
    """The locked head after every waiting promise, and the time its next entries take."""
    head = lock_head(session)
    assert head is not None
    # The time and whether promises wait, in one statement after the lock (a new snapshot
    # under READ COMMITTED, so promises committed while this waited for the head are seen).
    moment, waiting = session.connection().execute(_time_and_waiting(session)).one()
    moment = clock.as_utc(moment)
    if waiting:
        head = sequencer.drain(session, head, moment)
    return head, moment


_BATCH = "supervision.batch"  # session.info: the open ``batch``


@dataclass
class _Batch:
    """Entries recorded inside ``batch``: the head is locked (and promises drained) at the
    first, so each entry's index is known when it is recorded, as outside a batch."""

    transaction: object
    head: Head | None = None
    moment: dt.datetime | None = None
    entries: list[NewEntry] = field(default_factory=list)

    def add(self, session: Session, entries: list[NewEntry]) -> int:
        if self.head is None:
            self.head, self.moment = _lock_and_drain(session)
        first = self.head.size + len(self.entries)
        self.entries.extend(entries)
        return first

    def write(self, session: Session) -> None:
        if self.head is not None and self.moment is not None and self.entries:
            append(session, self.head, self.moment, self.entries)
            session.flush()


@contextmanager
def batch(session: Session) -> Iterator[None]:
    """Entries recorded in the block are appended together when it ends: one statement for a
    step that logs several (a draw's contribution logs five; each append cost a round trip
    and its statement). They take the time of the first, which the lock orders like any
    other. The block must not contain a savepoint, and nothing in it may read the log."""
    if _BATCH in session.info:  # nested: the outer block appends
        yield
        return
    session.connection()  # begins the transaction the entries belong to
    pending = _Batch(session.get_transaction())
    session.info[_BATCH] = pending
    try:
        yield
        pending.write(session)
    finally:
        session.info.pop(_BATCH, None)


_TIME_AND_WAITING: dict[tuple[str, bool], Select[Any]] = {}


def _time_and_waiting(session: Session) -> Select[Any]:
    """Built once per database kind and clock mode: every logged change runs it."""
    key = (session.get_bind().dialect.name, get_settings().test_clock)
    statement = _TIME_AND_WAITING.get(key)
    if statement is None:
        statement = select(clock.now_column(session), sequencer.any_waiting())
        _TIME_AND_WAITING[key] = statement
    return statement


# --- tree reads ----------------------------------------------------------------------------


def tree_size(session: Session) -> int:
    """How many entries the log holds, as seen by ``session``'s transaction."""
    size = session.execute(select(LogHead.size).where(LogHead.id == HEAD_ID)).scalar_one_or_none()
    if size is None:
        raise LogIntegrityError("log_head row is missing: run the migrations")
    return size


def root_at(session: Session, size: int) -> bytes:
    """The RFC 9162 root hash of the log's first ``size`` entries."""
    _require_size(session, size)
    if size == 0:
        return merkle.EMPTY_ROOT
    return _hash_ranges(session, [(0, size)])[0]


def inclusion_proof(session: Session, index: int, size: int) -> list[bytes]:
    """The audit path of entry ``index`` in the tree of the first ``size`` entries."""
    _require_size(session, size)
    if not 0 <= index < size:
        raise ValueError(f"entry {index} is not in a tree of {size} entries")
    return _hash_ranges(session, merkle.inclusion_ranges(index, size))


def consistency_proof(session: Session, m: int, n: int) -> list[bytes]:
    """The proof that the tree of size ``m`` is a prefix of the tree of size ``n``."""
    _require_size(session, n)
    if not 0 <= m <= n:
        raise ValueError(f"no consistency proof from size {m} to size {n}")
    return _hash_ranges(session, merkle.consistency_ranges(m, n))


def published_size(session: Session) -> int:
    """The size of the newest signed checkpoint: the only log size the platform tells anyone.
    The live size (``tree_size``) would let a reader watch activity grow before a deadline, so
    answers to outsiders and regulators stop at the newest checkpoint and never name it."""
    return session.scalar(select(func.max(LogCheckpoint.size))) or 0


def _require_size(session: Session, size: int) -> None:
    # The message does not name the log's size (the live size is told to nobody).
    if not 0 <= size <= tree_size(session):
        raise ValueError(f"size {size} is not a size of the log")


def _hash_ranges(session: Session, ranges: list[merkle.Range]) -> list[bytes]:
    stored = _fetch_nodes(session, merkle.nodes_for(ranges))
    try:
        return merkle.hash_ranges(ranges, stored)
    except KeyError as missing:
        raise LogIntegrityError(f"stored tree node {missing.args[0]} is missing") from None


def _fetch_nodes(session: Session, nodes: Iterable[merkle.Node]) -> dict[merkle.Node, bytes]:
    # One read for the whole set, spelled as OR-ed primary-key equalities: both backends turn
    # that into one index probe per node (SQLite's MULTI-INDEX OR, PostgreSQL's BitmapOr),
    # whereas SQLite answers a row-value ``(level, idx) IN (VALUES ...)`` with a table scan.
    wanted = sorted(nodes)
    if not wanted:
        return {}
    rows = session.execute(
        select(LogNode.level, LogNode.idx, LogNode.hash).where(
            or_(*(and_(LogNode.level == level, LogNode.idx == idx) for level, idx in wanted))
        )
    )
    return {(row.level, row.idx): row.hash for row in rows}


# --- entry reads ---------------------------------------------------------------------------


def get_entry(session: Session, seq: int) -> Entry | None:
    row = session.get(LogEntry, seq)
    return None if row is None else _to_entry(row)


def entries(
    session: Session,
    action: str | None = None,
    subject: str | None = None,
    after: int | None = None,
    limit: int = DEFAULT_PAGE,
    action_prefix: str | None = None,
    before: int | None = None,
    subjects: Sequence[str] | None = None,
) -> list[Entry]:
    """Entries in log order, optionally filtered, starting after sequence number ``after``.

    Page through the log by passing the last ``seq`` you received as the next ``after``.
    ``action_prefix`` (e.g. ``notice.``) keeps the actions that start with it; ``before``
    (e.g. ``published_size``) keeps the entries whose ``seq`` is below it; ``subjects`` keeps
    the entries of any of those subjects (the names one thing goes by, e.g. a tender's).
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    query = select(LogEntry).order_by(LogEntry.seq).limit(limit)
    if action is not None:
        query = query.where(LogEntry.action == action)
    if action_prefix is not None:
        query = query.where(LogEntry.action.startswith(action_prefix, autoescape=True))
    if subject is not None:
        query = query.where(LogEntry.subject == subject)
    if subjects is not None:
        query = query.where(LogEntry.subject.in_(list(subjects)))
    if after is not None:
        query = query.where(LogEntry.seq > after)
    if before is not None:
        query = query.where(LogEntry.seq < before)
    return [_to_entry(row) for row in session.scalars(query)]


def _to_entry(row: LogEntry) -> Entry:
    return Entry(
        seq=row.seq,
        created_at=row.created_at,
        actor=Actor(user_id=row.actor_user_id, role=row.actor_role, ip=row.actor_ip),
        action=row.action,
        subject=row.subject,
        body=row.body,
        canonical=row.canonical,
        leaf_hash=row.leaf_hash,
    )


def state_counts(session: Session, prefix: str) -> dict[str, int]:
    """How many subjects stand at each state, a subject's state being its latest action
    starting with ``prefix`` (e.g. ``tender.``): the dashboard's "counts by state"."""
    latest = (
        select(LogEntry.subject, func.max(LogEntry.seq).label("seq"))
        .where(LogEntry.action.startswith(prefix, autoescape=True))
        .group_by(LogEntry.subject)
        .subquery()
    )
    rows = session.execute(
        select(LogEntry.action, func.count())
        .join(latest, LogEntry.seq == latest.c.seq)
        .group_by(LogEntry.action)
    )
    return {action: count for action, count in rows}


def subjects(session: Session, prefix: str, limit: int = 200) -> list[str]:
    """Subjects whose log entries start with ``prefix`` (e.g. ``tender:``), newest first."""
    rows = session.execute(
        select(LogEntry.subject, func.max(LogEntry.seq).label("last"))
        .where(LogEntry.subject.startswith(prefix, autoescape=True))
        .group_by(LogEntry.subject)
        .order_by(func.max(LogEntry.seq).desc())
        .limit(limit)
    )
    return [row.subject for row in rows]


def recent_subjects(session: Session, before: int, limit: int = 50, scan: int = 2000) -> list[str]:
    """Up to ``limit`` distinct subjects of the newest ``scan`` entries below ``before`` (e.g.
    ``published_size``), newest first: read by sequence number, never a scan of the log."""
    rows = session.scalars(select(LogEntry.subject).where(LogEntry.seq < before)
                           .order_by(LogEntry.seq.desc()).limit(scan))
    found: list[str] = []
    for subject in rows:
        if subject not in found:
            found.append(subject)
            if len(found) == limit:
                break
    return found


def first_bodies(session: Session, action: str, subjects: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The body of the first ``action`` entry of each of ``subjects`` that has one (e.g. the
    ``tender.created`` entry that gives a tender its title), by subject."""
    wanted = sorted(set(subjects))
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(
            select(LogEntry.subject, LogEntry.body)
            .where(LogEntry.action == action, LogEntry.subject.in_(wanted[start:start + 500]))
            .order_by(LogEntry.seq)
        )
        for subject, body in rows:
            found.setdefault(subject, body)
    return found


# --- the domain's other operations -----------------------------------------------------------
# Other domains import only this module; the work lives in the modules named below, which
# themselves use ``record`` above. They are loaded on first use (PEP 562), so that importing
# any of them first cannot meet a half-initialised ``services``; type checkers see them here.
if TYPE_CHECKING:
    from supervision.alerts import Alert as Alert
    from supervision.alerts import AlertKind as AlertKind
    from supervision.alerts import list_alerts as list_alerts
    from supervision.alerts import resolve_deadline as resolve_deadline
    from supervision.alerts import watch_deadline as watch_deadline
    from supervision.checkpoints import SignedCheckpoint as SignedCheckpoint
    from supervision.checkpoints import checkpoint_now as checkpoint_now
    from supervision.checkpoints import latest_checkpoint as latest_checkpoint
    from supervision.redflags import BidFacts as BidFacts
    from supervision.redflags import StoredFlag as StoredFlag
    from supervision.redflags import assess_bids as assess_bids
    from supervision.rules import bid_commitment as bid_commitment
    from supervision.verifier import notified_commitment as notified_commitment

_ELSEWHERE = {
    "supervision.alerts": ("Alert", "AlertKind", "list_alerts", "resolve_deadline", "watch_deadline"),
    "supervision.checkpoints": ("SignedCheckpoint", "checkpoint_now", "latest_checkpoint"),
    "supervision.redflags": ("BidFacts", "StoredFlag", "assess_bids"),
    "supervision.verifier": ("notified_commitment",),
    "supervision.rules": ("bid_commitment",),
}


def __getattr__(name: str) -> Any:
    for module, names in _ELSEWHERE.items():
        if name in names:
            return getattr(importlib.import_module(module), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
