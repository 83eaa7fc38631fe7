"""Tender documents: upload (sniffed type), anonymous download (R-14), and who downloaded
(secret until the deadline; each downloader is notified of a clarification once, R-15)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import config
from bidding.lookup import get_tender, subject
from bidding.models import Clarification, DocumentDownload, Notification, TenderDocument, TenderState
from bidding.tendering import sniff
from supervision import services as supervision
from trading import clock, files
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError


def documents_of(session: Session, tender_id: uuid.UUID) -> list[TenderDocument]:
    query = select(TenderDocument).where(TenderDocument.tender_id == tender_id)
    return list(session.scalars(query.order_by(TenderDocument.created_at)))


# --- documents -----------------------------------------------------------------------------


def _refuse_duplicate(session: Session, tender_id: uuid.UUID, digest: str) -> None:
    """The same bytes twice on one tender would show bidders two files that are one."""
    same = session.scalar(select(TenderDocument.filename).where(
        TenderDocument.tender_id == tender_id, TenderDocument.sha256 == digest).limit(1))
    if same is not None:
        raise ConflictError(f"该文件已上传过（{same}），内容完全相同",
                            f"This file was already uploaded (as {same}): the content is the same",
                            field="file")


def add_document(session: Session, actor: Actor, tender_id: uuid.UUID, filename: str,
                 content_type: str, content: bytes, *, kind: str = "document") -> TenderDocument:
    """Attach a document (draft) or a clarification file (published) to a tender."""
    tender = get_tender(session, tender_id)
    allowed = TenderState.DRAFT if kind == "document" else TenderState.PUBLISHED
    if tender.state != allowed.value:
        raise ConflictError("当前状态下不能上传该文件", "This file cannot be added in this state")
    if not content or len(content) > config.MAX_DOCUMENT_BYTES:
        raise UserError("文件为空或过大（上限 50 MiB）", "The file is empty or too large (50 MiB)",
                        field="file")
    name = os.path.basename(filename.strip()) or "document"
    _refuse_duplicate(session, tender_id, hashlib.sha256(content).hexdigest())
    digest, path = files.store_by_digest(config.documents_dir() / str(tender_id), content)
    document = TenderDocument(
        tender_id=tender_id, kind=kind, filename=name[:255],
        content_type=sniff.content_type(content), sha256=digest,  # never the uploader's
        size=len(content), storage_key=str(path.relative_to(config.storage_root())),
        created_at=clock.now(session),
    )
    session.add(document)
    session.flush()
    supervision.record(session, actor, "tender.document_added", subject(tender_id), {
        "document": str(document.id), "kind": kind, "filename": document.filename,
        "sha256": digest, "size": len(content),
    })
    return document


def download_document(session: Session, actor: Actor, tender_id: uuid.UUID,
                      document_id: uuid.UUID, contact: str | None = None, *,
                      manager: bool = False) -> tuple[TenderDocument, Path]:
    """R-14: anyone may download a published tender's documents, without signing up; those
    who manage the tender also a draft's, to check them before publication.

    A download by anyone else is recorded (R-15 notifications) but not logged publicly: who
    downloaded, and how many did, stays hidden until the deadline.
    """
    tender = get_tender(session, tender_id)
    document = session.get(TenderDocument, document_id)
    if document is None or document.tender_id != tender_id:
        raise NotFoundError("招标文件", "Document")
    if manager:
        return document, config.storage_root() / document.storage_key
    if tender.state == TenderState.DRAFT.value:
        raise NotFoundError("招标文件", "Document")
    user_id = uuid.UUID(actor.user_id) if actor.user_id else None
    session.add(DocumentDownload(tender_id=tender_id, document_id=document_id, user_id=user_id,
                                 contact=(contact or "").strip()[:200] or None, ip=actor.ip,
                                 at=clock.now(session)))
    return document, config.storage_root() / document.storage_key


def downloads_of(session: Session, tender_id: uuid.UUID) -> list[DocumentDownload]:
    """R-14: the list of downloaders, refused until the deadline has passed."""
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    if tender.deadline is None or now < tender.deadline:
        raise UserError("依据《电子招标投标办法》第二十条、第二十一条，投标截止前不公开下载人名单",
                        "Under the Measures for Electronic Tendering and Bidding, Arts. 20-21, "
                        "downloaders stay hidden until the deadline", status=403, code="R-14")
    return download_rows(session, tender_id)


def download_rows(session: Session, tender_id: uuid.UUID) -> list[DocumentDownload]:
    query = select(DocumentDownload).where(DocumentDownload.tender_id == tender_id)
    return list(session.scalars(query.order_by(DocumentDownload.id)))


def downloader(download: DocumentDownload) -> str:
    """Who downloaded: the user, else the contact or address given (R-15 notifies each once)."""
    return str(download.user_id or download.contact or download.ip or download.id)


def notify_downloaders(session: Session, tender_id: uuid.UUID, deadline: dt.datetime,
                       now: dt.datetime) -> int:
    """R-15: one notification per downloader (user, or contact/IP for an anonymous one)."""
    downloads = download_rows(session, tender_id)
    seen: set[str] = set()
    text_zh = f"招标文件已澄清/修改，投标截止时间为 {clock.format_local(deadline)}"
    text_en = f"The tender documents were clarified/amended; the deadline is {deadline.isoformat()}"
    for download in downloads:
        who = downloader(download)
        if who in seen:
            continue
        seen.add(who)
        session.add(Notification(tender_id=tender_id, user_id=download.user_id,
                                 download_id=download.id, kind="clarification",
                                 message_zh=text_zh, message_en=text_en, created_at=now))
    session.flush()
    return len(seen)


def reveal_downloads(session: Session, actor: Actor, tender_id: uuid.UUID) -> None:
    """At the closing (R-14: secret until the deadline), log how many downloaded and how many
    each clarification notified, with the salts that open the clarifications' commitments."""
    rows = session.scalars(select(Clarification).where(Clarification.tender_id == tender_id)
                           .order_by(Clarification.created_at)).all()
    downloaders = {downloader(d) for d in download_rows(session, tender_id)}
    supervision.record(session, actor, "tender.downloads_revealed", subject(tender_id), {
        "rule": "R-14", "downloaders": len(downloaders),
        "clarifications": [{"clarification": str(c.id), "notified": c.notified_count,
                            "salt": c.notified_salt} for c in rows
                           if c.notified_salt is not None],
    })
