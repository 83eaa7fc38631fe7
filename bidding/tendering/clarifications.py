"""Clarifications and amendments of the tender documents (R-12, R-15)."""

from __future__ import annotations

import datetime as dt
import os
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding.lookup import get_tender, job_subject, subject
from bidding.models import Clarification, Tender, TenderState
from bidding.tendering import limits, periods
from bidding.tendering.announcement import announcement_names, disclose
from bidding.tendering.documents import notify_downloaders
from bidding.tendering.tenders import CLOSE_JOB
from supervision import services as supervision
from trading import calendar_years, clock, jobs
from trading.audit import Actor
from trading.errors import ConflictError

# --- clarifications and amendments (R-12, R-15) ---------------------------------------------


def clarify(session: Session, actor: Actor, tender_id: uuid.UUID, text: str,
            affects_preparation: bool = True,
            new_deadline: dt.datetime | None = None) -> Clarification:
    """Issue a clarification; if it affects bid preparation and comes later than 15 days before
    the deadline, the deadline moves (R-12). Every downloader is notified (R-15)."""
    limits.required_text(text, "text", limits.MAX_CLARIFICATION_TEXT, "澄清内容", "The clarification",
                         ("请填写澄清内容", "The clarification text is required"))
    # Lock order: the job row first (jobs.schedule), then the tender, then the log head.
    tender = get_tender(session, tender_id)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        raise ConflictError("只有已发布且未截止的项目可以澄清",
                            "Only a published tender can be clarified")
    now = clock.now(session)
    # while paused by an objection past the deadline, an amendment is still possible
    # (it moves the deadline under R-12, so bidding reopens).
    if now >= tender.deadline and tender.paused_until is None:
        raise ConflictError("已过投标截止时间", "The deadline has passed")
    before = tender.deadline
    after, r12 = periods.deadline_after_clarification(session, now, before, affects_preparation,
                                                      new_deadline)
    if after != before:
        jobs.schedule(session, CLOSE_JOB, job_subject(tender_id), after)
        session.execute(update(Tender).where(Tender.id == tender_id).values(
            deadline=after, version=Tender.version + 1, updated_at=now))
        moved = get_tender(session, tender_id)
        periods.rely_on_periods(session, moved)
        if r12 is not None:
            calendar_years.rely_on(session, subject(tender_id), r12[0], r12[1],
                                   clock.legal_day(after), f"「{tender.title}」澄清后的投标截止",
                                   f"'{tender.title}' deadline after a clarification", "staff")
    clarification = Clarification(
        tender_id=tender_id, text=text.strip(), affects_preparation=affects_preparation,
        deadline_before=before, deadline_after=after,
        created_by=uuid.UUID(actor.user_id) if actor.user_id else uuid.UUID(int=0),
        created_at=now,
    )
    session.add(clarification)
    session.flush()
    # the number notified would tell how many downloaded; the log commits to it only.
    clarification.notified_count = notify_downloaders(session, tender_id, after, now)
    clarification.notified_salt = os.urandom(32).hex()
    supervision.record(session, actor, "tender.clarified", subject(tender_id), {
        "clarification": str(clarification.id), "deadline_before": before.isoformat(),
        "deadline_after": after.isoformat(), "affects_preparation": affects_preparation,
        "notified_commitment": supervision.notified_commitment(
            str(clarification.id), clarification.notified_count, clarification.notified_salt),
    })
    # the clarification notice, with the new deadline when it moved.
    tenderee, agent, items = announcement_names(session, tender)
    disclose(session, actor, tender, "clarification", {
        "tenderee": tenderee, "agent": agent, "content": clarification.text,
        "new_bid_deadline": after.isoformat() if after != before else None,
        "contact": items.get("contact") or tenderee,
    }, title=f"{tender.title} 澄清/修改")
    return clarification


def clarifications_of(session: Session, tender_id: uuid.UUID) -> list[Clarification]:
    """The tender's clarifications and amendments, oldest first (each is a public notice too)."""
    query = select(Clarification).where(Clarification.tender_id == tender_id)
    return list(session.scalars(query.order_by(Clarification.created_at)))
