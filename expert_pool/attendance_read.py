"""What the drawn expert's pages and API read: the own seats and the inbox (own data only)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding import services as bidding
from expert_pool import attendance
from expert_pool.models import Draw, DrawPick, DrawState, Expert, InboxMessage, PickState
from trading import clock

INBOX_LIMIT = 200


@dataclass(frozen=True)
class SeatView:
    """One seat as its expert sees it. The project stays unnamed until check-in, so that a
    forwarded message or a glance at the page cannot tell a bidder who evaluates."""

    pick_id: int
    draw_number: str
    draw_state: str
    evaluation_at: dt.datetime
    evaluation_days: tuple[dt.date, dt.date]
    place: str
    state: str
    answer_due: dt.datetime | None
    checked_in_at: dt.datetime | None
    pledged_at: dt.datetime | None
    recusal_ground: str | None
    reason: str  # what the expert wrote when declining, withdrawing or recusing
    project: str | None
    can_confirm: bool
    can_decline: bool
    can_cancel: bool
    cancel_needs_approval: bool
    can_check_in: bool
    can_pledge: bool
    can_recuse: bool


def _project(session: Session, draw: Draw) -> str | None:
    facts = bidding.section_facts(session, draw.tender_id, draw.section_id)
    return f"{facts.tender_title} · {facts.section_name}"


def seat_view(session: Session, pick: DrawPick, draw: Draw) -> SeatView:
    now = clock.now(session)
    open_draw = draw.state in (DrawState.DRAWN.value, DrawState.COMPLETED.value)
    state = pick.state
    first, last = attendance.evaluation_days(draw)
    on_the_day = first <= clock.legal_day(now) <= last
    notified = open_draw and state == PickState.NOTIFIED.value
    in_time = pick.answer_due is not None and now <= pick.answer_due
    return SeatView(
        pick_id=pick.id, draw_number=draw.number, draw_state=draw.state,
        evaluation_at=draw.evaluation_at, evaluation_days=(first, last), place=draw.place,
        state=state, answer_due=pick.answer_due, checked_in_at=pick.checked_in_at,
        pledged_at=pick.pledged_at, recusal_ground=pick.recusal_ground, reason=pick.reason,
        project=_project(session, draw) if pick.checked_in_at is not None else None,
        can_confirm=notified and in_time,
        can_decline=notified,
        can_cancel=open_draw and state == PickState.CONFIRMED.value,
        cancel_needs_approval=attendance.cancel_needs_approval(session, draw),
        can_check_in=open_draw and on_the_day and state in (PickState.CONFIRMED.value,
                                                            PickState.CANCEL_REQUESTED.value),
        can_pledge=open_draw and state == PickState.CHECKED_IN.value and pick.pledged_at is None,
        can_recuse=open_draw and state == PickState.CHECKED_IN.value,
    )


def my_seats(session: Session, user_id: uuid.UUID) -> list[SeatView]:
    """The expert's seats that were ever asked (reserves never asked are not the expert's
    business), the next evaluation first."""
    expert = attendance.expert_of_user(session, user_id)
    if expert is None:
        return []
    rows = session.execute(
        select(DrawPick, Draw).join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.expert_id == expert.id, DrawPick.state != PickState.RESERVE.value)
        .order_by(Draw.evaluation_at.desc(), DrawPick.id.desc()))
    return [seat_view(session, pick, draw) for pick, draw in rows.all()]


def my_seat(session: Session, user_id: uuid.UUID, pick_id: int) -> SeatView:
    pick, draw, _ = attendance.own_pick(session, user_id, pick_id)
    if pick.state == PickState.RESERVE.value:
        raise attendance.NotDrawn()
    return seat_view(session, pick, draw)


def inbox(session: Session, user_id: uuid.UUID) -> list[InboxMessage]:
    expert = attendance.expert_of_user(session, user_id)
    if expert is None:
        return []
    return list(session.execute(
        select(InboxMessage).where(InboxMessage.expert_id == expert.id)
        .order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc()).limit(INBOX_LIMIT)
    ).scalars())


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    return sum(1 for message in inbox(session, user_id) if message.read_at is None)


def mark_read(session: Session, user_id: uuid.UUID, message_id: int | None = None) -> int:
    """Mark one message (or all) of the expert's own inbox read; reading is not a legal act,
    so it is not logged."""
    expert: Expert | None = attendance.expert_of_user(session, user_id)
    if expert is None:
        return 0
    statement = update(InboxMessage).where(InboxMessage.expert_id == expert.id,
                                           InboxMessage.read_at.is_(None))
    if message_id is not None:
        statement = statement.where(InboxMessage.id == message_id)
    result = session.execute(statement.values(read_at=clock.now(session))
                             .execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)
