"""Supervision tables: the transparency log's entries, its stored Merkle nodes and its head.

``log_entry`` and ``log_node`` are append-only (on PostgreSQL a trigger refuses UPDATE,
DELETE and TRUNCATE, see migration 0002); only the single ``log_head`` row changes, and every
append locks it, which is what makes the sequence gapless.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
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
    # The promise this entry kept, when it was promised before it was appended (sequencer).
    promise: Mapped[int | None] = mapped_column(BigInteger, unique=True)


class LogPending(Base):
    """An entry promised but not yet appended (``supervision.sequencer``).

    A busy writer (a bid at the deadline) inserts here without touching the head row, and the
    next append of any kind, or the sequencer within its merge delay, moves the row into the
    tree. ``id`` is the promise number a receipt names; ``received_at`` is the database time
    the promise was made, the time that counts for the writer (e.g. against a deadline).
    """

    __tablename__ = "log_pending"
    # AUTOINCREMENT: rows are deleted once appended, and a promise number must never recur.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    actor_user_id: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


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


# --- checkpoints and witnesses ---------------------------------------------------------------

_ACTIVE_ALERT_SQL = "state IN ('watching', 'yellow', 'red')"


class LogCheckpoint(Base):
    """A signed tree head. One per size: an Ed25519 note over the same body is the same note,
    so a second request at an unchanged size reuses the first. Append-only on PostgreSQL."""

    __tablename__ = "log_checkpoint"
    __table_args__ = (CheckConstraint("length(root) = 32", name="root_size"),)

    size: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    root: Mapped[bytes] = mapped_column(LargeBinary)
    note: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WitnessKey(Base):
    """A regulator's witness public key (C2SP vkey), registered by an administrator."""

    __tablename__ = "witness_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    vkey: Mapped[str] = mapped_column(String(400), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class LogCosignature(Base):
    """A witness's cosignature line on the checkpoint of ``size`` (C2SP cosignature/v1)."""

    __tablename__ = "log_cosignature"
    __table_args__ = (UniqueConstraint("size", "witness_key_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    size: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("log_checkpoint.size", ondelete="RESTRICT"), index=True
    )
    witness_key_id: Mapped[int] = mapped_column(ForeignKey("witness_key.id", ondelete="RESTRICT"))
    line: Mapped[str] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# --- e-supervision alerts and red flags --------------------------------------------------------


class SupervisionAlert(Base):
    """A watched legal period: yellow from ``yellow_at``, red from ``due_at``, until cleared."""

    __tablename__ = "supervision_alert"
    __table_args__ = (
        CheckConstraint("state IN ('watching', 'yellow', 'red', 'cleared')", name="state"),
        Index("uq_supervision_alert_active_kind_subject", "kind", "subject", unique=True,
              sqlite_where=text(_ACTIVE_ALERT_SQL), postgresql_where=text(_ACTIVE_ALERT_SQL)),
        Index("ix_supervision_alert_state_due_at", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200))
    responsible_role: Mapped[str] = mapped_column(String(32))
    label_zh: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300))
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    yellow_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    cleared_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(200))
    # The organization whose users answer for it (e.g. the tenderee of an objection's tender):
    # its users with the responsible role see it, other organizations' do not. NULL: every
    # holder of the role.
    organization_id: Mapped[str | None] = mapped_column(String(64))


class RedFlag(Base):
    """A collusion indicator found among a tender's bids, with its evidence (regulators only)."""

    __tablename__ = "red_flag"
    __table_args__ = (
        UniqueConstraint("tender_subject", "fingerprint"),
        Index("ix_red_flag_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tender_subject: Mapped[str] = mapped_column(String(200))
    stage: Mapped[str] = mapped_column(String(16))
    rule: Mapped[str] = mapped_column(String(64))
    bidders: Mapped[list[str]] = mapped_column(JSON)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON)
    fingerprint: Mapped[str] = mapped_column(String(64))
    log_seq: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
