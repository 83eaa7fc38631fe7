"""Tenders: creation (R-16, R-17), the guarded state machine, publication and cancellation.

Every state change is a guarded ``UPDATE ... WHERE state = expected`` and is logged to the
supervision log in the same transaction. The legal periods (R-10..R-13) are ``periods``; the
tender announcement ``announcement``; documents, clarifications and objections have their
own modules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import or_, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bidding import project_codes
from bidding.evaluation import plans, presets
from bidding.lookup import get_tender, job_subject, subject
from bidding.models import PanelMember, Section, Tender, TenderState
from bidding.tendering import limits, periods, supervisor
from bidding.tendering.announcement import announcement_data, check_announcement, disclose
from bidding.tendering.documents import documents_of
from supervision import services as supervision
from trading import calendar_years, clock, jobs
from trading.accounts import services as accounts
from trading.accounts.models import Organization, Role
from trading.audit import Actor
from trading.errors import ConflictError, UserError

CLOSE_JOB = "bidding.close"
MAX_SECURITY_PERMILLE = 20  # 2 %
# The disclosure domain's categories, so the notices of a tender are accepted there.
CATEGORIES: dict[str, tuple[str, str]] = {
    "construction": ("工程建设", "Construction"),
    "procurement": ("政府采购", "Government procurement"),
    "land": ("土地使用权", "Land use rights"),
    "property": ("国有产权", "State-owned property"),
    "other": ("其他", "Other"),
}


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
    supervisor_org_id: uuid.UUID | None = None  # 行政监督部门: ``supervisor.choose``
    require_supervisor: bool = False  # a person creates it (page, API): several need a choice
    extra: dict[str, Any] = field(default_factory=dict)
    # the announcement items (keys of ANNOUNCEMENT_ITEMS) and the agent's organization.
    announcement: dict[str, str] = field(default_factory=dict)
    agent_org_id: uuid.UUID | None = None
    # The evaluation method as data (presets.to_data); None: the named preset as it stands.
    evaluation_plan: dict[str, Any] | None = None


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
            "投标保证金不得超过估算价的 2%（《中华人民共和国招标投标法实施条例》第二十六条）",
            "Bid security may not exceed 2% of the estimated price (Regulations on the "
            "Tendering and Bidding Law, Art. 26)",
            field=f"{name}.bid_security_fen", code="R-16",
        )
    if section.max_price_fen is not None and section.max_price_fen <= 0:
        raise UserError("最高投标限价须为正数（《中华人民共和国招标投标法实施条例》第二十七条）",
                        "The maximum price must be positive (Regulations on the Tendering and "
                        "Bidding Law, Art. 27)",
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
    announcement = check_announcement(session, data)
    supervising = supervisor.choose(session, data.supervisor_org_id,
                                    data.require_supervisor)
    method_name, method = plans.initial(data.evaluation_method, data.category, data.evaluation_plan)
    now = clock.now(session)
    tender = Tender(
        title=title, code=project_codes.next_code(session, data.category, now),
        category=data.category,
        region=_required(data.region, "region", "地区", "Region"),
        evaluation_method=method_name, evaluation_plan=presets.to_data(method),
        description=data.description.strip(), tenderee_org_id=data.tenderee_org_id,
        supervisor_org_id=supervising, created_by=created_by, state=TenderState.DRAFT.value,
        version=1,
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
        "title": title, "code": tender.code, "sections": len(data.sections), "k": data.custody_k,
        "n": len(data.custodian_ids), "custodians": [str(c) for c in data.custodian_ids],
        "bidder_decrypts": data.bidder_decrypts, "announcement": announcement,
        "evaluation_method": method_name,
        "supervisor_org": str(supervising) if supervising else None,
    })
    return tender


def organizations_of_kind(session: Session, kind: str) -> list[tuple[uuid.UUID, str]]:
    """Organizations offered as tenderee or agent on the creation page."""
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == kind).order_by(Organization.name))
    return [(row.id, row.name) for row in rows]


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
