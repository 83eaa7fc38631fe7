"""Staff rate each expert who served on a committee (issue 11 item 7): punctuality, quality and
conduct, 1..5 each. A rating enters the expert's integrity record, which feeds the eligibility
of future draws (low ratings count as a poor record)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool import pool
from expert_pool.models import Draw, DrawPick, Expert, IntegrityKind, PickState, Rating
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

SCORE_FIELDS = ("punctuality", "quality", "conduct")
COMMENT_LIMIT = 500
# Members of the committee must evaluate objectively and fairly: the rating records how they did.
BASIS = "《招标投标法实施条例》第四十九条"


def _check_score(name: str, value: int) -> None:
    if not 1 <= value <= 5:
        raise UserError("请评 1 到 5 分", "Score from 1 to 5", field=name)


def rate(session: Session, actor: Actor, draw_id: uuid.UUID, expert_id: uuid.UUID,
         punctuality: int, quality: int, conduct: int, comment: str) -> Rating:
    """One rating per expert per draw, once the evaluation has started, for experts who checked in."""
    for name, value in zip(SCORE_FIELDS, (punctuality, quality, conduct), strict=True):
        _check_score(name, value)
    comment = comment.strip()
    if len(comment) > COMMENT_LIMIT:
        raise UserError(f"评语最多 {COMMENT_LIMIT} 个字", f"At most {COMMENT_LIMIT} characters",
                        field="comment")
    draw = session.get(Draw, draw_id)
    expert = session.get(Expert, expert_id)
    if draw is None:
        raise NotFoundError("抽取记录", "Draw")
    if expert is None:
        raise NotFoundError("专家", "Expert")
    now = clock.now(session)
    if now < draw.evaluation_at:
        raise ConflictError("评标开始后才能评价专家", "Experts are rated once the evaluation has started")
    checked_in = session.scalar(select(DrawPick.id).where(
        DrawPick.draw_id == draw.id, DrawPick.expert_id == expert.id,
        DrawPick.state == PickState.CHECKED_IN.value))
    if checked_in is None:
        raise ConflictError("只能评价本次评标已签到的专家", "Only experts who checked in can be rated",
                            field="expert")
    if session.get(Rating, (draw.id, expert.id)) is not None:
        raise ConflictError("本次评标已评价过该专家，每位专家每次评标只评价一次",
                            "This expert is already rated for this draw (once per draw)",
                            field="expert")
    rater = uuid.UUID(actor.user_id) if actor.user_id else None
    if rater is None:
        raise UserError("须由工作人员评价", "Staff rate the experts", status=403)
    rating = Rating(draw_id=draw.id, expert_id=expert.id, punctuality=punctuality, quality=quality,
                    conduct=conduct, comment=comment, rated_by=rater, rated_at=now)
    session.add(rating)
    session.flush()
    pool.record_integrity(
        session, actor, expert, IntegrityKind.RATING, clock.legal_day(now), BASIS,
        f"守时 {punctuality}，评审质量 {quality}，廉洁纪律 {conduct}", draw_id=draw.id)
    supervision.record(session, actor, "expert.rated", f"expert:{expert.number}", {
        "number": expert.number, "draw": draw.number, "punctuality": punctuality,
        "quality": quality, "conduct": conduct, "comment": comment})
    return rating
