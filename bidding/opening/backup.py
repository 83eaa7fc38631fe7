"""R-25 backup re-upload: a bid that failed to decrypt through the platform's fault.

A frozen bid whose stored bytes no longer match its receipt (or whose file is missing) is
classified ``withdrawn`` (撤回, another's fault, R-25) at the opening. Within
``GGZY_BACKUP_WINDOW_HOURS`` (default 24) after the opening, the bidder may upload its own
copy of the envelope (``ggzy bid seal`` output, or the sealed file kept by the page). It is
accepted only if its SHA-256 equals the digest on the signed receipt *and* the digest of the
bid on the frozen list logged at closing (``opening.bids_frozen``): it is then the very
envelope submitted before the deadline, and opening it changes nothing the deadline fixed.

Accepted: the damaged file is kept beside (``.damaged-<time>``) as evidence, the backup takes
its place, the bid is decrypted with the rebuilt key and its outcome replaces ``withdrawn``
(guarded update), and the opening record gets a new version (``version`` + 1,
``previous_sha256``; logged ``opening.record_revised`` with the whole record). If the record
was already disclosed, a ``correction`` notice referencing it is published (R-43). Refusals are
logged (``bid.backup_refused``) with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from sqlalchemy import update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bidding import config, lookup
from bidding.models import Bid, OpeningRecord, OpenStatus, TenderState
from bidding.opening import decryption, notices, records
from bidding.submission import intake
from bidding.tendering import announcement
from supervision import services as supervision
from trading import clock, db, files
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

DEFAULT_WINDOW_HOURS = 24


def window() -> dt.timedelta:
    value = os.environ.get("GGZY_BACKUP_WINDOW_HOURS", "").strip()
    return dt.timedelta(hours=float(value) if value else DEFAULT_WINDOW_HOURS)


class BackupRefused(UserError):
    """A refusal that is logged (``bid.backup_refused``) before it is answered."""


@dataclass(frozen=True)
class BackupTarget:
    tender_id: uuid.UUID
    bid_id: uuid.UUID
    envelope_sha256: str
    size: int


def precheck(session: Session, user: CurrentUser, tender_id: uuid.UUID,
             bid_id: uuid.UUID) -> BackupTarget:
    """Own bid, classified withdrawn (platform fault), the record written, inside the window."""
    org = intake.bidder_org(session, user)
    tender = lookup.get_tender(session, tender_id)
    bid = session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender_id or bid.bidder_id != org.id:
        raise NotFoundError("投标", "Bid")
    if tender.state == TenderState.EVALUATED.value:
        # Every report is final: a bid put back now could no longer be evaluated.
        raise UserError("评标已完成，不能再上传备份投标文件",
                        "The evaluation is over: no backup is taken any more", status=409,
                        code="evaluated")
    if tender.state != TenderState.OPENED.value or tender.opened_at is None \
            or tender.opening_private_key is None:
        raise UserError("开标完成后才能上传备份投标文件",
                        "A backup is taken only after the opening", status=409, code="not_opened")
    if bid.open_status != OpenStatus.WITHDRAWN.value:
        raise UserError("只有因平台原因解密失败（视为撤回）的投标可以上传备份",
                        "Only a bid withdrawn through a platform fault takes a backup",
                        status=409, code="not_withdrawn")
    now = clock.now(session)
    ends = tender.opened_at + window()
    if now > ends:
        raise UserError(
            f"备份上传期限已过（截至 {clock.format_local(ends)}，服务器时间 "
            f"{clock.format_local(now)}）",
            f"The backup window ended at {clock.format_local(ends)} (server time "
            f"{clock.format_local(now)})", status=409, code="backup_window_closed")
    return BackupTarget(tender_id, bid_id, bid.envelope_sha256, bid.size)


class IncomingBackup:
    """The uploaded copy: streamed to a temporary file and hashed (no structural check: the
    digest decides)."""

    def __init__(self, target: BackupTarget) -> None:
        self.target = target
        self.hash = hashlib.sha256()
        self.size = 0
        directory = files.private_dir(config.incoming_dir())
        self.path = directory / f"backup-{uuid.uuid4().hex}.part"
        self._file = files.open_private(self.path, exclusive=True)

    def write(self, chunk: bytes) -> None:
        if not chunk:
            return
        self.size += len(chunk)
        if self.size > max(self.target.size, 1) * 2 + 1024 * 1024:
            self.discard()
            raise UserError("备份文件大小与回执不符", "The backup's size does not match the receipt",
                            status=413, field="envelope", code="backup_too_large")
        self.hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()

    def discard(self) -> None:
        if not self._file.closed:
            self._file.close()
        self.path.unlink(missing_ok=True)


def _frozen_digest(session: Session, tender_id: uuid.UUID, bid_id: uuid.UUID) -> str | None:
    """The bid's digest on the closing's frozen list (the log entry, not the bid row)."""
    for entry in supervision.entries(session, action="opening.bids_frozen",
                                     subject=lookup.subject(tender_id), limit=1):
        for item in entry.body.get("bids", []):
            if item.get("bid") == str(bid_id):
                return str(item.get("envelope_sha256"))
    return None


def _refuse(actor: Actor, target: BackupTarget, digest: str, code: str, zh: str,
            en: str) -> BackupRefused:
    with db.transaction() as session:  # the refusal itself is on the record
        supervision.record(session, actor, "bid.backup_refused", lookup.subject(target.tender_id),
                           {"bid": str(target.bid_id), "sha256": digest, "code": code,
                            "expected_sha256": target.envelope_sha256})
    return BackupRefused(zh, en, status=422, field="envelope", code=code)


def accept(actor: Actor, user: CurrentUser, incoming: IncomingBackup) -> dict[str, Any]:
    """Check the digest against receipt and frozen list, open the bid, revise the record."""
    target = incoming.target
    incoming.finish()
    digest = incoming.hash.hexdigest()
    try:
        with db.read_only() as session:
            precheck(session, user, target.tender_id, target.bid_id)  # still valid
            frozen = _frozen_digest(session, target.tender_id, target.bid_id)
        if digest != target.envelope_sha256 or frozen != target.envelope_sha256:
            raise _refuse(
                actor, target, digest, "backup_digest_mismatch",
                f"备份文件的 SHA-256（{digest}）与回执及截止时冻结清单中的摘要"
                f"（{target.envelope_sha256}）不一致，不予接受",
                f"The backup's SHA-256 ({digest}) differs from the digest on the receipt "
                f"and the frozen list ({target.envelope_sha256}); refused")
        with db.read_only() as session:
            bid = session.get(Bid, target.bid_id)
            assert bid is not None
            stored = config.storage_root() / bid.storage_key
        _replace(stored, incoming.path)
        with db.read_only() as session:
            bid = session.get(Bid, target.bid_id)
            tender = lookup.get_tender(session, target.tender_id)
            assert bid is not None
            outcome = decryption.decrypt(bid, tender)
    finally:
        incoming.discard()
    with db.transaction() as session:
        return _record(session, actor, target, digest, outcome)


def _replace(stored: Path, backup: Path) -> None:
    """Keep the damaged file as evidence; the verified backup takes its place."""
    files.private_dir(stored.parent)
    if stored.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%f")
        os.replace(stored, stored.with_name(f"{stored.name}.damaged-{stamp}"))
    os.replace(backup, stored)


def _record(session: Session, actor: Actor, target: BackupTarget, digest: str,
            outcome: decryption.Outcome) -> dict[str, Any]:
    tender = lookup.get_tender(session, target.tender_id, lock=True)
    now = clock.now(session)
    reason = outcome.reason
    if outcome.status is OpenStatus.OPENED:
        reason = "平台存储文件损坏，依据《电子招标投标办法》第三十一条以投标人备份文件（摘要与回执一致）" \
                 "开启 / opened from the " \
                 "bidder's backup copy (digest matches the receipt)"
    statement = (
        update(Bid).where(Bid.id == target.bid_id,
                          Bid.open_status == OpenStatus.WITHDRAWN.value)
        .values(open_status=outcome.status.value, open_reason=reason,
                price_fen=outcome.price_fen, announced=outcome.announced, opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
        raise ConflictError("该投标已处理", "This bid was already handled")
    supervision.record(session, actor, "bid.backup_accepted", lookup.subject(tender.id), {
        "bid": str(target.bid_id), "sha256": digest, "status": outcome.status.value,
        "reason": reason, "price_fen": outcome.price_fen})
    revised = _revise_record(session, tender, now)
    return {"bid_id": str(target.bid_id), "status": outcome.status.value,
            "record_version": revised["version"], "reason": reason}


def _revise_record(session: Session, tender: Any, now: dt.datetime) -> dict[str, Any]:
    previous = session.get(OpeningRecord, tender.id, populate_existing=True)
    assert previous is not None
    record = records.build_record(session, tender)
    record["opened_at"] = previous.record.get("opened_at")
    record["version"] = int(previous.record.get("version", 1)) + 1
    record["revised_at"] = now.isoformat()
    record["previous_sha256"] = previous.sha256
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    index = supervision.record(session, notices.OPENING, "opening.record_revised",
                               lookup.subject(tender.id),
                               {"sha256": digest, "previous_sha256": previous.sha256,
                                "version": record["version"], "reason": "R-25 backup",
                                "record": record})
    previous.record, previous.sha256, previous.log_index = record, digest, index
    previous.created_at = now
    session.flush()
    notices.sign_checkpoint(session, "record revised", tender)
    _correct_notice(session, tender, record)
    return record


def _correct_notice(session: Session, tender: Any, record: dict[str, Any]) -> None:
    """R-43: the disclosed opening record is corrected by a notice that references it."""
    from disclosure import services as disclosure

    published = [n for n in disclosure.tender_history(session, str(tender.id))
                 if n.notice_type == "opening_record" and n.corrects_id is None]
    if not published:
        return
    lines = []
    for section in record["sections"]:
        for entry in section["bids"]:
            status = records.STATUS_ZH.get(entry["status"], entry["status"])
            price = announcement.yuan_text(entry["price_fen"] or 0)
            lines.append(f"标段 {section['number']} {entry['bidder_name']}：{status}，报价 {price} 元")
    tenderee, _agent, items = announcement.announcement_names(session, tender)
    notices.disclose_notice(session, tender, "correction", {
        "tenderee": tenderee or "—",
        "reason": "开标记录更正（依据《电子招标投标办法》第三十一条，平台原因解密失败的投标以"
                  "投标人备份文件开启）",
        "content": f"开标记录第 {record['version']} 版（SHA-256 见监督日志）：\n" + "\n".join(lines),
        "contact": items.get("contact") or tenderee or "—",
    }, corrects=published[-1].id)
