"""Objections to the tender documents (R-13) and the pause of the procedure (Regs §22)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding.lookup import get_tender, job_subject, subject
from bidding.models import Objection, Tender, TenderState
from bidding.tendering import limits, notifications, periods
from bidding.tendering.clarifications import clarify
from bidding.tendering.tenders import CLOSE_JOB
from supervision import services as supervision
from trading import clock, jobs
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

OBJECTION_ALERT_KIND = "bidding.objection_answer"


# --- objections (R-13) ---------------------------------------------------------------------


def raise_objection(session: Session, actor: Actor, tender_id: uuid.UUID, text: str) -> Objection:
    """R-13: objections to the documents at least 10 days before the deadline."""
    if not text.strip() or actor.user_id is None:
        raise UserError("请填写异议内容", "The objection text is required", field="text")
    limits.check_objection(session, tender_id, uuid.UUID(actor.user_id), text)
    tender = get_tender(session, tender_id)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        raise ConflictError("只有已发布的项目可以提出异议", "Only a published tender takes objections")
    now = clock.now(session)
    periods.check_objection_time(now, tender.deadline)
    objection = Objection(tender_id=tender_id, raised_by=uuid.UUID(actor.user_id),
                          text=text.strip(), raised_at=now,
                          answer_due=periods.objection_answer_due(session, now))
    session.add(objection)
    session.flush()
    # e-supervision watches the tenderee's 3-day answer.
    supervision.watch_deadline(session, OBJECTION_ALERT_KIND, f"objection/{objection.id}",
                               "tenderee", objection.answer_due,
                               f"「{tender.title}」异议答复", f"answer to an objection on "
                               f"'{tender.title}'",
                               organization_id=str(tender.tenderee_org_id)
                               if tender.tenderee_org_id else None)
    supervision.record(session, actor, "tender.objection_raised", subject(tender_id), {
        "objection": str(objection.id), "answer_due": objection.answer_due.isoformat(),
    })
    return objection


def answer_objection(session: Session, actor: Actor, tender_id: uuid.UUID,
                     objection_id: uuid.UUID, answer: str,
                     amends_documents: bool = False) -> Objection:
    """Answer an objection (R-13). ``amends_documents``: the answer changes the tender
    documents, so it is issued as a clarification too (R-12 may move the deadline; R-15).
    The last open objection's answer ends the pause of the procedure (Regs §22)."""
    objection = session.get(Objection, objection_id)
    if objection is None or objection.tender_id != tender_id:
        raise NotFoundError("异议", "Objection")
    if objection.answered_at is not None:
        raise ConflictError("该异议已答复", "The objection was already answered")
    limits.required_text(answer, "answer", limits.MAX_ANSWER_TEXT, "答复", "The answer",
                         ("请填写答复", "The answer is required"))
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    objection.answer, objection.answered_at = answer.strip(), now
    session.flush()
    paused = tender.state == TenderState.PUBLISHED.value and tender.paused_until is not None
    resume = paused and not open_objections(session, tender_id)
    clarification = None
    if amends_documents:
        # Jobs first (clarify reschedules the closing when R-12 moves the deadline).
        clarification = clarify(session, actor, tender_id, f"异议答复（修改招标文件）：{answer}",
                                True)
    elif resume:
        # The deadline has passed while paused and the documents stand: close now.
        jobs.schedule(session, CLOSE_JOB, job_subject(tender_id), now)
    supervision.resolve_deadline(session, OBJECTION_ALERT_KIND, f"objection/{objection.id}",
                                 "answered")
    # Issue 13: the one who objected reads the answer (notifications, its workspace).
    notifications.notify(session, tender_id, [objection.raised_by], "objection",
                         f"「{tender.title}」您提出的异议已答复：{objection.answer}",
                         f"'{tender.title}': your objection was answered: {objection.answer}")
    supervision.record(session, actor, "tender.objection_answered", subject(tender_id), {
        "objection": str(objection.id), "late": now > objection.answer_due,
        "amends_documents": amends_documents,
        "clarification": str(clarification.id) if clarification else None,
    })
    if resume:
        after = get_tender(session, tender_id)
        session.execute(update(Tender).where(Tender.id == tender_id).values(
            paused_until=None, updated_at=now))
        supervision.record(session, actor, "tender.resumed", subject(tender_id), {
            "rule": "R-13", "law": "Regs §22", "objection": str(objection.id),
            "deadline": after.deadline.isoformat() if after.deadline else None,
            "closing_at": (after.deadline if amends_documents and after.deadline
                           else now).isoformat(),
        })
    return objection


def open_objections(session: Session, tender_id: uuid.UUID) -> list[Objection]:
    """Objections not answered yet: while there is one, the procedure pauses (R-13)."""
    query = select(Objection).where(Objection.tender_id == tender_id,
                                    Objection.answered_at.is_(None))
    return list(session.scalars(query.order_by(Objection.raised_at)))


PAUSE_RECHECK = dt.timedelta(hours=1)


def postpone_closing(session: Session, actor: Actor, tender: Tender,
                     pending: list[Objection]) -> dt.datetime:
    """R-13 (Regs §22): the deadline came while an objection is unanswered. The tender is not
    closed: the closing job waits (re-checked at the answer's due time, then hourly as a
    safety net), and answering the last objection resumes it (``answer_objection``)."""
    now = clock.now(session)
    latest_due = max(o.answer_due for o in pending)
    recheck = latest_due if latest_due > now else now + PAUSE_RECHECK
    jobs.schedule(session, CLOSE_JOB, job_subject(tender.id), recheck)
    first = tender.paused_until is None
    session.execute(update(Tender).where(Tender.id == tender.id).values(
        paused_until=latest_due, updated_at=now))
    supervision.record(session, actor, "tender.paused" if first else "tender.pause_continued",
                       subject(tender.id), {
                           "rule": "R-13", "law": "Regs §22",
                           "deadline": tender.deadline.isoformat() if tender.deadline else None,
                           "objections": [str(o.id) for o in pending],
                           "answer_due": latest_due.isoformat(),
                           "next_check": recheck.isoformat()})
    return recheck


def objections_of(session: Session, tender_id: uuid.UUID) -> list[Objection]:
    query = select(Objection).where(Objection.tender_id == tender_id)
    return list(session.scalars(query.order_by(Objection.raised_at)))
