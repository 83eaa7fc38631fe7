"""Telling experts: the in-platform inbox and the outbox that SMS, voice and mail gateways read.

The domain writes both in the transaction that decides; a gateway (out of scope here) reads
``expert_outbox`` rows with ``sent_at`` empty, delivers them, and sets ``sent_at`` or
``last_error``. The messages carry no bid data and no other expert's name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.models import DrawPick, Expert, InboxMessage, OutboxMessage, PickState
from trading import clock, jobs

NO_ANSWER_JOB = "expert_pool.no_answer"


def tell(session: Session, expert: Expert, kind: str, text_zh: str, text_en: str, *,
         draw_id: uuid.UUID | None = None, payload: dict[str, Any] | None = None) -> InboxMessage:
    """Put a message in the expert's inbox and queue it for SMS (and mail, with an address)."""
    moment = clock.now(session)
    message = InboxMessage(expert_id=expert.id, draw_id=draw_id, kind=kind, text_zh=text_zh,
                           text_en=text_en, created_at=moment)
    session.add(message)
    body = {"kind": kind, "text": text_zh, **(payload or {})}
    session.add(OutboxMessage(channel="sms", recipient=expert.mobile, template=kind,
                              payload=body, created_at=moment))
    if expert.email:
        session.add(OutboxMessage(channel="mail", recipient=expert.email, template=kind,
                                  payload=body, created_at=moment))
    return message


def ask_expert(session: Session, pick: DrawPick, expert: Expert, *, evaluation_at: dt.datetime,
               place: str, answer_minutes: int, draw_number: str) -> None:
    """Ask a drawn expert to confirm; no answer by the due time passes the seat on (R-34).

    The message names the time and place only: the project stays unnamed until check-in, so a
    forwarded SMS cannot tell a bidder who evaluates its bid.
    """
    if pick.id is None:
        session.flush()  # the no-answer job names the pick
    moment = clock.now(session)
    pick.state = PickState.NOTIFIED.value
    pick.notified_at = moment
    pick.answer_due = moment + dt.timedelta(minutes=answer_minutes)
    when = clock.to_local(evaluation_at).strftime("%Y-%m-%d %H:%M")
    due = clock.to_local(pick.answer_due).strftime("%Y-%m-%d %H:%M")
    tell(session, expert, "draw.asked",
         f"您被抽取为评标专家（抽取编号 {draw_number}）：{when} 于 {place}。"
         f"请在 {due} 前登录平台确认，或说明理由后谢绝。",
         f"You were drawn as an evaluation expert (draw {draw_number}): {when} at {place}. "
         f"Please confirm, or decline with a reason, on the platform before {due}.",
         draw_id=pick.draw_id, payload={"draw": draw_number, "when": when, "place": place, "due": due})
    jobs.schedule(session, NO_ANSWER_JOB, f"draw-pick:{pick.id}", pick.answer_due)
