"""Price adjustments of the lowest evaluated price method (经评审的最低投标价法).

《评标委员会和评标方法暂行规定》第三十二条: the committee adjusts the bid prices as the tender
documents' price-adjustment method says (commercial deviations priced in; the technical part is
not converted to money); 第三十三条: its price comparison table (标价比较表) shows each bid's
price, the adjustments with their explanation and the final evaluated price. The adjustments are
the committee's, so — like a rejection — its chair records them (one bid, up or down, an amount
in fen and the reason), until a member signs the report; after that a review (复核) must send
the report back first. The evaluated price is the bid price plus its adjustments, ranked lowest
first by ``scoring.lowest_evaluated``.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.evaluation import rejection
from bidding.evaluation import room as rooms
from bidding.evaluation.methods import MethodKind
from bidding.evaluation.models import PriceAdjustment
from bidding.lookup import subject
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_REASON = 500
MAX_PER_BID = 20  # a deviation list longer than this belongs in a rejection, not in prices
BASIS = "《评标委员会和评标方法暂行规定》第三十二条"
BASIS_EN = "Provisional Rules on Evaluation Committees and Methods, Art. 32"


@dataclass(frozen=True)
class Adjustment:
    id: int
    bid_id: uuid.UUID
    amount_fen: int  # positive: up; negative: down
    reason: str


def of_section(session: Session, section_id: uuid.UUID) -> dict[uuid.UUID, list[Adjustment]]:
    """The adjustments of each bid, in the order they were recorded."""
    found: dict[uuid.UUID, list[Adjustment]] = defaultdict(list)
    for row in session.scalars(select(PriceAdjustment).where(
            PriceAdjustment.section_id == section_id).order_by(PriceAdjustment.id)):
        found[row.bid_id].append(Adjustment(row.id, row.bid_id, row.amount_fen, row.reason))
    return dict(found)


def totals(adjusted: dict[uuid.UUID, list[Adjustment]]) -> dict[str, int]:
    """Bid id (text, as the summary keys bids) -> the sum of its adjustments in fen."""
    return {str(bid): sum(a.amount_fen for a in rows) for bid, rows in adjusted.items()}


def _chair_may_change(session: Session, chair: uuid.UUID, tender_id: uuid.UUID,
                      section_id: uuid.UUID) -> None:
    _tender, _section, method = rooms.evaluable(session, tender_id, section_id)
    if method.kind != MethodKind.LOWEST_EVALUATED_PRICE:
        raise UserError(f"本项目采用综合评分法，不作评标价格调整（{BASIS}适用于经评审的最低投标价法）",
                        f"This tender is scored comprehensively: price adjustments belong to the "
                        f"lowest evaluated price method ({BASIS_EN})", status=409,
                        code="not_lowest_price")
    rooms.ready_member(session, chair, tender_id, section_id)
    room = rooms.room_of(session, tender_id, section_id, lock=True)
    if room.chair_user_id != chair:
        raise UserError("评标价格调整由评标委员会负责人记录", "The chair records price adjustments",
                        status=403, code="not_chair")
    if rejection.signed_any(session, section_id):
        raise ConflictError("评标报告已有成员签署，须经复核退回后方可修改",
                            "Members have signed the report: a review must send it back first")


def adjust(session: Session, actor: Actor, chair: uuid.UUID, tender_id: uuid.UUID,
           section_id: uuid.UUID, bid_id: uuid.UUID, amount_fen: int, reason: str) -> Adjustment:
    """The chair records one adjustment of the committee; every check first, then written."""
    _chair_may_change(session, chair, tender_id, section_id)
    bid = next((b for b in rooms.opened_bids(session, section_id) if b.id == bid_id), None)
    if bid is None or not bid.valid or bid.price_fen is None:
        raise UserError("该投标不在本标段的有效投标之列", "Not a valid opened bid of this section",
                        field="bid")
    if bid_id in rejection.rejected_ids(session, section_id):
        raise ConflictError("该投标已被否决，不作价格调整", "This bid is rejected: no adjustment")
    reason = reason.strip()
    if not reason:
        raise UserError("请写明调整理由（所折算的偏差）", "Give the reason (the deviation priced in)",
                        field="reason")
    if len(reason) > MAX_REASON:
        raise UserError(f"理由至多 {MAX_REASON} 字", f"At most {MAX_REASON} characters",
                        field="reason")
    if amount_fen == 0:
        raise UserError("调整金额不能为 0", "The amount cannot be 0", field="amount")
    if abs(amount_fen) > bid.price_fen:
        raise UserError("调整金额不得超过投标报价（偏差如此之大的，应考虑否决投标）",
                        "An adjustment cannot exceed the bid price (a deviation that large "
                        "calls for a rejection)", field="amount")
    current = session.scalars(select(PriceAdjustment).where(
        PriceAdjustment.section_id == section_id, PriceAdjustment.bid_id == bid_id)).all()
    if len(current) >= MAX_PER_BID:
        raise ConflictError(f"每份投标至多 {MAX_PER_BID} 项调整", f"At most {MAX_PER_BID} "
                            "adjustments per bid")
    if bid.price_fen + sum(a.amount_fen for a in current) + amount_fen <= 0:
        raise UserError("调整后的评标价应大于 0", "The evaluated price must stay above 0",
                        field="amount")
    row = PriceAdjustment(section_id=section_id, bid_id=bid_id, amount_fen=amount_fen,
                          reason=reason, recorded_by=chair, recorded_at=clock.now(session))
    session.add(row)
    session.flush()
    supervision.record(session, actor, "evaluation.price_adjusted", subject(tender_id), {
        "section": str(section_id), "bid": str(bid_id), "adjustment": row.id,
        "amount_fen": amount_fen, "reason": reason, "basis": BASIS})
    return Adjustment(row.id, bid_id, amount_fen, reason)


def withdraw(session: Session, actor: Actor, chair: uuid.UUID, tender_id: uuid.UUID,
             section_id: uuid.UUID, adjustment_id: int) -> None:
    """The chair withdraws an adjustment recorded by mistake (before any signature)."""
    _chair_may_change(session, chair, tender_id, section_id)
    row = session.scalars(select(PriceAdjustment).where(
        PriceAdjustment.id == adjustment_id, PriceAdjustment.section_id == section_id)
    ).one_or_none()
    if row is None:
        raise UserError("没有这项价格调整", "No such price adjustment", status=404,
                        code="not_found")
    body = {"section": str(section_id), "bid": str(row.bid_id), "adjustment": row.id,
            "amount_fen": row.amount_fen}
    session.delete(row)
    session.flush()
    supervision.record(session, actor, "evaluation.price_adjustment_withdrawn",
                       subject(tender_id), body)

