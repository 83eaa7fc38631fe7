"""Complaints about the service (投诉, City §41): registered by an applicant, assigned by staff
to a colleague, answered within ``ANSWER_DAYS`` working days (an e-supervision alert watches the
limit: yellow before, red after). Regulators see every complaint; an applicant its own."""

from __future__ import annotations

import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading import audit, calendar_years, clock
from trading.accounts.models import Role, User, UserRole
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.intake import applications, regions
from trading.intake.feedback_models import Complaint, ComplaintStatus
from trading.intake.models import Application

ANSWER_DAYS = 10  # working days to answer a complaint
ALERT_KIND = "intake.complaint_answer"
MAX_SUBJECT = 200
MAX_TEXT = 4000
OVERSEERS = frozenset({Role.STAFF.value, Role.REGULATOR.value})


def subject_of(complaint: Complaint) -> str:
    return f"intake-complaint:{complaint.number}"


def _text(value: str, limit: int, field: str, what_zh: str, what_en: str) -> str:
    value = value.strip()
    if not value or len(value) > limit:
        raise UserError(f"请填写{what_zh}（不超过{limit}字）", f"Enter the {what_en} (at most "
                        f"{limit} characters)", field=field)
    return value


def _number(session: Session) -> str:
    day = clock.legal_day(clock.now(session))
    while True:
        number = f"TS{day:%Y%m%d}{secrets.randbelow(10**4):04d}"
        if session.scalar(select(Complaint.id).where(Complaint.number == number)) is None:
            return number


def file(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
         subject: str, content: str) -> Complaint:
    """Register a complaint (about one of the user's applications, or the service at large)."""
    subject = _text(subject, MAX_SUBJECT, "subject", "投诉事由", "subject")
    content = _text(content, MAX_TEXT, "content", "投诉内容", "complaint")
    application: Application | None = None
    if tracking_number.strip():
        application = applications.application_for(session, user, tracking_number.strip())
    now = clock.now(session)
    end = calendar_years.period_end(session, calendar_years.Period(
        "City §41", clock.legal_day(now), ANSWER_DAYS, working_days=True))
    complaint = Complaint(
        id=uuid.uuid4(), number=_number(session),
        application_id=application.id if application else None, filed_by=user.id,
        filed_org_id=user.organization_id, filed_at=now, subject=subject, content=content,
        status=ComplaintStatus.REGISTERED.value, answer_due_day=end.end)
    session.add(complaint)
    session.flush()
    audit.watch_deadline(session, ALERT_KIND, subject_of(complaint), "staff",
                         clock.legal_end_of_day_utc(end.end),
                         f"投诉答复时限：{complaint.number}",
                         f"Complaint to answer: {complaint.number}")
    audit.record(session, actor, "intake.complaint_filed", subject_of(complaint), {
        "number": complaint.number, "tracking_number": application.tracking_number
        if application else None, "answer_due_day": end.end.isoformat()})
    return complaint


def _own(user: CurrentUser, complaint: Complaint) -> bool:
    return complaint.filed_by == user.id or (
        complaint.filed_org_id is not None and complaint.filed_org_id == user.organization_id)


def may_see(user: CurrentUser, complaint: Complaint) -> bool:
    return not OVERSEERS.isdisjoint(user.roles) or _own(user, complaint)


def _in_region(session: Session, user: CurrentUser, complaint: Complaint) -> None:
    """Staff handle the complaints about their own region's applications (City §30); one
    about the service at large concerns every center."""
    if complaint.application_id is None or _own(user, complaint):
        return
    application = session.get(Application, complaint.application_id)
    if application is not None:
        regions.require(session, user, application)


def complaint_for(session: Session, user: CurrentUser, number: str) -> Complaint:
    found = session.scalar(select(Complaint).where(Complaint.number == number[:32]))
    if found is None:
        raise NotFoundError("投诉", "Complaint")
    if not may_see(user, found):
        raise UserError("您无权查看该投诉", "You may not see this complaint", status=403,
                        code="forbidden")
    _in_region(session, user, found)
    return found


def _locked(session: Session, number: str, user: CurrentUser) -> Complaint:
    found = session.scalar(select(Complaint).where(
        Complaint.number == number[:32]).with_for_update(of=Complaint))
    if found is None:
        raise NotFoundError("投诉", "Complaint")
    _in_region(session, user, found)
    return found


def staff_members(session: Session) -> list[User]:
    return list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
        UserRole.role == Role.STAFF.value).order_by(User.username).limit(200)))


def assign(session: Session, actor: audit.Actor, user: CurrentUser, number: str,
           username: str) -> Complaint:
    """Hand the complaint to a staff member, who answers it."""
    complaint = _locked(session, number, user)
    if complaint.status == ComplaintStatus.ANSWERED.value:
        raise UserError("该投诉已答复", "This complaint is already answered", status=409,
                        code="already_answered")
    assignee = next((u for u in staff_members(session) if u.username == username.strip()), None)
    if assignee is None:
        raise UserError("请选择一名窗口工作人员承办", "Choose a staff member to answer it",
                        field="assignee")
    complaint.assigned_to = assignee.id
    complaint.assigned_at = clock.now(session)
    complaint.status = ComplaintStatus.ASSIGNED.value
    audit.record(session, actor, "intake.complaint_assigned", subject_of(complaint), {
        "number": complaint.number, "assignee": assignee.username})
    return complaint


def answer(session: Session, actor: audit.Actor, user: CurrentUser, number: str,
           text: str) -> Complaint:
    """The answer, by the staff member it is assigned to (an unassigned one: taken by the one
    answering). The alert is cleared; an answer after the limit is logged as overdue."""
    complaint = _locked(session, number, user)
    text = _text(text, MAX_TEXT, "answer", "答复内容", "answer")
    if complaint.status == ComplaintStatus.ANSWERED.value:
        raise UserError("该投诉已答复", "This complaint is already answered", status=409,
                        code="already_answered")
    if complaint.assigned_to is not None and complaint.assigned_to != user.id:
        raise UserError("该投诉已交由其他工作人员承办", "This complaint is assigned to another "
                        "staff member", status=403, code="forbidden")
    now = clock.now(session)
    complaint.assigned_to = complaint.assigned_to or user.id
    complaint.assigned_at = complaint.assigned_at or now
    complaint.answer, complaint.answered_at, complaint.answered_by = text, now, user.id
    complaint.status = ComplaintStatus.ANSWERED.value
    overdue = clock.legal_day(now) > complaint.answer_due_day
    audit.resolve_deadline(session, ALERT_KIND, subject_of(complaint), "answered")
    audit.record(session, actor, "intake.complaint_answered", subject_of(complaint), {
        "number": complaint.number, "overdue": overdue})
    return complaint


def listed(session: Session, user: CurrentUser) -> list[Complaint]:
    query = select(Complaint)
    if OVERSEERS.isdisjoint(user.roles):
        mine = Complaint.filed_by == user.id
        if user.organization_id is not None:
            mine = mine | (Complaint.filed_org_id == user.organization_id)
        query = query.where(mine)
    elif (seen := regions.seen_by(session, user)) is not None:
        query = query.where(Complaint.application_id.is_(None) | Complaint.application_id.in_(
            select(Application.id).where(regions.of_applications(seen))))
    return list(session.scalars(query.order_by(Complaint.filed_at.desc()).limit(200)))
