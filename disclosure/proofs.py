"""A public notice's proof: its supervision-log entry, the audit path to a signed root, and
the check that recomputes the notice's hash against both."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from disclosure.models import Notice
from disclosure.services import content_hash, get_public
from supervision import merkle
from supervision import services as supervision
from trading.errors import NotFoundError


@dataclass(frozen=True)
class VerificationResult:
    notice_id: uuid.UUID
    ok: bool
    problems: tuple[str, ...]
    log_index: int
    tree_size: int
    root: str  # hex
    computed_hash: str


@dataclass(frozen=True)
class Proof:
    notice_id: uuid.UUID
    log_index: int
    tree_size: int
    root: str
    leaf_hash: str
    audit_path: list[str]
    canonical_entry: str
    content_hash: str


def proof(session: Session, notice_id: uuid.UUID) -> Proof:
    """The notice's entry and its audit path to a *signed* root when one covers it.

    The tree size is the newest signed checkpoint's (GET /api/v1/log/checkpoints/{size} gives
    its note), so that a client can check the path against a root the platform's log key
    signed, rather than against a root computed from database rows anyone with write access
    could have changed. Only a notice no checkpoint covers yet gets the current, unsigned size.
    """
    notice = get_public(session, notice_id)
    entry = supervision.get_entry(session, notice.log_index)
    if entry is None:
        raise NotFoundError("日志条目", "log entry")
    signed = supervision.latest_checkpoint(session)
    size = signed.size if signed is not None and signed.size > notice.log_index else \
        supervision.tree_size(session)
    path = supervision.inclusion_proof(session, notice.log_index, size)
    return Proof(notice.id, notice.log_index, size, supervision.root_at(session, size).hex(),
                 entry.leaf_hash.hex(), [p.hex() for p in path], entry.canonical.decode(),
                 notice.content_hash)


def verify_notice(session: Session, notice_id: uuid.UUID) -> VerificationResult:
    """Recompute the notice's hash and check it against its log entry and the log's root."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFoundError("公告", "notice")
    computed = content_hash(notice)
    problems: list[str] = []
    if computed != notice.content_hash:
        problems.append("content differs from its stored hash")
    size = supervision.tree_size(session)
    root = supervision.root_at(session, size)
    problems.extend(_check_entry(session, notice, computed, size, root))
    return VerificationResult(notice.id, not problems, tuple(problems), notice.log_index, size,
                              root.hex(), computed)


def _check_entry(session: Session, notice: Notice, computed: str, size: int,
                 root: bytes) -> list[str]:
    entry = supervision.get_entry(session, notice.log_index)
    if entry is None:
        return [f"log entry {notice.log_index} is missing"]
    logged = json.loads(entry.canonical)
    problems = []
    if logged.get("action") != "notice.published" or logged.get(
            "subject") != f"notice/{notice.id}":
        problems.append(f"log entry {notice.log_index} is not this notice's publication")
    if logged.get("body", {}).get("content_hash") != computed:
        problems.append("content differs from the hash in the supervision log")
    leaf = merkle.leaf_hash(entry.canonical)
    try:
        merkle.verify_inclusion(leaf, notice.log_index, size,
                                supervision.inclusion_proof(session, notice.log_index, size),
                                root)
    except (merkle.ProofError, ValueError) as error:
        problems.append(f"inclusion proof fails: {error}")
    return problems


def all_notice_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Notice.id).order_by(Notice.log_index)))
