"""Passing a seat on (R-34, 补抽): the next rank of the same specialty still eligible now.

The ranking is the draw's own (the logged seed over the committed pool), so a replacement is
as verifiable as the draw: ``supervision.draws`` checks that each ``draw.replaced`` took the
first rank not used before, after the ``skipped`` ones (no longer eligible, each with why).
Past the stored backups the same ranking simply continues.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from itertools import islice

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding import services as bidding
from expert_pool import drawing, recusal
from expert_pool.models import Draw, DrawPick, DrawState, Expert, PickState
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import NotFoundError

EXHAUSTED_ALERT = "expert_pool.draw_exhausted"
SKIPPED_REASON = "补抽时已不符合条件 / no longer eligible at the replacement"


def replace(session: Session, actor: Actor, pick_id: int, reason: str) -> DrawPick | None:
    """Ask the next eligible rank; ``None`` (logged, alert raised) when the ranking is used up."""
    out = session.get(DrawPick, pick_id)
    if out is None:
        raise NotFoundError("抽取结果", "Pick")
    draw = drawing.get_draw(session, out.draw_id, lock=True)
    if draw.state == DrawState.COMPLETED.value:
        draw.state = DrawState.DRAWN.value  # a seat is open again
    code = out.specialty_code
    skipped: list[dict[str, object]] = []
    context = _context(session, draw)
    for pick in _candidates(session, draw, code):
        found = recusal.assess(session, context, only={pick.expert_id})
        if pick.expert_number in found.eligible.get(code, []):
            expert = session.get(Expert, pick.expert_id)
            assert expert is not None
            drawing.ask(session, draw, pick, expert)
            supervision.record(session, actor, "draw.replaced", drawing.subject(draw), {
                "out": out.expert_number, "in": pick.expert_number, "specialty": code,
                "reason": reason[:500], "rank": pick.rank, "skipped": skipped})
            return pick
        why = found.excluded.get(pick.expert_number, ("not_matching", ""))[0]
        pick.state = PickState.RECUSED.value
        pick.recusal_ground = why
        pick.reason = SKIPPED_REASON
        skipped.append({"expert": pick.expert_number, "rank": pick.rank, "reason": why})
    due = max(draw.evaluation_at, clock.now(session) + dt.timedelta(minutes=1))
    supervision.watch_deadline(
        session, EXHAUSTED_ALERT, drawing.subject(draw), "staff", due,
        f"抽取 {draw.number} 专业 {code} 的排序已用尽，须另行抽取",
        f"Draw {draw.number}: the ranking of {code} is used up; a new draw is needed",
        margin=due - clock.now(session))
    supervision.record(session, actor, "draw.exhausted", drawing.subject(draw), {
        "out": out.expert_number, "specialty": code, "reason": reason[:500], "skipped": skipped})
    return None


def _context(session: Session, draw: Draw) -> recusal.Context:
    facts = bidding.section_facts(session, draw.tender_id, draw.section_id)
    data = drawing.input_of(session, draw)
    return drawing.context_for(session, data, facts, clock.now(session), draw.id)


def _candidates(session: Session, draw: Draw, code: str) -> Iterator[DrawPick]:
    """Unused ranks in order: the stored reserves, then the ranking continued past them."""
    reserves = session.scalars(select(DrawPick).where(
        DrawPick.draw_id == draw.id, DrawPick.specialty_code == code,
        DrawPick.state == PickState.RESERVE.value).order_by(DrawPick.rank))
    yield from list(reserves)
    last = session.scalar(select(func.max(DrawPick.rank)).where(
        DrawPick.draw_id == draw.id, DrawPick.specialty_code == code)) or 0
    for rank, number in enumerate(islice(drawing.order_of(draw, code), last, None), start=last + 1):
        expert_id = session.scalar(select(Expert.id).where(Expert.number == number))
        if expert_id is None:
            continue
        pick = DrawPick(draw_id=draw.id, specialty_code=code, rank=rank, expert_id=expert_id,
                        expert_number=number, state=PickState.RESERVE.value)
        session.add(pick)
        session.flush()
        yield pick
