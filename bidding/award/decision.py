"""The award (定标, R-37): after the publicity has ended with no objection unanswered, the
tenderee confirms the winner, normally the first candidate; another published candidate only
with a logged reason (e.g. the first withdrew); never a bidder who was not published.

The award notice (中标通知书) to the winner and a result notice (中标结果通知书) to every other
bidder are issued in one transaction, each signed with the platform's Ed25519 key (the key that
signs bid receipts, so one public key checks both), and the result announcement goes to
disclosure (OCDS awards). The contract is due within 30 days of the notice (R-37), watched by
e-supervision; the tender is awarded once every section that did not fail is."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import rules, signed_letters
from bidding.award import common, complaints, objections
from bidding.award.models import AwardLetter, AwardLetterKind, SectionAward
from bidding.lookup import get_tender, sections_of, subject
from bidding.models import TenderState
from bidding.opening.notices import tenderee_name
from bidding.security import refunds
from bidding.tendering import notifications
from bidding.tendering.announcement import yuan_text
from bidding.tendering.tenders import transition
from supervision import services as supervision
from trading import calendar_years, clock
from trading.audit import Actor
from trading.calendar_years import Period
from trading.errors import ConflictError, UserError

LETTER_TYPE = "ggzy-award-letter/1"
CONTRACT_ALERT_KIND = "contract.deadline"  # supervision.alerts.AlertKind.CONTRACT
CONTRACT_MARGIN = dt.timedelta(days=5)  # the yellow alert, before the limit


def contract_alert_subject(section_id: uuid.UUID) -> str:
    return f"contract/{section_id}"


def signed_bytes(content: dict[str, Any], key_id: str) -> bytes:
    """What the signature covers (RFC 8785 JSON): what a verifier recomputes."""
    return signed_letters.signed_bytes(LETTER_TYPE, content, key_id)


def verify(letter: AwardLetter) -> bool:
    """Whether the letter's signature is the platform key's over its content."""
    return signed_letters.verify(LETTER_TYPE, letter.content, letter.key_id, letter.signature)


def contract_due(session: Session, issued_at: dt.datetime) -> dt.datetime:
    """R-37: the contract within 30 days of the award notice: 24:00 (Beijing) of the 30th day."""
    end = calendar_years.period_end(session, Period("R-37", clock.legal_day(issued_at),
                                                    common.CONTRACT_DAYS))
    return clock.legal_end_of_day_utc(end.end)


def _check(session: Session, row: SectionAward, winner: uuid.UUID,
           reason: str) -> tuple[dict[str, Any], str | None]:
    now = clock.now(session)
    if row.awarded_at is not None:
        raise ConflictError("该标段已定标", "This section is already awarded")
    if row.published_at is None or row.publicity_ends_at is None or not row.candidates:
        raise ConflictError("中标候选人尚未公示，不能定标"
                            "（依据《中华人民共和国招标投标法实施条例》第五十四条）",
                            "The candidates are not published: no award yet (Regulations on the "
                            "Tendering and Bidding Law, Art. 54)")
    if now < row.publicity_ends_at:
        raise ConflictError("公示期尚未结束，不能定标"
                            "（依据《中华人民共和国招标投标法实施条例》第五十四条）",
                            "The publicity has not ended: no award yet (Regulations on the "
                            "Tendering and Bidding Law, Art. 54)")
    if objections.open_objections(session, row.section_id):
        raise ConflictError("尚有对评标结果的异议未答复，定标暂停（依据《中华人民共和国招标投标法实施条例》"
                            "第五十四条）", "An objection to the result is unanswered: the award "
                            "waits (Regulations on the Tendering and Bidding Law, Art. 54)")
    held = complaints.award_pause(session, row.tender_id, row.section_id)
    if held is not None:
        zh, en = rules.under("R-38-P")
        raise UserError(f"{zh}，行政监督部门处理投诉期间已责令暂停定标：{held.award_pause_reason}",
                        f"{en}, the supervising department ordered the award paused while it "
                        f"handles a complaint: {held.award_pause_reason}", code="award_paused",
                        status=409)
    chosen = next((c for c in row.candidates if c["org_id"] == str(winner)), None)
    if chosen is None:
        raise UserError("中标人只能从公示的中标候选人中确定", "The winner must be a published "
                        "candidate", field="winner")
    clean = reason.strip()
    if len(clean) > common.MAX_REASON:
        raise UserError(f"理由至多 {common.MAX_REASON} 字", f"At most {common.MAX_REASON} "
                        "characters", field="reason")
    if chosen["rank"] != 1 and not clean:
        raise UserError("确定排名第一以外的中标候选人为中标人，须写明理由（如排名第一的中标候选人放弃中标）",
                        "Choosing a candidate other than the first needs a reason (e.g. the "
                        "first candidate withdrew)", field="reason")
    return chosen, clean or None


def confirm(session: Session, actor: Actor, tender_id: uuid.UUID, section_id: uuid.UUID,
            winner: uuid.UUID, reason: str) -> SectionAward:
    """Confirm the winner; issue every notice at the same moment (R-37)."""
    tender, section = common.section(session, tender_id, section_id)
    row = common.ensure(session, tender_id, section_id)
    chosen, why = _check(session, row, winner, reason)
    now = clock.now(session)
    letters = []
    for bidder in common.bidders(session, section_id):
        kind = AwardLetterKind.AWARD if bidder.org_id == winner else AwardLetterKind.RESULT
        letter_id = uuid.uuid4()
        content = {
            "letter_id": str(letter_id), "kind": kind, "tender_id": str(tender_id),
            "tender": tender.title, "section_id": str(section_id), "section": section.number,
            "section_name": section.name, "bidder_id": str(bidder.org_id),
            "bidder": bidder.name, "winner": chosen["bidder"],
            "winning_price_fen": int(chosen["price_fen"]), "issued_at": now.isoformat(),
        }
        key_id, signature = signed_letters.sign(LETTER_TYPE, content)
        letters.append(AwardLetter(id=letter_id, section_id=section_id, tender_id=tender_id,
                                   bidder_org_id=bidder.org_id, kind=kind, content=content,
                                   key_id=key_id, signature=signature, issued_at=now))
    session.add_all(letters)
    # R-16: the others' security is owed back within 5 days of the award notice; the winner's
    # and the next candidate's are kept until the contract.
    second = next((uuid.UUID(c["org_id"]) for c in row.candidates or []
                   if uuid.UUID(c["org_id"]) != winner), None)
    refunds.refunds_after_award(session, actor, section_id, winner, second)
    due = contract_due(session, now)
    row.winner_org_id, row.winner_rank, row.award_reason = winner, chosen["rank"], why
    row.awarded_at, row.contract_due = now, due
    row.awarded_by = uuid.UUID(actor.user_id) if actor.user_id else None
    session.flush()
    from disclosure import services as disclosure

    published = disclosure.publish(
        session, actor, notice_type="result_announcement", tender_ref=str(tender.id),
        title=f"{tender.title} 标段 {section.number} 中标结果公告",
        data={"project_code": tender.code, "tenderee": tenderee_name(session, tender),
              "winner": chosen["bidder"],
              "winning_price": yuan_text(int(chosen["price_fen"])),
              "duration": chosen["duration"], "quality": chosen["quality"]},
        region=tender.region, category=tender.category)
    row.result_notice_id = published.id
    supervision.watch_deadline(
        session, CONTRACT_ALERT_KIND, contract_alert_subject(section_id), "tenderee", due,
        f"「{tender.title}」标段 {section.number} 合同签订", f"'{tender.title}' section "
        f"{section.number}: contract signing", margin=CONTRACT_MARGIN,
        organization_id=str(tender.tenderee_org_id) if tender.tenderee_org_id else None)
    for letter in letters:
        won = letter.kind == AwardLetterKind.AWARD
        notifications.notify(
            session, tender_id, common.org_users(session, letter.bidder_org_id), "award",
            f"「{tender.title}」标段 {section.number}："
            + ("贵单位中标，请在工作台查看中标通知书" if won
               else "中标结果已确定，请在工作台查看中标结果通知书"),
            f"'{tender.title}' section {section.number}: "
            + ("you won; read the award notice in your workspace" if won
               else "the result is decided; read the result notice in your workspace"))
    session.flush()
    supervision.record(session, actor, "award.awarded", subject(tender_id), {
        "rule": "R-37", "section": str(section_id), "winner": chosen["bidder"],
        "rank": chosen["rank"], "reason": why, "notice": str(published.id),
        "letters": len(letters), "contract_due": due.isoformat()})
    _award_tender_when_done(session, actor, tender_id)
    return row


def _award_tender_when_done(session: Session, actor: Actor, tender_id: uuid.UUID) -> None:
    """已定标 once every section that did not fail is awarded."""
    wanted = {s.id for s in sections_of(session, tender_id) if not s.failed}
    done = set(session.scalars(select(SectionAward.section_id).where(
        SectionAward.tender_id == tender_id, SectionAward.awarded_at.is_not(None))))
    tender = get_tender(session, tender_id)
    if wanted <= done and tender.state in (TenderState.OPENED.value, TenderState.EVALUATED.value):
        transition(session, actor, tender_id, TenderState(tender.state), TenderState.AWARDED,
                   "tender.awarded", {"rule": "R-37", "sections": len(wanted)})


def letters_of(session: Session, tender_id: uuid.UUID,
               org_id: uuid.UUID | None = None) -> list[AwardLetter]:
    query = select(AwardLetter).where(AwardLetter.tender_id == tender_id)
    if org_id is not None:
        query = query.where(AwardLetter.bidder_org_id == org_id)
    return list(session.scalars(query.order_by(AwardLetter.issued_at)))
