"""Telling experts: the in-platform inbox and the outbox that SMS, voice and mail gateways read.

The domain writes both in the transaction that decides; a gateway (out of scope here) reads
``expert_outbox`` rows with ``sent_at`` empty, delivers them, and sets ``sent_at`` or
``last_error``. The messages carry no bid data and no other expert's name.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from expert_pool.models import DrawPick, Expert, InboxMessage, OutboxMessage, PickState
from trading import clock, jobs

NO_ANSWER_JOB = "expert_pool.no_answer"


def tell(session: Session, expert: Expert, kind: str, text_zh: str, text_en: str, *,
         draw_id: uuid.UUID | None = None, payload: dict[str, Any] | None = None,
         moment: dt.datetime | None = None) -> InboxMessage:
    """Put a message in the expert's inbox and queue it for SMS (and mail, with an address)."""
    moment = moment or clock.now(session)
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


@dataclass(frozen=True)
class Invitation:
    """What every expert asked in one go is told: the same time, place and answer limit."""

    draw_number: str
    evaluation_at: dt.datetime
    place: str
    answer_minutes: int


def answers_subject(draw_number: str, due: dt.datetime) -> str:
    """One no-answer job per draw and due time: the experts asked together share it."""
    return f"draw-answers:{draw_number}:{int(due.timestamp())}"


def draw_of_answers_subject(subject: str) -> str:
    return subject.split(":")[1]


def ask_experts(session: Session, seats: Sequence[tuple[DrawPick, Expert]],
                invitation: Invitation) -> None:
    """Ask drawn experts to confirm; no answer by the due time passes the seat on (R-34).

    The message names the time and place only: the project stays unnamed until check-in, so a
    forwarded SMS cannot tell a bidder who evaluates its bid. One job checks the answers of
    the whole batch (one log entry, not one per expert).
    """
    if not seats:
        return
    moment = clock.now(session)
    due = moment + dt.timedelta(minutes=invitation.answer_minutes)
    when = clock.to_local(invitation.evaluation_at).strftime("%Y-%m-%d %H:%M")
    due_text = clock.to_local(due).strftime("%Y-%m-%d %H:%M")
    number, place = invitation.draw_number, invitation.place
    for pick, expert in seats:
        pick.state = PickState.NOTIFIED.value
        pick.notified_at, pick.answer_due = moment, due
        tell(session, expert, "draw.asked",
             f"您被抽取为评标专家（抽取编号 {number}）：{when} 于 {place}。"
             f"请在 {due_text} 前登录平台确认，或说明理由后谢绝。",
             f"You were drawn as an evaluation expert (draw {number}): {when} at {place}. "
             f"Please confirm, or decline with a reason, on the platform before {due_text}.",
             draw_id=pick.draw_id, moment=moment,
             payload={"draw": number, "when": when, "place": place, "due": due_text})
    jobs.schedule(session, NO_ANSWER_JOB, answers_subject(number, due), due, now=moment)


def ask_expert(session: Session, pick: DrawPick, expert: Expert, *, evaluation_at: dt.datetime,
               place: str, answer_minutes: int, draw_number: str) -> None:
    """Ask one expert (a replacement): see ``ask_experts``."""
    ask_experts(session, [(pick, expert)],
                Invitation(draw_number, evaluation_at, place, answer_minutes))
