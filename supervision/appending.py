"""Appending to the log: the head lock, the canonical bytes and the batch append.

``services.record`` appends one entry; ``sequencer`` appends every promised entry in one
batch. Both take the head row's lock first, so appends are numbered without gaps, and both
write the entries, the completed subtree hashes and the new head in the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Table, TextClause, event, insert, select, text, update
from sqlalchemy.orm import Session, SessionTransaction

from supervision import merkle
from supervision.models import LogEntry, LogHead, LogNode
from trading import jcs
from trading.audit import Actor

HEAD_ID = 1
_HELD = "supervision.log_head"  # session.info: (transaction, Head) while it holds the lock
_ENTRY, _NODE, _HEAD = (cast(Table, model.__table__) for model in (LogEntry, LogNode, LogHead))


class LogIntegrityError(RuntimeError):
    """The stored tree is missing data it must have: the database was tampered with or broken."""


@dataclass(frozen=True)
class Head:
    """The locked head: how many entries the log holds and the frontier of complete subtrees."""

    size: int
    frontier: list[bytes]


@dataclass(frozen=True)
class NewEntry:
    """An entry about to be appended; ``promise`` is set when it keeps a sequencer promise."""

    actor: Actor
    action: str
    subject: str
    body: dict[str, Any]
    promise: int | None = None


def lock_head(session: Session, *, skip_locked: bool = False) -> Head | None:
    """Lock the head row until the transaction ends and read it; ``None`` when ``skip_locked``
    and another transaction holds it (that transaction will append whatever is pending).

    FOR UPDATE makes concurrent PostgreSQL appenders queue here and then re-read the row their
    predecessor committed. SQLite renders no FOR UPDATE; its write transactions already begin
    IMMEDIATE (trading.db), which serialises writers the same way. Columns, not the ORM
    entity: a cached LogHead in the identity map could be stale.

    A transaction that already holds the lock gets the head it last wrote, without a round
    trip (a draw's step logs up to five entries); the copy is dropped whenever a transaction
    or savepoint of the session ends (not a flush's subtransaction), so a rolled-back
    savepoint is re-read.
    """
    held = session.info.get(_HELD)
    if held is not None and held[0] is session.get_transaction():
        return cast(Head, held[1])
    query = select(_HEAD.c.size, _HEAD.c.frontier).where(_HEAD.c.id == HEAD_ID)
    row = session.connection().execute(query.with_for_update(skip_locked=skip_locked)).one_or_none()
    if row is None:
        if skip_locked and session.scalar(select(LogHead.id).where(LogHead.id == HEAD_ID)):
            return None
        raise LogIntegrityError("log_head row is missing: run the migrations")
    return _hold(session, Head(row.size, merkle.unpack_frontier(row.frontier)))


def _hold(session: Session, head: Head) -> Head:
    session.info[_HELD] = (session.get_transaction(), head)
    return head


@event.listens_for(Session, "after_transaction_end")
def _let_go(session: Session, transaction: SessionTransaction) -> None:
    # Every flush that writes runs in a subtransaction of its own, whose end fires this event
    # too: only the end of the transaction itself or of a savepoint (whose rollback may undo
    # an append) lets go of the copy. A draw's contribution took the lock three times before.
    if transaction.nested or transaction.parent is None:
        session.info.pop(_HELD, None)


def append(session: Session, head: Head, moment: dt.datetime,
           entries: Sequence[NewEntry]) -> Head:
    """Append ``entries`` in order at ``moment`` (read after the lock, so log order and time
    order agree) and return the new head. Never commits."""
    if not entries:
        return head
    moment = to_millis(moment)
    size, frontier = head.size, head.frontier
    rows: list[dict[str, Any]] = []
    nodes: list[dict[str, Any]] = []
    for entry in entries:
        canonical, body = _canonical_parts(size, moment, entry.actor, entry.action, entry.subject,
                                           entry.body)
        leaf = merkle.leaf_hash(canonical)
        frontier, completed = merkle.append_leaf(frontier, size, leaf)
        rows.append(_entry_row(size, moment, entry, canonical, leaf, body))
        nodes.extend({"level": lv, "idx": ix, "hash": h} for lv, ix, h in completed)
        size += 1
    _write(session, rows, nodes, size, merkle.pack_frontier(frontier))
    return _hold(session, Head(size, frontier))


# PostgreSQL takes the entries, the completed subtree hashes and the new head in one statement:
# every logged change pays one round trip here instead of three, and no ORM statement building
# (a draw logs nine entries; ``make bench-draw``). A few entries (a step's own, up to
# ``FEW_ENTRIES``) go as plain values, one placeholder each: psycopg escapes array elements in
# Python, which for a draw's 60 KB result entry cost 6 ms more than the round trips saved. A
# batch of promises (many, small) goes as arrays.
FEW_ENTRIES = 8
_NODES_AND_HEAD = """
, nodes AS (
    INSERT INTO log_node (level, idx, hash)
    SELECT * FROM unnest(CAST(:level AS smallint[]), CAST(:idx AS bigint[]),
                         CAST(:hash AS bytea[]))
)
UPDATE log_head SET size = :size, frontier = :frontier WHERE id = :head
"""


@lru_cache(maxsize=FEW_ENTRIES)
def _postgres_append_few(count: int) -> TextClause:
    rows = ",\n".join(
        "(" + ", ".join(f"CAST(:body_{i} AS json)" if column == "body" else f":{column}_{i}"
                        for column in _ENTRY_COLUMNS) + ")" for i in range(count))
    # Only constants go in: the column names and numbered placeholders.
    statement = (f"WITH entries AS (\n    INSERT INTO log_entry ({', '.join(_ENTRY_COLUMNS)})\n"  # noqa: S608
                 f"    VALUES {rows}\n)")
    return text(statement + _NODES_AND_HEAD)


_POSTGRES_APPEND_MANY = text("""
WITH entries AS (
    INSERT INTO log_entry (seq, created_at, actor_user_id, actor_role, actor_ip, action, subject,
                           body, canonical, leaf_hash, promise)
    SELECT seq, created_at, actor_user_id, actor_role, actor_ip, action, subject, body::json,
           canonical, leaf_hash, promise
    FROM unnest(CAST(:seq AS bigint[]), CAST(:created_at AS timestamptz[]),
                CAST(:actor_user_id AS text[]), CAST(:actor_role AS text[]),
                CAST(:actor_ip AS text[]), CAST(:action AS text[]), CAST(:subject AS text[]),
                CAST(:body AS text[]), CAST(:canonical AS bytea[]), CAST(:leaf_hash AS bytea[]),
                CAST(:promise AS bigint[]))
         AS given(seq, created_at, actor_user_id, actor_role, actor_ip, action, subject, body,
                  canonical, leaf_hash, promise)
)
, nodes AS (
    INSERT INTO log_node (level, idx, hash)
    SELECT * FROM unnest(CAST(:level AS smallint[]), CAST(:idx AS bigint[]),
                         CAST(:hash AS bytea[]))
)
UPDATE log_head SET size = :size, frontier = :frontier WHERE id = :head
""")
_ENTRY_COLUMNS = ("seq", "created_at", "actor_user_id", "actor_role", "actor_ip", "action",
                  "subject", "body", "canonical", "leaf_hash", "promise")


def _write(session: Session, rows: list[dict[str, Any]], nodes: list[dict[str, Any]], size: int,
           frontier: bytes) -> None:
    connection = session.connection()
    if connection.dialect.name == "postgresql":  # the bodies go as the JSON text they are
        if len(rows) <= FEW_ENTRIES:
            given = {f"{column}_{i}": row[column] for i, row in enumerate(rows)
                     for column in _ENTRY_COLUMNS}
            statement = _postgres_append_few(len(rows))
        else:
            given = {column: [row[column] for row in rows] for column in _ENTRY_COLUMNS}
            statement = _POSTGRES_APPEND_MANY
        given.update({column: [node[column] for node in nodes] for column in ("level", "idx", "hash")})
        connection.execute(statement, {**given, "size": size, "frontier": frontier,
                                       "head": HEAD_ID})
        return
    # Elsewhere the JSON column takes the value itself.
    connection.execute(insert(_ENTRY), [{**row, "body": json.loads(row["body"])} for row in rows])
    if nodes:
        connection.execute(insert(_NODE), nodes)
    connection.execute(update(_HEAD).where(_HEAD.c.id == HEAD_ID)
                       .values(size=size, frontier=frontier))


def canonical_bytes(
    seq: int, moment: dt.datetime, actor: Actor, action: str, subject: str, body: dict[str, Any]
) -> bytes:
    """The RFC 8785 (JCS) bytes of an entry: what its leaf hash covers and a verifier re-reads.
    The document is {seq, time, actor: {user_id, role, ip}, action, subject, body}."""
    return _canonical_parts(seq, moment, actor, action, subject, body)[0]


def _canonical_parts(seq: int, moment: dt.datetime, actor: Actor, action: str, subject: str,
                     body: dict[str, Any]) -> tuple[bytes, str]:
    """``canonical_bytes`` and the body's own JCS text, which the stored column keeps.

    JCS orders members by key and spells each value the same wherever it stands, so the
    document is its sorted parts joined ("action" < "actor" < "body" < "seq" < "subject" <
    "time"): the body, a draw's result of ~60 KB, is encoded once and never parsed back
    (the tests compare the whole with the ``rfc8785`` package's own output)."""
    try:
        body_bytes = jcs.dumps(body)
    except jcs.CanonicalizationError as error:
        raise ValueError(f"log body of {action!r} is not plain JSON: {error}") from error
    before = jcs.dumps({"action": action,
                        "actor": {"user_id": actor.user_id, "role": actor.role, "ip": actor.ip}})
    after = jcs.dumps({"seq": seq, "subject": subject, "time": format_time(moment)})
    return before[:-1] + b',"body":' + body_bytes + b"," + after[1:], body_bytes.decode("utf-8")


def format_time(moment: dt.datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``, e.g. ``2026-01-02T03:04:05.678Z``."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: cannot tell which zone it is in")
    # isoformat truncates to the millisecond as the format requires (strftime took 3 µs, and
    # every bid's receipt and log entry format two or three times).
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


def to_millis(moment: dt.datetime) -> dt.datetime:
    """Truncated to the millisecond, so the stored column equals the time in the bytes."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def _entry_row(seq: int, moment: dt.datetime, entry: NewEntry, canonical: bytes,
               leaf: bytes, body: str) -> dict[str, Any]:
    return {
        "seq": seq, "created_at": moment, "actor_user_id": entry.actor.user_id,
        "actor_role": entry.actor.role, "actor_ip": entry.actor.ip, "action": entry.action,
        "subject": entry.subject,
        # The body as the canonical bytes spell it, so the queryable column can never say
        # something the hashed record does not (tuples, float spelling and the like).
        "body": body,
        "canonical": canonical, "leaf_hash": leaf, "promise": entry.promise,
    }
