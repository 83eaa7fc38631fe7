"""Rejection of a bid by the committee (否决投标), with its legal ground and the reason.

The committee decides; its chair records the decision, choosing the ground from ``GROUNDS``
(《招标投标法实施条例》第五十一条's items) and writing the committee's reason. A rejected bid
is out of the standings and need not be marked; the rejection shows on the room, the results
and the report. Once a member has signed the report, nothing changes until a review (复核)
sends the step back (``review``).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.evaluation import room as rooms
from bidding.evaluation.models import BidRejection, ReportSignature
from bidding.lookup import subject
from bidding.rules import REGS
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_REASON = 500
ART51 = f"{REGS}第五十一条"
ART51_EN = "Regulations on the Tendering and Bidding Law, Art. 51"


@dataclass(frozen=True)
class Ground:
    code: str
    zh: str
    en: str
    item: int  # the article's item (项)

    def citation(self, lang: str) -> str:
        numerals = "一二三四五六七"
        if lang == "en":
            return f"{ART51_EN}, item {self.item}"
        return f"{ART51}第（{numerals[self.item - 1]}）项"

    def label(self, lang: str) -> str:
        return f"{self.en if lang == 'en' else self.zh}（{self.citation(lang)}）"


GROUNDS: dict[str, Ground] = {g.code: g for g in (
    Ground("unsigned", "投标文件未经投标单位盖章和单位负责人签字",
           "The bid is not sealed by the bidder and signed by its head", 1),
    Ground("no_consortium", "投标联合体没有提交共同投标协议",
           "The consortium submitted no joint bidding agreement", 2),
    Ground("unqualified", "投标人不符合国家或者招标文件规定的资格条件",
           "The bidder does not meet the qualifications of the law or the documents", 3),
    Ground("two_bids", "同一投标人提交两个以上不同的投标文件或者投标报价",
           "The bidder submitted two or more different bids or prices", 4),
    Ground("price", "投标报价低于成本或者高于招标文件设定的最高投标限价",
           "The price is below cost or above the documents' price ceiling", 5),
    Ground("non_responsive", "投标文件没有对招标文件的实质性要求和条件作出响应",
           "The bid does not respond to the documents' substantive requirements", 6),
    Ground("misconduct", "投标人有串通投标、弄虚作假、行贿等违法行为",
           "The bidder colluded, falsified or bribed", 7),
)}


@dataclass(frozen=True)
class Rejection:
    bid_id: uuid.UUID
    bidder: str
    ground: Ground
    reason: str


def rejections(session: Session, section_id: uuid.UUID) -> list[Rejection]:
    names = {b.id: b.bidder for b in rooms.opened_bids(session, section_id)}
    rows = session.scalars(select(BidRejection).where(BidRejection.section_id == section_id)
                           .order_by(BidRejection.id))
    return [Rejection(r.bid_id, names.get(r.bid_id, ""), GROUNDS[r.ground], r.reason)
            for r in rows if r.ground in GROUNDS]


def rejected_ids(session: Session, section_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(select(BidRejection.bid_id).where(
        BidRejection.section_id == section_id)))


def signed_any(session: Session, section_id: uuid.UUID) -> bool:
    return session.scalars(select(ReportSignature.id).where(
        ReportSignature.section_id == section_id, ReportSignature.void_at.is_(None))
    ).first() is not None


def reject(session: Session, actor: Actor, chair: uuid.UUID, tender_id: uuid.UUID,
           section_id: uuid.UUID, bid_id: uuid.UUID, ground: str, reason: str) -> Rejection:
    """The chair records the committee's rejection of a valid opened bid; checked, then written."""
    rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, chair, tender_id, section_id)
    room = rooms.room_of(session, tender_id, section_id, lock=True)
    if room.chair_user_id != chair:
        raise UserError("否决投标由评标委员会负责人记录", "The chair records a rejection",
                        status=403, code="not_chair")
    bid = next((b for b in rooms.opened_bids(session, section_id) if b.id == bid_id), None)
    if bid is None or not bid.valid:
        raise UserError("该投标不在本标段的有效投标之列", "Not a valid opened bid of this section",
                        field="bid")
    found = GROUNDS.get(ground.strip())
    if found is None:
        raise UserError("请选择否决投标的法定情形", "Choose the legal ground of the rejection",
                        field="ground")
    reason = reason.strip()
    if not reason:
        raise UserError("请填写否决理由", "Give the reason of the rejection", field="reason")
    if len(reason) > MAX_REASON:
        raise UserError(f"理由至多 {MAX_REASON} 字", f"At most {MAX_REASON} characters",
                        field="reason")
    if bid_id in rejected_ids(session, section_id):
        raise ConflictError("该投标已被否决", "This bid is already rejected")
    if signed_any(session, section_id):
        raise ConflictError("评标报告已有成员签署，须经复核退回后方可修改",
                            "Members have signed the report: a review must send it back first")
    session.add(BidRejection(section_id=section_id, bid_id=bid_id, ground=found.code,
                             reason=reason, recorded_by=chair, rejected_at=clock.now(session)))
    session.flush()
    supervision.record(session, actor, "evaluation.bid_rejected", subject(tender_id), {
        "section": str(section_id), "bid": str(bid_id), "ground": found.code,
        "basis": found.citation("zh-CN"), "reason": reason})
    return Rejection(bid_id, bid.bidder, found, reason)
