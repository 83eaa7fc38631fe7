"""Candidate publicity (中标候选人公示, R-35): started from the final report within 3 days of it
(e-supervision watches that limit), published through disclosure for at least 3 days, with at
most three ranked candidates, their prices, scores and how to object (R-42)."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bidding.award import common
from bidding.award.models import SectionAward
from bidding.evaluation.report import Report
from bidding.lookup import subject
from bidding.opening.notices import tenderee_name
from bidding.tendering import notifications
from bidding.tendering.announcement import yuan_text
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

PUBLISH_ALERT_KIND = "publicity.window"  # supervision.alerts.AlertKind.PUBLICITY
UNSTATED = "详见投标文件"  # an item the bid did not announce at the opening


def alert_subject(section_id: uuid.UUID) -> str:
    return f"section/{section_id}"


def is_published(session: Session, section_id: uuid.UUID) -> bool:
    """Whether the section's candidate publicity is out (the evaluation's review stops then)."""
    row = common.state_of(session, section_id)
    return row is not None and row.published_at is not None


def on_report_final(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> None:
    """The report became final: the 3-day limit to publish the candidates starts (R-35) and
    e-supervision watches it (R-52): the tenderee answers for it (staff may publish too)."""
    row = common.ensure(session, tender_id, section_id)
    tender, section = common.section(session, tender_id, section_id)
    supervision.watch_deadline(
        session, PUBLISH_ALERT_KIND, alert_subject(section_id), "tenderee", row.publish_due,
        f"「{tender.title}」标段 {section.number} 中标候选人公示",
        f"'{tender.title}' section {section.number}: candidate publicity",
        organization_id=str(tender.tenderee_org_id) if tender.tenderee_org_id else None)


def candidates(session: Session, tender_id: uuid.UUID,
               section_id: uuid.UUID) -> list[dict[str, Any]]:
    """The report's ranked candidates (at most 3), with their organisation and bid facts."""
    report = common.final_report(session, tender_id, section_id)
    # A standing names the bid (its id as text); the bidder is the bid's organisation.
    by_bid = {str(b.bid_id): b for b in common.bidders(session, section_id)}
    found = []
    for position, standing in enumerate(report.summary.candidates[:3], start=1):
        bidder = by_bid.get(standing.bidder)
        if bidder is None:  # the report names only bidders of the section
            continue
        announced = bidder.announced
        duration = announced.get("duration_days")
        found.append({
            "rank": position, "org_id": str(bidder.org_id), "bidder": bidder.name,
            "price_fen": standing.price, "score": _score(report, standing.total),
            "quality": str(announced.get("quality") or UNSTATED),
            "duration": f"{duration} 日" if duration else UNSTATED,
            "key_personnel": str(announced.get("key_personnel") or UNSTATED),
        })
    return found


def _score(report: Report, total: Decimal) -> str:
    # Comprehensive scoring ranks by points; the lowest evaluated price method by the
    # evaluated price (fen), which is shown as money, never as a bare number of fen.
    if report.summary.price_scores:
        return str(total)
    return f"经评审的投标价 {yuan_text(int(total))} 元"


def _checked_text(value: str, field: str, zh: str, en: str, limit: int) -> str:
    text = value.strip()
    if not text:
        raise UserError(f"请填写{zh}", f"{en} is required", field=field)
    if len(text) > limit:
        raise UserError(f"{zh}至多 {limit} 字", f"{en}: at most {limit} characters", field=field)
    return text


def publish(session: Session, actor: Actor, tender_id: uuid.UUID, section_id: uuid.UUID,
            days: int, objection_method: str, objection_contact: str) -> SectionAward:
    """Publish the candidates through disclosure (R-35, R-42); once per section."""
    if not common.MIN_PUBLICITY_DAYS <= days <= common.MAX_PUBLICITY_DAYS:
        raise UserError(f"公示期不得少于 {common.MIN_PUBLICITY_DAYS} 日（依据《中华人民共和国招标投标法"
                        f"实施条例》第五十四条），至多 {common.MAX_PUBLICITY_DAYS} 日",
                        f"The publicity lasts at least {common.MIN_PUBLICITY_DAYS} days "
                        f"(Regulations on the Tendering and Bidding Law, Art. 54), at most "
                        f"{common.MAX_PUBLICITY_DAYS}", field="days")
    method = _checked_text(objection_method, "objection_method", "提出异议的渠道和方式",
                           "How to object", common.MAX_TEXT)
    contact = _checked_text(objection_contact, "objection_contact", "异议受理联系人及电话",
                            "The objection contact", 200)
    row = common.ensure(session, tender_id, section_id)
    if row.published_at is not None:
        raise ConflictError("该标段的中标候选人已公示", "The candidates of this section are already "
                            "published")
    tender, section = common.section(session, tender_id, section_id)
    found = candidates(session, tender_id, section_id)
    if not found:
        raise ConflictError("评标报告没有推荐中标候选人，不能公示",
                            "The report recommends no candidate: nothing to publish")
    from disclosure import services as disclosure

    data = {
        "project_code": tender.code, "tenderee": tenderee_name(session, tender),
        "candidates": [{"rank": c["rank"], "bidder": c["bidder"],
                        "price": yuan_text(c["price_fen"]), "quality": c["quality"],
                        "duration": c["duration"], "key_personnel": c["key_personnel"],
                        "score": c["score"]} for c in found],
        "publicity_days": days, "objection_method": method, "objection_contact": contact,
    }
    published = disclosure.publish(
        session, actor, notice_type="candidate_publicity", tender_ref=str(tender.id),
        title=f"{tender.title} 标段 {section.number} 中标候选人公示", data=data,
        region=tender.region, category=tender.category)
    notice = disclosure.get_public(session, published.id)
    now = clock.now(session)
    row.candidates, row.publicity_notice_id, row.publicity_days = found, published.id, days
    row.published_at, row.publicity_ends_at = now, notice.publicity_ends_at
    session.flush()
    supervision.resolve_deadline(session, PUBLISH_ALERT_KIND, alert_subject(section_id),
                                 "published")
    people = [u for c in found for u in common.org_users(session, uuid.UUID(c["org_id"]))]
    notifications.notify(
        session, tender_id, sorted({u for b in common.bidders(session, section_id)
                                    for u in common.org_users(session, b.org_id)} | set(people)),
        "publicity", f"「{tender.title}」标段 {section.number} 中标候选人已公示，公示期内可提出异议",
        f"'{tender.title}' section {section.number}: the candidates are published; objections "
        "are taken during the publicity")
    supervision.record(session, actor, "award.publicity_published", subject(tender_id), {
        "rule": "R-35", "section": str(section_id), "notice": str(published.id),
        "candidates": [c["bidder"] for c in found], "days": days,
        "ends_at": row.publicity_ends_at.isoformat() if row.publicity_ends_at else None,
        "late": now > row.publish_due})
    return row
