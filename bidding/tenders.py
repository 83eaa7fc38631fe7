"""Tenders: creation, the legal periods (R-10..R-17), documents, clarifications, objections.

Every state change is a guarded ``UPDATE ... WHERE state = expected`` and is logged to the
supervision log in the same transaction. Periods follow R-00a through ``trading.calendar``:
the start day is not counted and a period ending on a rest day ends on the next working day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from sqlalchemy import func, or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bidding import config, limits, periods, sniff
from bidding.models import (
    Clarification,
    DocumentDownload,
    Notification,
    Objection,
    PanelMember,
    Section,
    Tender,
    TenderDocument,
    TenderState,
)
from supervision import services as supervision
from trading import calendar_years, clock, files, jobs
from trading.accounts import services as accounts
from trading.accounts.models import Organization, Role
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

CLOSE_JOB = "bidding.close"
OBJECTION_ALERT_KIND = "bidding.objection_answer"
MAX_SECURITY_PERMILLE = 20  # 2 %
# The disclosure domain's categories, so the notices of a tender are accepted there.
CATEGORIES: dict[str, tuple[str, str]] = {
    "construction": ("工程建设", "Construction"),
    "procurement": ("政府采购", "Government procurement"),
    "land": ("土地使用权", "Land use rights"),
    "property": ("国有产权", "State-owned property"),
    "other": ("其他", "Other"),
}


def subject(tender_id: uuid.UUID) -> str:
    return f"tender/{tender_id}"


def job_subject(tender_id: uuid.UUID) -> str:
    return f"tender:{tender_id}"


def tender_id_of(job_subject_value: str) -> uuid.UUID:
    return uuid.UUID(job_subject_value.split(":", 1)[1])


# --- reading -------------------------------------------------------------------------------


def get_tender(session: Session, tender_id: uuid.UUID, *, lock: bool = False) -> Tender:
    query = select(Tender).where(Tender.id == tender_id)
    if lock:
        query = query.with_for_update()
    found = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if found is None:
        raise NotFoundError("招标项目", "Tender")
    return found


def sections_of(session: Session, tender_id: uuid.UUID) -> list[Section]:
    query = select(Section).where(Section.tender_id == tender_id).order_by(Section.number)
    return list(session.scalars(query))


def get_section(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Section:
    found = session.get(Section, section_id)
    if found is None or found.tender_id != tender_id:
        raise NotFoundError("标段", "Section")
    return found


def list_tenders(session: Session, *, include_drafts: bool = False,
                 drafts_of: uuid.UUID | None = None) -> list[Tender]:
    """Published and later tenders; drafts too when ``include_drafts`` (staff: all of them),
    or only the drafts of the tenderee organization ``drafts_of`` (a tenderee sees no other
    organization's drafts, not even their titles)."""
    query = select(Tender).order_by(Tender.created_at.desc())
    if drafts_of is not None and not include_drafts:
        query = query.where(or_(Tender.state != TenderState.DRAFT.value,
                                Tender.tenderee_org_id == drafts_of))
    elif not include_drafts:
        query = query.where(Tender.state != TenderState.DRAFT.value)
    return list(session.scalars(query))


def panel_of(session: Session, tender_id: uuid.UUID) -> list[PanelMember]:
    query = select(PanelMember).where(PanelMember.tender_id == tender_id)
    return list(session.scalars(query.order_by(PanelMember.position)))


def documents_of(session: Session, tender_id: uuid.UUID) -> list[TenderDocument]:
    query = select(TenderDocument).where(TenderDocument.tender_id == tender_id)
    return list(session.scalars(query.order_by(TenderDocument.created_at)))


# --- the state machine ---------------------------------------------------------------------


def transition(
    session: Session,
    actor: Actor,
    tender_id: uuid.UUID,
    expected: TenderState,
    new: TenderState,
    action: str,
    body: dict[str, Any],
    **values: Any,
) -> None:
    """Move a tender from ``expected`` to ``new`` or refuse; log it in the same transaction."""
    now = clock.now(session)
    statement = (
        update(Tender)
        .where(Tender.id == tender_id, Tender.state == expected.value)
        .values(state=new.value, version=Tender.version + 1, updated_at=now, **values)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
        raise ConflictError(
            f"招标项目状态已变化，无法从「{expected.value}」变为「{new.value}」",
            f"the tender is no longer {expected.value}; cannot become {new.value}",
        )
    supervision.record(
        session, actor, action, subject(tender_id),
        {"from": expected.value, "to": new.value, **body},
    )


# --- creation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SectionInput:
    name: str
    estimated_price_fen: int
    bid_security_fen: int
    max_price_fen: int | None = None


@dataclass(frozen=True)
class TenderInput:
    title: str
    category: str
    region: str
    evaluation_method: str
    custody_k: int
    custodian_ids: list[uuid.UUID]
    sections: list[SectionInput]
    description: str = ""
    bidder_decrypts: bool = False
    tenderee_org_id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # the announcement items (keys of ANNOUNCEMENT_ITEMS) and the agent's organization.
    announcement: dict[str, str] = field(default_factory=dict)
    agent_org_id: uuid.UUID | None = None


# what the tender announcement (disclosure type ``tender_announcement``) needs besides
# the tenderee, agent, title, maximum price and times, which the platform knows already.
ANNOUNCEMENT_ITEMS: tuple[tuple[str, str, str, int], ...] = (
    ("project_scope", "招标范围", "Scope", 1000),
    ("project_scale", "建设规模/采购数量", "Scale", 1000),
    ("funding_source", "资金来源", "Funding source", 200),
    ("technical_requirements", "技术要求", "Technical requirements", 5000),
    ("qualification", "投标人资格要求", "Bidder qualification", 5000),
    ("opening_place", "开标地点", "Opening place", 200),
    ("contact", "联系人及联系方式", "Contact", 200),
)


def _required(value: str, field_name: str, zh: str, en: str) -> str:
    value = value.strip()
    if not value or len(value) > 200:
        raise UserError(f"请填写{zh}（最多 200 字）", f"{en} is required (at most 200 characters)",
                        field=field_name)
    return value


def check_section(section: SectionInput, index: int) -> None:
    """R-16 (bid security ≤ 2 % of the estimate) and R-17 (a published maximum price)."""
    name = f"sections[{index}]"
    if section.estimated_price_fen <= 0:
        raise UserError("估算价须为正数（单位：分）", "The estimated price must be positive (fen)",
                        field=f"{name}.estimated_price_fen")
    if section.bid_security_fen < 0:
        raise UserError("投标保证金不能为负", "Bid security cannot be negative",
                        field=f"{name}.bid_security_fen")
    # Integer arithmetic: security ≤ 2 % ⇔ 1000 · security ≤ 20 · estimate.
    if section.bid_security_fen * 1000 > section.estimated_price_fen * MAX_SECURITY_PERMILLE:
        raise UserError(
            "R-16：投标保证金不得超过估算价的 2%",
            "R-16: bid security may not exceed 2% of the estimated price",
            field=f"{name}.bid_security_fen", code="R-16",
        )
    if section.max_price_fen is not None and section.max_price_fen <= 0:
        raise UserError("R-17：最高投标限价须为正数", "R-17: the maximum price must be positive",
                        field=f"{name}.max_price_fen", code="R-17")


def _check_panel(session: Session, k: int, custodian_ids: list[uuid.UUID]) -> None:
    n = len(custodian_ids)
    if len(set(custodian_ids)) != n:
        raise UserError("密钥保管人不能重复", "Custodians must be distinct", field="custodians")
    if not 2 <= k <= n:
        raise UserError("门限须满足 2 ≤ k ≤ n（保管人数）", "The threshold must satisfy 2 ≤ k ≤ n",
                        field="custody_k")
    for custodian_id in custodian_ids:
        user = accounts.get_user(session, custodian_id)
        if Role.CUSTODIAN.value not in user.role_names:
            raise UserError(f"用户 {user.username} 不是密钥保管人",
                            f"user {user.username} is not a custodian", field="custodians")


def create_tender(session: Session, actor: Actor, created_by: uuid.UUID,
                  data: TenderInput) -> Tender:
    title = _required(data.title, "title", "项目名称", "Title")
    limits.check_tender_input(session, data)  # sizes, amounts, the agent's kind
    if not data.sections:
        raise UserError("至少需要一个标段", "At least one section is required", field="sections")
    for index, section in enumerate(data.sections):
        _required(section.name, f"sections[{index}].name", "标段名称", "Section name")
        check_section(section, index)
    if data.category not in CATEGORIES:
        raise UserError("未知的项目类别", "Unknown category", field="category")
    _check_panel(session, data.custody_k, data.custodian_ids)
    announcement = _check_announcement(session, data)
    now = clock.now(session)
    tender = Tender(
        title=title, category=data.category,
        region=_required(data.region, "region", "地区", "Region"),
        evaluation_method=_required(data.evaluation_method, "evaluation_method", "评标办法",
                                    "Evaluation method"),
        description=data.description.strip(), tenderee_org_id=data.tenderee_org_id,
        created_by=created_by, state=TenderState.DRAFT.value, version=1,
        bidder_decrypts=data.bidder_decrypts, custody_k=data.custody_k,
        custody_n=len(data.custodian_ids), created_at=now, updated_at=now,
    )
    session.add(tender)
    session.flush()
    for number, section in enumerate(data.sections, start=1):
        session.add(Section(tender_id=tender.id, number=number, name=section.name.strip(),
                            estimated_price_fen=section.estimated_price_fen,
                            max_price_fen=section.max_price_fen,
                            bid_security_fen=section.bid_security_fen))
    for position, custodian_id in enumerate(data.custodian_ids, start=1):
        session.add(PanelMember(tender_id=tender.id, user_id=custodian_id, position=position))
    session.flush()
    supervision.record(session, actor, "tender.created", subject(tender.id), {
        "title": title, "sections": len(data.sections), "k": data.custody_k,
        "n": len(data.custodian_ids), "custodians": [str(c) for c in data.custodian_ids],
        "bidder_decrypts": data.bidder_decrypts, "announcement": announcement,
    })
    return tender


def _organization_name(session: Session, org_id: uuid.UUID | None) -> str | None:
    if org_id is None:
        return None
    return session.scalar(select(Organization.name).where(Organization.id == org_id))


def _check_announcement(session: Session, data: TenderInput) -> dict[str, Any]:
    """R-41: every announcement item is required at creation, the missing one is named."""
    if _organization_name(session, data.tenderee_org_id) is None:
        raise UserError("招标公告缺少必填项：招标人（单位）", "The tender announcement misses a "
                        "required item: Tenderee (organization)", field="tenderee_org_id",
                        code="missing_item")
    unknown = sorted(set(data.announcement) - {key for key, *_ in ANNOUNCEMENT_ITEMS})
    if unknown:
        raise UserError(f"招标公告包含未定义的数据项：{unknown[0][:40]}",
                        f"unknown announcement item: {unknown[0][:40]}",
                        field=f"announcement.{unknown[0][:40]}", code="unknown_item")
    items: dict[str, Any] = {}
    for key, zh, en, limit in ANNOUNCEMENT_ITEMS:
        value = str(data.announcement.get(key) or "").strip()
        if not value:
            raise UserError(f"招标公告缺少必填项：{zh}", f"The tender announcement misses a "
                            f"required item: {en}", field=f"announcement.{key}",
                            code="missing_item")
        if len(value) > limit:
            raise UserError(f"{zh}：不能超过 {limit} 字", f"{en}: at most {limit} characters",
                            field=f"announcement.{key}")
        items[key] = value
    items["agent_org_id"] = str(data.agent_org_id) if data.agent_org_id else None
    return items


def organizations_of_kind(session: Session, kind: str) -> list[tuple[uuid.UUID, str]]:
    """Organizations offered as tenderee or agent on the creation page."""
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == kind).order_by(Organization.name))
    return [(row.id, row.name) for row in rows]


def announcement_of(session: Session, tender_id: uuid.UUID) -> dict[str, Any] | None:
    """The announcement items recorded (in the supervision log) when the tender was created."""
    found = supervision.entries(session, action="tender.created", subject=subject(tender_id),
                                limit=1)
    items = found[0].body.get("announcement") if found else None
    return dict(items) if isinstance(items, dict) else None


def _names(session: Session, tender: Tender) -> tuple[str, str | None, dict[str, Any]]:
    """Tenderee and agent names (from the organizations) and the recorded items."""
    items = announcement_of(session, tender.id) or {}
    agent_id = items.get("agent_org_id")
    agent = _organization_name(session, uuid.UUID(agent_id)) if agent_id else None
    return _organization_name(session, tender.tenderee_org_id) or "", agent, items


announcement_names = _names


def yuan_text(fen: int) -> str:
    """An amount in fen as yuan with two decimals, as notices print it."""
    return f"{fen // 100}.{fen % 100:02d}"


def announcement_data(session: Session, tender: Tender) -> dict[str, Any]:
    """The ``tender_announcement`` notice of a tender being published (R-41)."""
    tenderee, agent, items = _names(session, tender)
    assert tender.deadline is not None
    data: dict[str, Any] = {
        "tenderee": tenderee, "agent": agent, "project_name": tender.title,
        **{key: items.get(key) for key, *_ in ANNOUNCEMENT_ITEMS},
        # The electronic opening starts at the deadline.
        "bid_deadline": tender.deadline.isoformat(), "opening_time": tender.deadline.isoformat(),
    }
    prices = [s.max_price_fen for s in sections_of(session, tender.id)]
    if len(prices) == 1 and prices[0] is not None:
        data["maximum_price"] = yuan_text(prices[0])  # published
    # The opening key on the public record: bidders' clients seal only to the key this logged
    # notice names (docs/bidding.md), so a key swapped later in the tender row is refused.
    import base64

    if tender.opening_public_key is not None:
        data["opening_public_key"] = base64.b64encode(tender.opening_public_key).decode()
    if tender.opening_key_id:
        data["opening_key_id"] = tender.opening_key_id
    transcript = (tender.ceremony or {}).get("transcript_hash")
    if isinstance(transcript, str) and transcript:
        data["ceremony_transcript_hash"] = transcript
    return data


def disclose(session: Session, actor: Actor, tender: Tender, notice_type: str,
              data: dict[str, Any], *, title: str | None = None,
              corrects: uuid.UUID | None = None) -> None:
    """Hand a notice to disclosure in the caller's transaction: a refusal refuses the step."""
    from disclosure import services as disclosure

    notice = disclosure.publish(session, actor, notice_type=notice_type,
                                tender_ref=str(tender.id), title=title or tender.title,
                                data=data, region=tender.region, category=tender.category,
                                corrects=corrects)
    supervision.record(session, actor, "tender.disclosed", subject(tender.id), {
        "notice_type": notice_type, "notice_id": str(notice.id),
        "content_hash": notice.content_hash})


# --- documents -----------------------------------------------------------------------------


def _write_file(directory: Path, content: bytes) -> tuple[str, Path]:
    digest = hashlib.sha256(content).hexdigest()
    files.private_dir(directory)
    path = directory / digest
    temp = directory / f".{digest}.{uuid.uuid4().hex}"
    with files.open_private(temp, exclusive=True) as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return digest, path


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
    digest, path = _write_file(config.documents_dir() / str(tender_id), content)
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
                      document_id: uuid.UUID, contact: str | None = None) -> tuple[
                          TenderDocument, Path]:
    """R-14: anyone may download a published tender's documents, without signing up.

    The download is recorded (R-15 notifications) but not logged publicly: who downloaded,
    and how many did, stays hidden until the deadline.
    """
    tender = get_tender(session, tender_id)
    document = session.get(TenderDocument, document_id)
    if document is None or document.tender_id != tender_id:
        raise NotFoundError("招标文件", "Document")
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
        raise UserError("R-14：投标截止前不公开下载人名单", "R-14: downloaders stay hidden until "
                        "the deadline", status=403, code="R-14")
    return _downloads(session, tender_id)


# --- publishing ----------------------------------------------------------------------------


def publish(session: Session, actor: Actor, tender_id: uuid.UUID, deadline: dt.datetime,
            sale_ends_on: dt.date) -> Tender:
    """Publish: the documents are issued now; schedule the closing job at the deadline."""
    tender = get_tender(session, tender_id, lock=True)
    if tender.state != TenderState.DRAFT.value:
        raise ConflictError("只有草稿可以发布", "Only a draft can be published")
    if tender.opening_public_key is None or not (tender.ceremony or {}).get("transcript_hash"):
        raise UserError("发布前须由保管人共同完成开标密钥生成",
                        "The custodians must complete the opening-key ceremony before "
                        "publication", status=409, code="ceremony_missing")
    if not documents_of(session, tender_id):
        raise UserError("发布前须上传招标文件", "Upload the tender documents before publishing",
                        status=409, field="file")
    now = clock.now(session)
    checked = periods.check_periods(session, now, sale_ends_on, deadline, tender.category)
    jobs.schedule(session, CLOSE_JOB, job_subject(tender_id), deadline)
    transition(session, actor, tender_id, TenderState.DRAFT, TenderState.PUBLISHED,
               "tender.published",
               {"documents_issued_at": now.isoformat(), "deadline": deadline.isoformat(),
                "sale_ends_on": sale_ends_on.isoformat()},
               documents_issued_at=now, sale_ends_at=clock.legal_end_of_day_utc(sale_ends_on),
               deadline=deadline)
    published = get_tender(session, tender_id)
    periods.rely_on_periods(session, published, checked)
    # the tender announcement goes out in the same transaction (refused → not published).
    disclose(session, actor, published, "tender_announcement",
              announcement_data(session, published))
    return published


def cancel(session: Session, actor: Actor, tender_id: uuid.UUID, reason: str) -> None:
    tender = get_tender(session, tender_id, lock=True)
    if tender.state not in (TenderState.DRAFT.value, TenderState.PUBLISHED.value):
        raise ConflictError("截止后不能取消，请走流标程序", "Cannot cancel after the deadline")
    jobs.cancel(session, CLOSE_JOB, job_subject(tender_id))
    calendar_years.release(session, subject(tender_id))
    transition(session, actor, tender_id, TenderState(tender.state), TenderState.CANCELLED,
               "tender.cancelled", {"reason": reason.strip()[:500]})


# --- clarifications and amendments (R-12, R-15) ---------------------------------------------


def clarify(session: Session, actor: Actor, tender_id: uuid.UUID, text: str,
            affects_preparation: bool = True,
            new_deadline: dt.datetime | None = None) -> Clarification:
    """Issue a clarification; if it affects bid preparation and comes later than 15 days before
    the deadline, the deadline moves (R-12). Every downloader is notified (R-15)."""
    limits.required_text(text, "text", limits.MAX_CLARIFICATION_TEXT, "澄清内容", "The clarification",
                         ("请填写澄清内容", "The clarification text is required"))
    # Lock order: the job row first (jobs.schedule), then the tender, then the log head.
    tender = get_tender(session, tender_id)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        raise ConflictError("只有已发布且未截止的项目可以澄清",
                            "Only a published tender can be clarified")
    now = clock.now(session)
    # while paused by an objection past the deadline, an amendment is still possible
    # (it moves the deadline under R-12, so bidding reopens).
    if now >= tender.deadline and tender.paused_until is None:
        raise ConflictError("已过投标截止时间", "The deadline has passed")
    before = tender.deadline
    after, r12 = periods.deadline_after_clarification(session, now, before, affects_preparation,
                                                      new_deadline)
    if after != before:
        jobs.schedule(session, CLOSE_JOB, job_subject(tender_id), after)
        session.execute(update(Tender).where(Tender.id == tender_id).values(
            deadline=after, version=Tender.version + 1, updated_at=now))
        moved = get_tender(session, tender_id)
        periods.rely_on_periods(session, moved)
        if r12 is not None:
            calendar_years.rely_on(session, subject(tender_id), r12[0], r12[1],
                                   clock.legal_day(after), f"「{tender.title}」澄清后的投标截止",
                                   f"'{tender.title}' deadline after a clarification", "staff")
    clarification = Clarification(
        tender_id=tender_id, text=text.strip(), affects_preparation=affects_preparation,
        deadline_before=before, deadline_after=after,
        created_by=uuid.UUID(actor.user_id) if actor.user_id else uuid.UUID(int=0),
        created_at=now,
    )
    session.add(clarification)
    session.flush()
    # the number notified would tell how many downloaded; the log commits to it only.
    clarification.notified_count = _notify_downloaders(session, tender_id, after, now)
    clarification.notified_salt = os.urandom(32).hex()
    supervision.record(session, actor, "tender.clarified", subject(tender_id), {
        "clarification": str(clarification.id), "deadline_before": before.isoformat(),
        "deadline_after": after.isoformat(), "affects_preparation": affects_preparation,
        "notified_commitment": supervision.notified_commitment(
            str(clarification.id), clarification.notified_count, clarification.notified_salt),
    })
    # the clarification notice, with the new deadline when it moved.
    tenderee, agent, items = _names(session, tender)
    disclose(session, actor, tender, "clarification", {
        "tenderee": tenderee, "agent": agent, "content": clarification.text,
        "new_bid_deadline": after.isoformat() if after != before else None,
        "contact": items.get("contact") or tenderee,
    }, title=f"{tender.title} 澄清/修改")
    return clarification


def _downloads(session: Session, tender_id: uuid.UUID) -> list[DocumentDownload]:
    query = select(DocumentDownload).where(DocumentDownload.tender_id == tender_id)
    return list(session.scalars(query.order_by(DocumentDownload.id)))


def _downloader(download: DocumentDownload) -> str:
    """Who downloaded: the user, else the contact or address given (R-15 notifies each once)."""
    return str(download.user_id or download.contact or download.ip or download.id)


def _notify_downloaders(session: Session, tender_id: uuid.UUID, deadline: dt.datetime,
                        now: dt.datetime) -> int:
    """R-15: one notification per downloader (user, or contact/IP for an anonymous one)."""
    downloads = _downloads(session, tender_id)
    seen: set[str] = set()
    text_zh = f"招标文件已澄清/修改，投标截止时间为 {clock.format_local(deadline)}"
    text_en = f"The tender documents were clarified/amended; the deadline is {deadline.isoformat()}"
    for download in downloads:
        who = _downloader(download)
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
    downloaders = {_downloader(d) for d in _downloads(session, tender_id)}
    supervision.record(session, actor, "tender.downloads_revealed", subject(tender_id), {
        "rule": "R-14", "downloaders": len(downloaders),
        "clarifications": [{"clarification": str(c.id), "notified": c.notified_count,
                            "salt": c.notified_salt} for c in rows
                           if c.notified_salt is not None],
    })


def notify(session: Session, tender_id: uuid.UUID, user_ids: list[uuid.UUID], kind: str,
           zh: str, en: str) -> None:
    now = clock.now(session)
    for user_id in user_ids:
        session.add(Notification(tender_id=tender_id, user_id=user_id, kind=kind,
                                 message_zh=zh, message_en=en, created_at=now))
    session.flush()


def notifications_for(session: Session, user_id: uuid.UUID) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(100)))


def count_notifications(session: Session, tender_id: uuid.UUID, kind: str) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.tender_id == tender_id, Notification.kind == kind)
    return int(session.scalar(query) or 0)


# --- objections (R-13) ---------------------------------------------------------------------


def raise_objection(session: Session, actor: Actor, tender_id: uuid.UUID, text: str) -> Objection:
    """R-13: objections to the documents at least 10 days before the deadline."""
    if not text.strip() or actor.user_id is None:
        raise UserError("请填写异议内容", "The objection text is required", field="text")
    limits.check_objection(session, tender_id, uuid.UUID(actor.user_id), text)
    tender = get_tender(session, tender_id)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        raise ConflictError("只有已发布的项目可以提出异议", "Only a published tender takes objections")
    now = clock.now(session)
    periods.check_objection_time(now, tender.deadline)
    objection = Objection(tender_id=tender_id, raised_by=uuid.UUID(actor.user_id),
                          text=text.strip(), raised_at=now,
                          answer_due=periods.objection_answer_due(session, now))
    session.add(objection)
    session.flush()
    # e-supervision watches the tenderee's 3-day answer.
    supervision.watch_deadline(session, OBJECTION_ALERT_KIND, f"objection/{objection.id}",
                               "tenderee", objection.answer_due,
                               f"「{tender.title}」异议答复", f"answer to an objection on "
                               f"'{tender.title}'",
                               organization_id=str(tender.tenderee_org_id)
                               if tender.tenderee_org_id else None)
    supervision.record(session, actor, "tender.objection_raised", subject(tender_id), {
        "objection": str(objection.id), "answer_due": objection.answer_due.isoformat(),
    })
    return objection


def answer_objection(session: Session, actor: Actor, tender_id: uuid.UUID,
                     objection_id: uuid.UUID, answer: str,
                     amends_documents: bool = False) -> Objection:
    """Answer an objection (R-13). ``amends_documents``: the answer changes the tender
    documents, so it is issued as a clarification too (R-12 may move the deadline; R-15).
    The last open objection's answer ends the pause of the procedure (Regs §22)."""
    objection = session.get(Objection, objection_id)
    if objection is None or objection.tender_id != tender_id:
        raise NotFoundError("异议", "Objection")
    if objection.answered_at is not None:
        raise ConflictError("该异议已答复", "The objection was already answered")
    limits.required_text(answer, "answer", limits.MAX_ANSWER_TEXT, "答复", "The answer",
                         ("请填写答复", "The answer is required"))
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    objection.answer, objection.answered_at = answer.strip(), now
    session.flush()
    paused = tender.state == TenderState.PUBLISHED.value and tender.paused_until is not None
    resume = paused and not open_objections(session, tender_id)
    clarification = None
    if amends_documents:
        # Jobs first (clarify reschedules the closing when R-12 moves the deadline).
        clarification = clarify(session, actor, tender_id, f"异议答复（修改招标文件）：{answer}",
                                True)
    elif resume:
        # The deadline has passed while paused and the documents stand: close now.
        jobs.schedule(session, CLOSE_JOB, job_subject(tender_id), now)
    supervision.resolve_deadline(session, OBJECTION_ALERT_KIND, f"objection/{objection.id}",
                                 "answered")
    supervision.record(session, actor, "tender.objection_answered", subject(tender_id), {
        "objection": str(objection.id), "late": now > objection.answer_due,
        "amends_documents": amends_documents,
        "clarification": str(clarification.id) if clarification else None,
    })
    if resume:
        after = get_tender(session, tender_id)
        session.execute(update(Tender).where(Tender.id == tender_id).values(
            paused_until=None, updated_at=now))
        supervision.record(session, actor, "tender.resumed", subject(tender_id), {
            "rule": "R-13", "law": "Regs §22", "objection": str(objection.id),
            "deadline": after.deadline.isoformat() if after.deadline else None,
            "closing_at": (after.deadline if amends_documents and after.deadline
                           else now).isoformat(),
        })
    return objection


def open_objections(session: Session, tender_id: uuid.UUID) -> list[Objection]:
    """Objections not answered yet: while there is one, the procedure pauses (R-13)."""
    query = select(Objection).where(Objection.tender_id == tender_id,
                                    Objection.answered_at.is_(None))
    return list(session.scalars(query.order_by(Objection.raised_at)))


PAUSE_RECHECK = dt.timedelta(hours=1)


def postpone_closing(session: Session, actor: Actor, tender: Tender,
                     pending: list[Objection]) -> dt.datetime:
    """R-13 (Regs §22): the deadline came while an objection is unanswered. The tender is not
    closed: the closing job waits (re-checked at the answer's due time, then hourly as a
    safety net), and answering the last objection resumes it (``answer_objection``)."""
    now = clock.now(session)
    latest_due = max(o.answer_due for o in pending)
    recheck = latest_due if latest_due > now else now + PAUSE_RECHECK
    jobs.schedule(session, CLOSE_JOB, job_subject(tender.id), recheck)
    first = tender.paused_until is None
    session.execute(update(Tender).where(Tender.id == tender.id).values(
        paused_until=latest_due, updated_at=now))
    supervision.record(session, actor, "tender.paused" if first else "tender.pause_continued",
                       subject(tender.id), {
                           "rule": "R-13", "law": "Regs §22",
                           "deadline": tender.deadline.isoformat() if tender.deadline else None,
                           "objections": [str(o.id) for o in pending],
                           "answer_due": latest_due.isoformat(),
                           "next_check": recheck.isoformat()})
    return recheck


def objections_of(session: Session, tender_id: uuid.UUID) -> list[Objection]:
    query = select(Objection).where(Objection.tender_id == tender_id)
    return list(session.scalars(query.order_by(Objection.raised_at)))
