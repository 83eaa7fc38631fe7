"""Signed checkpoints, the platform's signing key, witness keys and cosignatures.

The signing key lives in a file outside the database (``GGZY_LOG_KEY_FILE``): whoever can
read the database can still not forge a checkpoint, and a checkpoint never needs a secret
that a database backup would carry. Other domains reach this through ``supervision.services``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from supervision import note, services
from supervision.config import get_config
from supervision.models import LogCheckpoint, LogCosignature, WitnessKey
from trading import clock
from trading.audit import Actor
from trading.errors import NotFoundError, UserError

_KEY_LOCK = threading.Lock()
_KEYS: dict[tuple[str, str], note.SignerKey] = {}


@dataclass(frozen=True)
class SignedCheckpoint:
    size: int
    root: bytes
    note: str  # the platform's signed note, with every witness cosignature line appended
    reason: str
    created_at: dt.datetime
    cosignatures: int


# --- the platform key ------------------------------------------------------------------------


def signing_key() -> note.SignerKey:
    """The platform key named by the configured origin, created owner-only on first use."""
    config = get_config()
    cache_key = (str(config.key_file), config.origin)
    with _KEY_LOCK:
        if cache_key not in _KEYS:
            _KEYS[cache_key] = _load_or_create(config.key_file, config.origin)
        return _KEYS[cache_key]


def _load_or_create(path: Path, origin: str) -> note.SignerKey:
    if not path.exists():
        # Another process may create it first: then use theirs.
        with contextlib.suppress(FileExistsError):
            note.write_private_key(path, note.generate_key(origin, note.ED25519))
    key = note.read_private_key(path)
    if key.name != origin or key.key_type != note.ED25519:
        raise note.NoteError(
            f"签名密钥 {path} 的名称“{key.name}”与日志来源“{origin}”不符",
            f"the signing key {path} is named {key.name!r}, the log origin is {origin!r}",
        )
    return key


def log_vkey() -> str:
    return signing_key().verifier.encode()


# --- checkpoints ----------------------------------------------------------------------------


def checkpoint_now(session: Session, reason: str) -> SignedCheckpoint:
    """Sign the log as ``session`` sees it now (in the caller's transaction, never commits).

    Call it right after the ``record()`` of a closing, opening or award: the checkpoint then
    covers that entry and commits or vanishes with it. A second call at the same size reuses
    the stored note (the signature is deterministic, so it would be the same note anyway).
    """
    size = services.tree_size(session)
    existing = session.get(LogCheckpoint, size)
    if existing is None:
        root = services.root_at(session, size)
        key = signing_key()
        text = note.sign_checkpoint(note.Checkpoint(key.name, size, root), key)
        values = {"size": size, "root": root, "note": text, "reason": reason[:64],
                  "created_at": clock.now(session)}
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        # Two closings racing for the same size must not abort each other's transaction.
        session.execute(insert(LogCheckpoint).values(**values).on_conflict_do_nothing())
        session.flush()
    found = checkpoint_at(session, size)
    assert found is not None
    return found


def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    row = session.scalars(select(LogCheckpoint).order_by(LogCheckpoint.size.desc()).limit(1)).first()
    return None if row is None else _signed(session, row)


def checkpoint_at(session: Session, size: int) -> SignedCheckpoint | None:
    row = session.get(LogCheckpoint, size, populate_existing=True)
    return None if row is None else _signed(session, row)


def witnessed_checkpoint(session: Session, witnesses: Sequence[str] = ()) -> SignedCheckpoint | None:
    """The newest checkpoint cosigned by every named witness (key name), or by any registered
    witness when none is named. A witness cosigns after the platform signed, so the newest
    checkpoint is often not witnessed yet: an export meant for ``--witness-key`` stops here."""
    names = sorted(set(witnesses))
    query = (select(LogCosignature.size)
             .join(WitnessKey, WitnessKey.id == LogCosignature.witness_key_id)
             .where(WitnessKey.revoked_at.is_(None)))
    if names:
        query = (query.where(WitnessKey.name.in_(names)).group_by(LogCosignature.size)
                 .having(func.count(func.distinct(WitnessKey.name)) == len(names)))
    size = session.scalar(query.order_by(LogCosignature.size.desc()).limit(1))
    return None if size is None else checkpoint_at(session, size)


def list_checkpoints(session: Session, after: int = -1, limit: int = 100,
                     upto: int | None = None) -> list[SignedCheckpoint]:
    query = select(LogCheckpoint).where(LogCheckpoint.size > after)
    if upto is not None:
        query = query.where(LogCheckpoint.size <= upto)
    rows = session.scalars(query.order_by(LogCheckpoint.size).limit(limit)).all()
    return [_signed(session, row) for row in rows]


def _signed(session: Session, row: LogCheckpoint) -> SignedCheckpoint:
    lines = session.scalars(
        select(LogCosignature.line).where(LogCosignature.size == row.size).order_by(LogCosignature.id)
    ).all()
    return SignedCheckpoint(row.size, row.root, row.note + "".join(lines), row.reason,
                            row.created_at, len(lines))


# --- witnesses --------------------------------------------------------------------------------


def register_witness_key(session: Session, actor: Actor, user_id: uuid.UUID, vkey: str) -> WitnessKey:
    """Register a regulator's witness key (an administrator's act, logged)."""
    try:
        key = note.parse_vkey(vkey)
    except note.NoteError as error:
        raise UserError(error.message_zh, error.message_en, field="vkey") from None
    if key.key_type != note.COSIGNATURE_V1:
        raise UserError("见证密钥必须是 cosignature/v1 类型（0x04）",
                        "a witness key must be a cosignature/v1 key (type 0x04)", field="vkey")
    row = WitnessKey(user_id=user_id, name=key.name, vkey=key.encode(),
                     created_at=clock.now(session))
    session.add(row)
    session.flush()
    services.record(session, actor, "witness.registered", f"witness:{row.id}",
                    {"user_id": str(user_id), "vkey": row.vkey})
    return row


def witness_keys(session: Session, user_id: uuid.UUID | None = None) -> list[WitnessKey]:
    query = select(WitnessKey).where(WitnessKey.revoked_at.is_(None)).order_by(WitnessKey.id)
    if user_id is not None:
        query = query.where(WitnessKey.user_id == user_id)
    return list(session.scalars(query))


def add_cosignature(session: Session, actor: Actor, user_id: uuid.UUID, size: int,
                    line: str) -> SignedCheckpoint:
    """Store a witness's cosignature on the checkpoint of ``size`` after verifying it."""
    row = session.get(LogCheckpoint, size)
    if row is None:
        raise NotFoundError(f"大小为 {size} 的检查点", f"checkpoint of size {size}")
    signature = _parse_line(line)
    key_row = _registered_key(session, user_id, signature)
    body, _ = note.parse_note(row.note)
    try:
        timestamp = note.verify_cosignature(body, signature, note.parse_vkey(key_row.vkey))
    except note.NoteError as error:
        raise UserError(error.message_zh, error.message_en, status=422, field="cosignature") from None
    known = session.scalar(select(LogCosignature.id).where(
        LogCosignature.size == size, LogCosignature.witness_key_id == key_row.id))
    if known is None:
        session.add(LogCosignature(
            size=size, witness_key_id=key_row.id, line=signature.line(),
            signed_at=dt.datetime.fromtimestamp(timestamp, dt.UTC), created_at=clock.now(session)))
        session.flush()
        services.record(session, actor, "checkpoint.cosigned", f"checkpoint:{size}",
                        {"witness": key_row.name, "timestamp": timestamp})
    found = checkpoint_at(session, size)
    assert found is not None
    return found


def _parse_line(line: str) -> note.NoteSignature:
    try:
        return note.parse_signature_line(line.rstrip("\n"))
    except note.NoteError as error:
        raise UserError(error.message_zh, error.message_en, status=422, field="cosignature") from None


def _registered_key(session: Session, user_id: uuid.UUID,
                    signature: note.NoteSignature) -> WitnessKey:
    for row in witness_keys(session, user_id):
        key = note.parse_vkey(row.vkey)
        if key.name == signature.name and key.id == signature.key_id:
            return row
    raise UserError("该见证密钥未登记在您的账户下", "this witness key is not registered to your account",
                    status=403, field="cosignature", code="unknown_witness")
