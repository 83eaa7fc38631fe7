"""The tender announcement (R-41): its items, checked at creation, and the notices a tender
hands to disclosure (in the caller's transaction: a refusal refuses the step)."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.lookup import sections_of, subject
from bidding.models import Tender
from supervision import services as supervision
from trading.accounts.models import Organization
from trading.audit import Actor
from trading.errors import UserError

if TYPE_CHECKING:  # tenders builds on this module
    from bidding.tendering.tenders import TenderInput


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


def organization_name(session: Session, org_id: uuid.UUID | None) -> str | None:
    if org_id is None:
        return None
    return session.scalar(select(Organization.name).where(Organization.id == org_id))


def check_announcement(session: Session, data: TenderInput) -> dict[str, Any]:
    """R-41: every announcement item is required at creation, the missing one is named."""
    if organization_name(session, data.tenderee_org_id) is None:
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


def announcement_of(session: Session, tender_id: uuid.UUID) -> dict[str, Any] | None:
    """The announcement items recorded (in the supervision log) when the tender was created."""
    found = supervision.entries(session, action="tender.created", subject=subject(tender_id),
                                limit=1)
    items = found[0].body.get("announcement") if found else None
    return dict(items) if isinstance(items, dict) else None


def announcement_names(session: Session, tender: Tender) -> tuple[str, str | None, dict[str, Any]]:
    """Tenderee and agent names (from the organizations) and the recorded items."""
    items = announcement_of(session, tender.id) or {}
    agent_id = items.get("agent_org_id")
    agent = organization_name(session, uuid.UUID(agent_id)) if agent_id else None
    return organization_name(session, tender.tenderee_org_id) or "", agent, items


def yuan_text(fen: int) -> str:
    """An amount in fen as yuan with two decimals, as notices print it."""
    return f"{fen // 100}.{fen % 100:02d}"


def announcement_data(session: Session, tender: Tender) -> dict[str, Any]:
    """The ``tender_announcement`` notice of a tender being published (R-41)."""
    tenderee, agent, items = announcement_names(session, tender)
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
                                data={"project_code": tender.code, **data},
                                region=tender.region, category=tender.category,
                                corrects=corrects)
    supervision.record(session, actor, "tender.disclosed", subject(tender.id), {
        "notice_type": notice_type, "notice_id": str(notice.id),
        "content_hash": notice.content_hash})


def public_notices(session: Session, tender_id: uuid.UUID) -> list[Any]:
    """The tender's public notices (disclosure), oldest first: the tender page and the
    bidder's workspace link to each."""
    from disclosure import services as disclosure

    return disclosure.tender_history(session, str(tender_id))
