"""Clarification (澄清) during the evaluation: the committee, through its chair, asks a bidder
a question about its bid with a reply deadline; the bidder's people answer on the platform
before it; the exchange is attached to the record and the report.
《招标投标法实施条例》第五十二条: the clarification may not go beyond the bid's scope or change its
substance — the platform keeps the exchange in writing, it does not judge the content."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.evaluation import rejection
from bidding.evaluation import room as rooms
from bidding.evaluation.models import EvaluationClarification
from bidding.lookup import subject
from bidding.models import Bid, Section, Tender
from bidding.tendering import notifications
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Role, User, UserRole
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_QUESTION = 1000
MAX_REPLY = 2000
MAX_DAYS = 7  # the evaluation does not wait longer for a reply
BASIS = "《中华人民共和国招标投标法实施条例》第五十二条"
NOTIFICATION_KIND = "clarification_request"  # the notifications page links it to PAGE
PAGE = "/bidding/evaluation/clarifications"


@dataclass(frozen=True)
class Clarification:
    id: int
    tender_id: uuid.UUID
    tender_title: str
    section_number: int
    bid_id: uuid.UUID
    bidder: str
    question: str
    reply_by: dt.datetime
    reply: str | None
    replied_at: dt.datetime | None

    def open_at(self, now: dt.datetime) -> bool:
        return self.reply is None and now <= self.reply_by


def _text(value: str, limit: int, field: str, zh: str, en: str) -> str:
    text = value.strip()
    if not text:
        raise UserError(zh, en, field=field)
    if len(text) > limit:
        raise UserError(f"至多 {limit} 字", f"At most {limit} characters", field=field)
    return text


def ask(session: Session, actor: Actor, chair: uuid.UUID, tender_id: uuid.UUID,
        section_id: uuid.UUID, bid_id: uuid.UUID, question: str,
        reply_by: dt.datetime) -> Clarification:
    rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, chair, tender_id, section_id)
    room = rooms.room_of(session, tender_id, section_id, lock=True)
    if room.chair_user_id != chair:
        raise UserError("澄清要求由评标委员会负责人发出", "The chair sends a clarification request",
                        status=403, code="not_chair")
    bid = next((b for b in rooms.opened_bids(session, section_id) if b.id == bid_id), None)
    if bid is None or not bid.valid or bid_id in rejection.rejected_ids(session, section_id):
        raise UserError("该投标不在本标段的有效投标之列", "Not a valid opened bid of this section",
                        field="bid")
    text = _text(question, MAX_QUESTION, "question", "请填写需澄清的问题",
                 "Write the question to clarify")
    now = clock.now(session)
    if reply_by <= now or reply_by > now + dt.timedelta(days=MAX_DAYS):
        raise UserError(f"答复期限应晚于当前时间且不超过 {MAX_DAYS} 日",
                        f"The reply deadline must be later than now and within {MAX_DAYS} days",
                        field="reply_by")
    if rejection.signed_any(session, section_id):
        raise ConflictError("评标报告已有成员签署，须经复核退回后方可要求澄清",
                            "Members have signed the report: a review must send it back first")
    row = EvaluationClarification(section_id=section_id, bid_id=bid_id, question=text,
                                  asked_by=chair, asked_at=now, reply_by=reply_by)
    session.add(row)
    session.flush()
    supervision.record(session, actor, "evaluation.clarification_requested", subject(tender_id), {
        "section": str(section_id), "bid": str(bid_id), "clarification": row.id,
        "reply_by": reply_by.isoformat()})
    found = _view(session, row)
    _notify_bidder(session, found, bid_id)
    return found


def _notify_bidder(session: Session, found: Clarification, bid_id: uuid.UUID) -> None:
    """Every active bidder account of the bid's organisation is told (the page lists the
    organisation's requests, so whoever reads it may reply); no one else. The deadline is
    written in Beijing time whatever the display zone, since the message is stored as text."""
    bid = session.get(Bid, bid_id)
    assert bid is not None
    users = sorted(session.scalars(
        select(User.id).join(UserRole, UserRole.user_id == User.id)
        .where(User.organization_id == bid.bidder_id, User.is_active.is_(True),
               UserRole.role == Role.BIDDER.value)))
    deadline = found.reply_by.astimezone(clock.LEGAL_ZONE).strftime("%Y-%m-%d %H:%M")
    notifications.notify(
        session, found.tender_id, users, NOTIFICATION_KIND,
        f"「{found.tender_title}」第 {found.section_number} 标段评标委员会要求贵单位澄清投标文件，"
        f"请于 {deadline}（北京时间）前在“评标澄清”页面答复（{BASIS}）",
        f"'{found.tender_title}', section {found.section_number}: the evaluation committee asks "
        f"you to clarify your bid; reply on the Evaluation clarifications page by {deadline} "
        "(Beijing time)")


def _view(session: Session, row: EvaluationClarification) -> Clarification:
    bid = session.get(Bid, row.bid_id)
    section = session.get(Section, row.section_id)
    assert bid is not None and section is not None
    tender = session.get(Tender, section.tender_id)
    assert tender is not None
    names = {b.id: b.bidder for b in rooms.opened_bids(session, row.section_id)}
    return Clarification(row.id, tender.id, tender.title, section.number, row.bid_id,
                         names.get(row.bid_id, ""), row.question, row.reply_by, row.reply,
                         row.replied_at)


def of_section(session: Session, section_id: uuid.UUID) -> list[Clarification]:
    return [_view(session, row) for row in session.scalars(
        select(EvaluationClarification).where(EvaluationClarification.section_id == section_id)
        .order_by(EvaluationClarification.id))]


def of_organization(session: Session, organization_id: uuid.UUID,
                    limit: int = 200) -> list[Clarification]:
    rows = session.scalars(
        select(EvaluationClarification).join(Bid, Bid.id == EvaluationClarification.bid_id)
        .where(Bid.bidder_id == organization_id)
        .order_by(EvaluationClarification.id.desc()).limit(limit))
    return [_view(session, row) for row in rows]


def answer(session: Session, actor: Actor, user_id: uuid.UUID,
           organization_id: uuid.UUID | None, clarification_id: int, reply: str) -> Clarification:
    """The bidder's reply, before the deadline, once."""
    row = session.scalars(select(EvaluationClarification).where(
        EvaluationClarification.id == clarification_id).with_for_update()).one_or_none()
    bid = session.get(Bid, row.bid_id) if row is not None else None
    if row is None or bid is None or organization_id is None or bid.bidder_id != organization_id:
        raise UserError("该澄清要求不是发给您单位的", "This request is not addressed to you",
                        status=404, code="not_found")
    if row.reply is not None:
        raise ConflictError("该澄清要求已答复", "This request has been answered")
    now = clock.now(session)
    if now > row.reply_by:
        raise ConflictError(f"已过答复期限（{clock.format_local(row.reply_by, False)}），不能再答复",
                            f"The reply deadline ({clock.format_local(row.reply_by, False)}) "
                            "has passed")
    row.reply = _text(reply, MAX_REPLY, "reply", "请填写答复内容", "Write the reply")
    row.replied_by, row.replied_at = user_id, now
    session.flush()
    section = session.get(Section, row.section_id)
    assert section is not None
    supervision.record(session, actor, "evaluation.clarification_answered",
                       subject(section.tender_id), {
                           "section": str(row.section_id), "bid": str(row.bid_id),
                           "clarification": row.id})
    return _view(session, row)
