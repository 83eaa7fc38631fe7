"""Supervision tables: the transparency log's entries, its stored Merkle nodes and its head.

``log_entry`` and ``log_node`` are append-only (on PostgreSQL a trigger refuses UPDATE,
DELETE and TRUNCATE, see migration 0002); only the single ``log_head`` row changes, and every
append locks it, which is what makes the sequence gapless.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class LogEntry(Base):
    """One logged step. ``canonical`` is the authoritative record; the other columns are the
    same facts unpacked for querying, and ``leaf_hash`` is ``SHA-256(0x00 || canonical)``."""

    __tablename__ = "log_entry"
    __table_args__ = (
        CheckConstraint("seq >= 0", name="seq_not_negative"),
        CheckConstraint("length(leaf_hash) = 32", name="leaf_hash_size"),
        # The read paths: an action's history and a subject's history, in log order.
        Index("ix_log_entry_action_seq", "action", "seq"),
        Index("ix_log_entry_subject_seq", "subject", "seq"),
    )

    # Assigned by services.record under the head lock, never by a database sequence:
    # sequences skip numbers on rollback, and the log must have no gaps.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    canonical: Mapped[bytes] = mapped_column(LargeBinary)
    leaf_hash: Mapped[bytes] = mapped_column(LargeBinary)


class LogNode(Base):
    """The hash of a complete subtree of ``2**level`` leaves starting at ``idx * 2**level``.

    Level 0 holds the leaf hashes. A node is written once, when its last leaf is appended,
    and never changes, so roots and proofs for any past size read O(log n) of these rows.
    """

    __tablename__ = "log_node"
    __table_args__ = (CheckConstraint("length(hash) = 32", name="hash_size"),)

    level: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    idx: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    hash: Mapped[bytes] = mapped_column(LargeBinary)


class LogHead(Base):
    """The log's single mutable row: its size and the frontier (the hashes of the complete
    subtrees tiling ``[0, size)``, largest first, packed 32 bytes each).

    Every append takes this row's lock first, so appends are serialised and numbered without
    gaps; the frontier lets an append compute its new nodes without reading old ones.
    """

    __tablename__ = "log_head"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    size: Mapped[int] = mapped_column(BigInteger)
    frontier: Mapped[bytes] = mapped_column(LargeBinary)
