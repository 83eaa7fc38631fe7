"""Objections to the evaluation result (异议, R-36): raised by a bidder of the section from its
workspace during the candidate publicity only, answered by the tenderee (or staff) within 3
days; the award waits while one is unanswered, and the answer reaches the bidder."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.award import common
from bidding.award.models import ResultObjection
from bidding.lookup import subject
from bidding.tendering import notifications
from bidding.tendering.objections import OBJECTION_ALERT_KIND
from supervision import services as supervision
from trading import calendar_years, clock
from trading.audit import Actor
from trading.calendar_years import Period
from trading.errors import ConflictError, NotFoundError, UserError

BASIS_ZH = "依据《中华人民共和国招标投标法实施条例》第五十四条"
BASIS_EN = "Regulations on the Tendering and Bidding Law, Art. 54"


def alert_subject(objection_id: uuid.UUID) -> str:
    return f"objection/{objection_id}"


def answer_due(session: Session, raised_at: dt.datetime) -> dt.datetime:
    """R-36: answered within 3 days: 24:00 (Beijing) of the 3rd day after it is raised."""
    end = calendar_years.period_end(session, Period("R-36", clock.legal_day(raised_at),
                                                    common.ANSWER_DAYS))
    return clock.legal_end_of_day_utc(end.end)


def raise_objection(session: Session, actor: Actor, tender_id: uuid.UUID, section_id: uuid.UUID,
                    org_id: uuid.UUID | None, text: str) -> ResultObjection:
    """A bidder of the section objects during the publicity (R-36); after it: refused."""
    if actor.user_id is None:
        raise UserError("请先登录", "Sign in first", status=403, code="forbidden")
    if org_id is None or org_id not in {b.org_id for b in common.bidders(session, section_id)}:
        raise UserError("只有本标段的投标人可以对评标结果提出异议",
                        "Only a bidder of this section may object to its result", status=403,
                        code="forbidden")
    clean = text.strip()
    if not clean:
        raise UserError("请填写异议内容", "The objection text is required", field="text")
    if len(clean) > common.MAX_TEXT:
        raise UserError(f"异议内容至多 {common.MAX_TEXT} 字",
                        f"At most {common.MAX_TEXT} characters", field="text")
    tender, section = common.section(session, tender_id, section_id)
    row = common.state_of(session, section_id, lock=True)
    now = clock.now(session)
    if row is None or row.published_at is None or row.publicity_ends_at is None:
        raise ConflictError(f"中标候选人尚未公示，暂不受理对评标结果的异议（{BASIS_ZH}）",
                            f"The candidates are not published yet: no objection to the result "
                            f"yet ({BASIS_EN})")
    if now >= row.publicity_ends_at:
        raise ConflictError(f"公示期已结束，不再受理对评标结果的异议（{BASIS_ZH}）",
                            f"The publicity has ended: objections to the result are no longer "
                            f"taken ({BASIS_EN})")
    due = answer_due(session, now)
    objection = ResultObjection(section_id=section_id, tender_id=tender_id, bidder_org_id=org_id,
                                raised_by=uuid.UUID(actor.user_id), text=clean, raised_at=now,
                                answer_due=due)
    session.add(objection)
    session.flush()
    # e-supervision watches the 3-day answer.
    supervision.watch_deadline(session, OBJECTION_ALERT_KIND, alert_subject(objection.id),
                               "tenderee", due,
                               f"「{tender.title}」标段 {section.number} 评标结果异议答复",
                               f"'{tender.title}' section {section.number}: answer to an "
                               "objection on the result",
                               organization_id=str(tender.tenderee_org_id)
                               if tender.tenderee_org_id else None)
    supervision.record(session, actor, "award.objection_raised", subject(tender_id), {
        "rule": "R-36", "section": str(section_id), "objection": str(objection.id),
        "answer_due": due.isoformat()})
    return objection


def answer_objection(session: Session, actor: Actor, tender_id: uuid.UUID,
                     objection_id: uuid.UUID, answer: str) -> ResultObjection:
    """The tenderee (or staff) answers; the bidder reads it in its notifications and workspace.
    The last answer lets the award go on (R-36)."""
    objection = session.get(ResultObjection, objection_id, with_for_update=True)
    if objection is None or objection.tender_id != tender_id:
        raise NotFoundError("异议", "Objection")
    if objection.answered_at is not None:
        raise ConflictError("该异议已答复", "The objection was already answered")
    clean = answer.strip()
    if not clean:
        raise UserError("请填写答复", "The answer is required", field="answer")
    if len(clean) > common.MAX_TEXT:
        raise UserError(f"答复至多 {common.MAX_TEXT} 字", f"At most {common.MAX_TEXT} characters",
                        field="answer")
    tender, section = common.section(session, tender_id, objection.section_id)
    now = clock.now(session)
    objection.answer, objection.answered_at = clean, now
    objection.answered_by = uuid.UUID(actor.user_id) if actor.user_id else None
    session.flush()
    supervision.resolve_deadline(session, OBJECTION_ALERT_KIND, alert_subject(objection.id),
                                 "answered")
    notifications.notify(session, tender_id, [objection.raised_by], "objection",
                         f"「{tender.title}」标段 {section.number} 您对评标结果提出的异议已答复："
                         f"{clean}",
                         f"'{tender.title}' section {section.number}: your objection to the "
                         f"result was answered: {clean}")
    supervision.record(session, actor, "award.objection_answered", subject(tender_id), {
        "rule": "R-36", "section": str(objection.section_id), "objection": str(objection.id),
        "late": now > objection.answer_due,
        "still_open": len(open_objections(session, objection.section_id))})
    return objection


def open_objections(session: Session, section_id: uuid.UUID) -> list[ResultObjection]:
    """Unanswered objections: while there is one, the award waits (R-36)."""
    return list(session.scalars(select(ResultObjection).where(
        ResultObjection.section_id == section_id, ResultObjection.answered_at.is_(None))
        .order_by(ResultObjection.raised_at)))


def of_section(session: Session, section_id: uuid.UUID,
               org_id: uuid.UUID | None = None) -> list[ResultObjection]:
    query = select(ResultObjection).where(ResultObjection.section_id == section_id)
    if org_id is not None:
        query = query.where(ResultObjection.bidder_org_id == org_id)
    return list(session.scalars(query.order_by(ResultObjection.raised_at)))
