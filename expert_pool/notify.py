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
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from expert_pool.models import DrawPick, Expert, InboxMessage, OutboxMessage, PickState
from trading import clock, jobs

NO_ANSWER_JOB = "expert_pool.no_answer"


class Addressee(Protocol):
    """Whom a message reaches: an ``Expert``, or just the columns a draw reads (``Contact``)."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def mobile(self) -> str: ...
    @property
    def email(self) -> str: ...


@dataclass(frozen=True)
class Contact:
    id: uuid.UUID
    mobile: str
    email: str


@dataclass(frozen=True)
class Message:
    expert: Addressee
    kind: str
    text_zh: str
    text_en: str
    draw_id: uuid.UUID | None = None
    payload: dict[str, Any] | None = None


def tell(session: Session, expert: Expert, kind: str, text_zh: str, text_en: str, *,
         draw_id: uuid.UUID | None = None, payload: dict[str, Any] | None = None,
         moment: dt.datetime | None = None) -> None:
    """Put a message in the expert's inbox and queue it for SMS (and mail, with an address)."""
    send(session, [Message(expert, kind, text_zh, text_en, draw_id, payload)],
         moment or clock.now(session))


def send(session: Session, messages: Sequence[Message], moment: dt.datetime) -> None:
    """``tell`` for several experts: the inbox rows and the outbox rows in one statement each
    (a draw asks up to a committee at once; the ORM's unit of work cost more than the rows)."""
    inbox: list[dict[str, Any]] = []
    outbox: list[dict[str, Any]] = []
    for message in messages:
        expert, kind = message.expert, message.kind
        inbox.append({"expert_id": expert.id, "draw_id": message.draw_id, "kind": kind,
                      "text_zh": message.text_zh, "text_en": message.text_en,
                      "created_at": moment, "read_at": None})
        body = {"kind": kind, "text": message.text_zh, **(message.payload or {})}
        addresses = [("sms", expert.mobile)] + ([("mail", expert.email)] if expert.email else [])
        outbox += [{"channel": channel, "recipient": recipient, "template": kind, "payload": body,
                    "created_at": moment, "attempts": 0, "sent_at": None, "last_error": None}
                   for channel, recipient in addresses]
    if inbox:
        session.flush()  # what the rows name (the Core statements below do not autoflush)
        connection = session.connection()
        connection.execute(insert(_INBOX), inbox)
        connection.execute(insert(_OUTBOX), outbox)


_INBOX, _OUTBOX = (cast(Table, model.__table__) for model in (InboxMessage, OutboxMessage))


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


def answer_due(moment: dt.datetime, invitation: Invitation) -> dt.datetime:
    """When the experts asked at ``moment`` must have answered."""
    return moment + dt.timedelta(minutes=invitation.answer_minutes)


def ask_experts(session: Session, seats: Sequence[tuple[DrawPick, Addressee]],
                invitation: Invitation, moment: dt.datetime | None = None, *,
                first: bool = False) -> None:
    """Ask drawn experts to confirm; no answer by the due time passes the seat on (R-34).

    The message names the time and place only: the project stays unnamed until check-in, so a
    forwarded SMS cannot tell a bidder who evaluates its bid. One job checks the answers of
    the whole batch (one log entry, not one per expert).
    """
    if not seats:
        return
    moment = moment or clock.now(session)
    due = answer_due(moment, invitation)
    for pick, _expert in seats:
        pick.state = PickState.NOTIFIED.value
        pick.notified_at, pick.answer_due = moment, due
    invite(session, [(pick.draw_id, expert) for pick, expert in seats], invitation, moment,
           first=first)


def invite(session: Session, asked: Sequence[tuple[uuid.UUID, Addressee]],
           invitation: Invitation, moment: dt.datetime, *, first: bool = False) -> None:
    """The messages and the answers' job of ``ask_experts``, for picks whose rows the caller
    writes itself already asked (state notified, ``answer_due(moment, invitation)``)."""
    due = answer_due(moment, invitation)
    when = clock.to_local(invitation.evaluation_at).strftime("%Y-%m-%d %H:%M")
    due_text = clock.to_local(due).strftime("%Y-%m-%d %H:%M")
    number, place = invitation.draw_number, invitation.place
    send(session, [Message(
        expert, "draw.asked",
        f"您被抽取为评标专家（抽取编号 {number}）：{when} 于 {place}。"
        f"请在 {due_text} 前登录平台确认，或说明理由后谢绝。",
        f"You were drawn as an evaluation expert (draw {number}): {when} at {place}. "
        f"Please confirm, or decline with a reason, on the platform before {due_text}.",
        draw_id, {"draw": number, "when": when, "place": place, "due": due_text})
        for draw_id, expert in asked], moment)
    # The draw's first asks (``first``) cannot meet an earlier job for their answers.
    jobs.schedule(session, NO_ANSWER_JOB, answers_subject(number, due), due, now=moment,
                  new_subject=first)


def ask_expert(session: Session, pick: DrawPick, expert: Expert, *, evaluation_at: dt.datetime,
               place: str, answer_minutes: int, draw_number: str) -> None:
    """Ask one expert (a replacement): see ``ask_experts``."""
    ask_experts(session, [(pick, expert)],
                Invitation(draw_number, evaluation_at, place, answer_minutes))
