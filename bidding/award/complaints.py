"""Complaints to the supervising department (投诉, R-38; Regs §60-62 and the Measures for
Handling Complaints on Tendering and Bidding of Construction Projects).

A bidder complains after its objection (to the documents, R-13, or to the result, R-36) was
answered or left unanswered past its limit, within 10 days of knowing: the answer's day, or the
answer limit's. The objection and its answer are attached as they stood. A regulator decides
within 3 working days whether to accept it (a red e-supervision alert when late), then within
30 working days what it decides: dismissed (驳回) or upheld (成立, with what must be
corrected). Time for testing and expert review is not counted: the regulator starts and ends
such a period with a reason and the limit moves by the working days it took. The regulator may
order the award paused (Regs §62): ``decision.confirm`` refuses while it is. Every step is
logged and told to the complainant (notifications, its complaints page)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bidding import rules
from bidding.award import common, jurisdiction
from bidding.award.models import (
    Complaint,
    ComplaintExclusion,
    ComplaintStatus,
    ComplaintSubject,
    ExclusionKind,
    ResultObjection,
)
from bidding.lookup import get_tender, subject
from bidding.models import Objection, Tender
from bidding.tendering import notifications
from supervision import services as supervision
from trading import calendar, calendar_years, clock
from trading.accounts.models import Role, User
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.calendar_years import Period
from trading.errors import ConflictError, NotFoundError, UserError

FILE_DAYS = 10  # within 10 days of knowing (Regs §60)
ACCEPT_WORKING_DAYS = 3  # accepted or not within 3 working days (Regs §61)
DECIDE_WORKING_DAYS = 30  # decided within 30 working days of the acceptance (Regs §61)
ACCEPT_ALERT_KIND = "complaint.acceptance"
DECISION_ALERT_KIND = "complaint.decision"  # supervision.alerts.AlertKind.COMPLAINT
OPEN = (ComplaintStatus.FILED.value, ComplaintStatus.ACCEPTED.value)


def alert_subject(complaint_id: uuid.UUID) -> str:
    return f"complaint/{complaint_id}"


@dataclass(frozen=True)
class Attached:
    """The objection a complaint rests on, as the complainant saw it."""

    kind: ComplaintSubject
    objection_id: uuid.UUID
    tender_id: uuid.UUID
    section_id: uuid.UUID | None
    text: str
    answer: str | None
    answer_due: dt.datetime
    answered_at: dt.datetime | None

    def knew_at(self, now: dt.datetime) -> dt.datetime | None:
        """When the bidder knew the outcome: the answer, or the answer limit passed unanswered;
        None while the answer is still awaited (the answer time is not counted, Regs §60)."""
        if self.answered_at is not None:
            return self.answered_at
        return self.answer_due if now >= self.answer_due else None


def _refuse_without_objection() -> UserError:
    zh, en = rules.under("R-38-O")
    return UserError(f"{zh}，投诉前须先就该事项向招标人提出异议；未找到贵单位提出的该项异议",
                     f"{en}, a complaint on this matter needs a prior objection to the tenderee; "
                     "no such objection of yours was found", field="objection",
                     code="objection_required")


def attached(session: Session, org_id: uuid.UUID, kind: str,
             objection_id: uuid.UUID | None) -> Attached:
    """The complainant's own objection of ``kind``; refused with the article when there is none
    (a complaint without a prior objection, or another organisation's objection)."""
    if objection_id is None:
        raise _refuse_without_objection()
    if kind == ComplaintSubject.RESULT.value:
        found = session.get(ResultObjection, objection_id)
        if found is None or found.bidder_org_id != org_id:
            raise _refuse_without_objection()
        return Attached(ComplaintSubject.RESULT, found.id, found.tender_id, found.section_id,
                        found.text, found.answer, found.answer_due, found.answered_at)
    if kind == ComplaintSubject.DOCUMENTS.value:
        doc = session.get(Objection, objection_id)
        if doc is None or session.scalar(select(User.organization_id).where(
                User.id == doc.raised_by)) != org_id:
            raise _refuse_without_objection()
        return Attached(ComplaintSubject.DOCUMENTS, doc.id, doc.tender_id, None, doc.text,
                        doc.answer, doc.answer_due, doc.answered_at)
    raise UserError("异议类型无效", "Unknown objection kind", field="objection_kind")


def file_due(session: Session, knew_at: dt.datetime) -> dt.datetime:
    """R-38: 24:00 (Beijing) of the 10th day after the day the bidder knew (Regs §60: calendar
    days, the answer time not counted; a last day on a rest day rolls, R-00a)."""
    end = calendar_years.period_end(session, Period("R-38", clock.legal_day(knew_at), FILE_DAYS))
    return clock.legal_end_of_day_utc(end.end)


def _working_due(session: Session, start: dt.datetime, days: int) -> dt.datetime:
    """24:00 (Beijing) of the ``days``-th working day after ``start``'s day (Regs §61)."""
    end = calendar_years.period_end(session, Period("R-38", clock.legal_day(start), days,
                                                    working_days=True))
    return clock.legal_end_of_day_utc(end.end)


def _text(value: str, field: str, zh: str, en: str, *, required: bool = True) -> str:
    clean = (value or "").strip()
    if required and not clean:
        raise UserError(f"请填写{zh}", f"{en} is required", field=field)
    if len(clean) > common.MAX_TEXT:
        raise UserError(f"{zh}至多 {common.MAX_TEXT} 字", f"{en}: at most {common.MAX_TEXT} "
                        "characters", field=field)
    return clean


def _user_id(actor: Actor) -> uuid.UUID:
    if actor.user_id is None:
        raise UserError("请先登录", "Sign in first", status=403, code="forbidden")
    return uuid.UUID(actor.user_id)


def _tell(session: Session, complaint: Complaint, tender: Tender, zh: str, en: str,
          tenderee_too: bool = False) -> None:
    """The complainant (and, for what binds the tenderee, its people) read each step."""
    users = common.org_users(session, complaint.complainant_org_id)
    if tenderee_too and tender.tenderee_org_id is not None:
        users += common.org_users(session, tender.tenderee_org_id)
    dept_zh, dept_en = jurisdiction.department(session, tender)
    notifications.notify(session, tender.id, users, "complaint",
                         f"「{tender.title}」投诉（{dept_zh}）：{zh}",
                         f"'{tender.title}' complaint ({dept_en}): {en}")


def _log(session: Session, actor: Actor, action: str, complaint: Complaint,
         **body: object) -> None:
    supervision.record(session, actor, action, subject(complaint.tender_id), {
        "rule": "R-38", "complaint": str(complaint.id), "status": complaint.status, **body})


def file_complaint(session: Session, actor: Actor, org_id: uuid.UUID | None, kind: str,
                   objection_id: uuid.UUID | None, text: str) -> Complaint:
    """A bidder complains about the matter of its own objection (R-38)."""
    user_id = _user_id(actor)
    if org_id is None:
        raise UserError("只有投标单位的人员可以投诉", "Only a bidder's people may complain",
                        status=403, code="forbidden")
    found = attached(session, org_id, kind, objection_id)
    clean = _text(text, "text", "投诉内容", "The complaint text")
    now = clock.now(session)
    knew = found.knew_at(now)
    if knew is None:
        zh, en = rules.under("R-38-O")
        raise ConflictError(f"异议尚在答复期内，请在招标人答复或答复期限届满后投诉（{zh}）",
                            f"The objection is still within its answer period: complain after "
                            f"the answer or its limit ({en})", field="objection")
    if now > file_due(session, knew):
        zh, en = rules.under("R-38-F")
        raise UserError(f"{zh}，投诉应自知道或者应当知道之日起 {FILE_DAYS} 日内提出，"
                        "已超过投诉期限",
                        f"{en}, a complaint is filed within {FILE_DAYS} days of knowing: "
                        "this one is late", field="objection", code="complaint_late", status=409)
    if session.scalar(select(Complaint.id).where(
            Complaint.objection_id == found.objection_id, Complaint.status.in_(OPEN))):
        raise ConflictError("该异议事项的投诉正在处理中", "A complaint on this objection is "
                            "already being handled", field="objection")
    tender = get_tender(session, found.tender_id)
    complaint = Complaint(
        tender_id=found.tender_id, section_id=found.section_id, objection_kind=found.kind.value,
        objection_id=found.objection_id, objection_text=found.text,
        objection_answer=found.answer, complainant_org_id=org_id, filed_by=user_id, text=clean,
        knew_at=knew, filed_at=now, status=ComplaintStatus.FILED.value,
        accept_due=_working_due(session, now, ACCEPT_WORKING_DAYS), excluded_days=0)
    session.add(complaint)
    session.flush()
    # e-supervision watches the 3 working days of the acceptance.
    supervision.watch_deadline(session, ACCEPT_ALERT_KIND, alert_subject(complaint.id),
                               "regulator", complaint.accept_due,
                               f"「{tender.title}」投诉受理", f"'{tender.title}': acceptance of "
                               "a complaint")
    _log(session, actor, "award.complaint_filed", complaint, objection=str(found.objection_id),
         objection_kind=found.kind.value, answered=found.answered_at is not None,
         accept_due=complaint.accept_due.isoformat())
    _tell(session, complaint, tender, "已提交，等待行政监督部门决定是否受理",
          "filed; the supervising department decides whether to accept it")
    return complaint


def _get(session: Session, actor: Actor, complaint_id: uuid.UUID,
         *statuses: str) -> tuple[Complaint, Tender]:
    """The complaint for a regulator's step: only its tender's supervising department may take
    it (403 before anything about its state is said)."""
    complaint = session.get(Complaint, complaint_id, with_for_update=True)
    if complaint is None:
        raise NotFoundError("投诉", "Complaint")
    jurisdiction.check(session, actor, get_tender(session, complaint.tender_id))
    if statuses and complaint.status not in statuses:
        raise UserError("投诉当前状态不允许该操作", "The complaint's state does not allow this "
                        "step", code="complaint_state", status=409)
    return complaint, get_tender(session, complaint.tender_id)


def decide_acceptance(session: Session, actor: Actor, complaint_id: uuid.UUID, accept: bool,
                      reason: str) -> Complaint:
    """The regulator accepts (the 30 working days start) or does not accept (with a reason)."""
    complaint, tender = _get(session, actor, complaint_id, ComplaintStatus.FILED.value)
    clean = _text(reason, "reason", "不予受理的理由", "The reason", required=not accept)
    now = clock.now(session)
    complaint.accepted_at, complaint.acceptance_reason = now, clean or None
    supervision.resolve_deadline(session, ACCEPT_ALERT_KIND, alert_subject(complaint.id),
                                 "accepted" if accept else "not_accepted")
    if accept:
        complaint.status = ComplaintStatus.ACCEPTED.value
        complaint.decision_due = _working_due(session, now, DECIDE_WORKING_DAYS)
        session.flush()
        _watch_decision(session, complaint, tender)
        _log(session, actor, "award.complaint_accepted", complaint,
             late=now > complaint.accept_due, decision_due=complaint.decision_due.isoformat())
        _tell(session, complaint, tender, "已受理，行政监督部门将在 30 个工作日内作出处理决定",
              "accepted; the decision comes within 30 working days", tenderee_too=True)
    else:
        complaint.status = ComplaintStatus.NOT_ACCEPTED.value
        session.flush()
        _lift_with_end(session, actor, complaint, tender)
        _log(session, actor, "award.complaint_not_accepted", complaint, reason=clean,
             late=now > complaint.accept_due)
        _tell(session, complaint, tender, f"不予受理，理由：{clean}",
              f"not accepted, because: {clean}")
    return complaint


def _watch_decision(session: Session, complaint: Complaint, tender: Tender) -> None:
    assert complaint.decision_due is not None
    supervision.watch_deadline(session, DECISION_ALERT_KIND, alert_subject(complaint.id),
                               "regulator", complaint.decision_due,
                               f"「{tender.title}」投诉处理决定", f"'{tender.title}': decision "
                               "on a complaint")


def open_exclusion(session: Session, complaint_id: uuid.UUID) -> ComplaintExclusion | None:
    return session.scalar(select(ComplaintExclusion).where(
        ComplaintExclusion.complaint_id == complaint_id, ComplaintExclusion.ended_at.is_(None)))


def start_exclusion(session: Session, actor: Actor, complaint_id: uuid.UUID, kind: str,
                    reason: str) -> ComplaintExclusion:
    """Testing or expert review starts: the 30 working days stop counting (Regs §61)."""
    complaint, tender = _get(session, actor, complaint_id, ComplaintStatus.ACCEPTED.value)
    if kind not in {k.value for k in ExclusionKind}:
        raise UserError("请选择检验检测鉴定或专家评审", "Choose testing or expert review",
                        field="kind")
    clean = _text(reason, "reason", "理由", "The reason")
    if open_exclusion(session, complaint.id) is not None:
        raise ConflictError("已有未结束的不计入期间", "An excluded period is already running",
                            field="kind")
    now = clock.now(session)
    period = ComplaintExclusion(complaint_id=complaint.id, kind=kind, reason=clean,
                                started_at=now)
    session.add(period)
    session.flush()
    # The limit is not running: the alert would turn red for time the law does not count.
    supervision.resolve_deadline(session, DECISION_ALERT_KIND, alert_subject(complaint.id),
                                 "paused")
    _log(session, actor, "award.complaint_clock_stopped", complaint, kind=kind, reason=clean)
    _tell(session, complaint, tender, f"开始{_kind_zh(kind)}，所需时间不计入处理期限：{clean}",
          f"{_kind_en(kind)} started; its time is not counted: {clean}")
    return period


def end_exclusion(session: Session, actor: Actor, complaint_id: uuid.UUID) -> ComplaintExclusion:
    """The period ends: the limit moves by the working days in (start day, end day]."""
    complaint, tender = _get(session, actor, complaint_id, ComplaintStatus.ACCEPTED.value)
    period = open_exclusion(session, complaint.id)
    if period is None or complaint.decision_due is None:
        raise ConflictError("没有正在进行的不计入期间", "No excluded period is running")
    now = clock.now(session)
    days = max(0, calendar.working_days_between(session, clock.legal_day(period.started_at),
                                                clock.legal_day(now)))
    period.ended_at, period.working_days = now, days
    complaint.excluded_days += days
    complaint.decision_due = clock.legal_end_of_day_utc(calendar.add_working_days(
        session, clock.legal_day(complaint.decision_due), days))
    session.flush()
    _watch_decision(session, complaint, tender)
    _log(session, actor, "award.complaint_clock_resumed", complaint, kind=period.kind,
         working_days=days, decision_due=complaint.decision_due.isoformat())
    _tell(session, complaint, tender, f"{_kind_zh(period.kind)}结束，处理期限顺延 {days} 个工作日",
          f"{_kind_en(period.kind)} ended; the limit moves by {days} working days")
    return period


def _kind_zh(kind: str) -> str:
    return "专家评审" if kind == ExclusionKind.EXPERT_REVIEW.value else "检验检测鉴定"


def _kind_en(kind: str) -> str:
    return "expert review" if kind == ExclusionKind.EXPERT_REVIEW.value else "testing"


def pause_award(session: Session, actor: Actor, complaint_id: uuid.UUID, reason: str) -> Complaint:
    """The regulator orders the award paused while it handles the complaint (Regs §62)."""
    complaint, tender = _get(session, actor, complaint_id, *OPEN)
    clean = _text(reason, "reason", "暂停理由", "The reason")
    if complaint.award_paused_at is not None:
        raise ConflictError("已责令暂停定标", "The award is already paused")
    if complaint.section_id is not None:
        row = common.state_of(session, complaint.section_id)
        if row is not None and row.awarded_at is not None:
            raise ConflictError("该标段已定标，无需暂停定标", "The section is already awarded")
    complaint.award_paused_at, complaint.award_pause_reason = clock.now(session), clean
    session.flush()
    _log(session, actor, "award.paused_by_complaint", complaint, reason=clean,
         section=str(complaint.section_id) if complaint.section_id else None)
    _tell(session, complaint, tender, f"行政监督部门责令暂停定标：{clean}",
          f"the supervising department ordered the award paused: {clean}", tenderee_too=True)
    return complaint


def lift_pause(session: Session, actor: Actor, complaint_id: uuid.UUID) -> Complaint:
    complaint, tender = _get(session, actor, complaint_id)
    if complaint.award_paused_at is None:
        raise ConflictError("定标未被暂停", "The award is not paused")
    _lift_with_end(session, actor, complaint, tender)
    return complaint


def _lift_with_end(session: Session, actor: Actor, complaint: Complaint, tender: Tender) -> None:
    if complaint.award_paused_at is None:
        return
    complaint.award_paused_at, complaint.award_pause_reason = None, None
    session.flush()
    _log(session, actor, "award.pause_lifted", complaint)
    _tell(session, complaint, tender, "定标暂停已解除", "the pause of the award is lifted",
          tenderee_too=True)


def decide(session: Session, actor: Actor, complaint_id: uuid.UUID, upheld: bool, text: str,
           corrections: str) -> Complaint:
    """The written decision (Regs §61): dismissed, or upheld with what must be corrected. A
    dismissal lifts a pause of the award; an upheld complaint keeps it until the regulator
    lifts it (the corrections come first)."""
    complaint, tender = _get(session, actor, complaint_id, ComplaintStatus.ACCEPTED.value)
    if open_exclusion(session, complaint.id) is not None:
        raise ConflictError("请先结束不计入期间（检验检测鉴定或专家评审）再作出处理决定",
                            "End the excluded period (testing or expert review) first")
    clean = _text(text, "text", "处理决定", "The decision")
    fix = _text(corrections, "corrections", "责令改正事项", "What must be corrected",
                required=upheld)
    now = clock.now(session)
    complaint.status = (ComplaintStatus.UPHELD if upheld else ComplaintStatus.DISMISSED).value
    complaint.decided_at, complaint.decision_text = now, clean
    complaint.corrections = fix or None
    session.flush()
    supervision.resolve_deadline(session, DECISION_ALERT_KIND, alert_subject(complaint.id),
                                 complaint.status)
    _log(session, actor, "award.complaint_decided", complaint, decision=complaint.status,
         late=complaint.decision_due is not None and now > complaint.decision_due,
         excluded_days=complaint.excluded_days)
    if upheld:
        _tell(session, complaint, tender, f"处理决定：投诉成立。{clean} 责令改正：{fix}",
              f"decision: upheld. {clean} To be corrected: {fix}", tenderee_too=True)
    else:
        _lift_with_end(session, actor, complaint, tender)
        _tell(session, complaint, tender, f"处理决定：驳回投诉。{clean}",
              f"decision: dismissed. {clean}", tenderee_too=True)
    return complaint


def award_pause(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Complaint | None:
    """The complaint whose pause holds the section's award (a documents complaint holds every
    section of the tender)."""
    return session.scalar(select(Complaint).where(
        Complaint.tender_id == tender_id, Complaint.award_paused_at.is_not(None),
        or_(Complaint.section_id.is_(None), Complaint.section_id == section_id))
        .order_by(Complaint.award_paused_at).limit(1))


def exclusions(session: Session, complaint_id: uuid.UUID) -> list[ComplaintExclusion]:
    return list(session.scalars(select(ComplaintExclusion).where(
        ComplaintExclusion.complaint_id == complaint_id).order_by(ComplaintExclusion.started_at)))


def may_read(session: Session, user: CurrentUser, complaint: Complaint) -> bool:
    """Regulators and staff; the complainant's people; the tenderee's people of the tender."""
    if {Role.REGULATOR.value, Role.STAFF.value} & set(user.roles):
        return True
    if user.organization_id is None:
        return False
    if user.organization_id == complaint.complainant_org_id and Role.BIDDER.value in user.roles:
        return True
    tender = get_tender(session, complaint.tender_id)
    return Role.TENDEREE.value in user.roles and tender.tenderee_org_id == user.organization_id


def readable(session: Session, user: CurrentUser, complaint_id: uuid.UUID) -> Complaint:
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise NotFoundError("投诉", "Complaint")
    if not may_read(session, user, complaint):
        raise UserError("您无权查看该投诉", "You may not see this complaint", status=403,
                        code="forbidden")
    return complaint


def visible(session: Session, user: CurrentUser, limit: int = 200) -> list[Complaint]:
    """The complaints a reader may see, newest first."""
    query = select(Complaint)
    if not {Role.REGULATOR.value, Role.STAFF.value} & set(user.roles):
        if user.organization_id is None:
            return []
        tenders = select(Tender.id).where(Tender.tenderee_org_id == user.organization_id)
        conditions = []
        if Role.BIDDER.value in user.roles:
            conditions.append(Complaint.complainant_org_id == user.organization_id)
        if Role.TENDEREE.value in user.roles:
            conditions.append(Complaint.tender_id.in_(tenders))
        if not conditions:
            return []
        query = query.where(or_(*conditions))
    return list(session.scalars(query.order_by(Complaint.filed_at.desc()).limit(limit)))


def eligible(session: Session, org_id: uuid.UUID) -> list[Attached]:
    """The organisation's objections it may complain about now: answered or past the limit,
    within 10 days of knowing, with no complaint on them being handled."""
    now = clock.now(session)
    users = select(User.id).where(User.organization_id == org_id)
    found = [Attached(ComplaintSubject.RESULT, o.id, o.tender_id, o.section_id, o.text,
                      o.answer, o.answer_due, o.answered_at)
             for o in session.scalars(select(ResultObjection).where(
                 ResultObjection.bidder_org_id == org_id))]
    found += [Attached(ComplaintSubject.DOCUMENTS, o.id, o.tender_id, None, o.text, o.answer,
                       o.answer_due, o.answered_at)
              for o in session.scalars(select(Objection).where(Objection.raised_by.in_(users)))]
    busy = set(session.scalars(select(Complaint.objection_id).where(
        Complaint.complainant_org_id == org_id, Complaint.status.in_(OPEN))))
    result = []
    for item in found:
        knew = item.knew_at(now)
        if knew is not None and now <= file_due(session, knew) and item.objection_id not in busy:
            result.append(item)
    return sorted(result, key=lambda a: a.answer_due)
