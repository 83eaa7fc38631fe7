"""Time-limited completion of an accepted application (issue 12, part 4).

The limit is the item's promised limit in working days (R-05), counted from the day after
acceptance on the statutory calendar in Asia/Shanghai (R-00a). Excluded periods (R-06) pause
the clock: every day from a period's start day through its end day is left out, because the
law excludes the time the hearing, review, ... takes and a day partly spent on it is not a day
the department could work on the file. One extension of at most 10 working days (R-05,
Licensing Law §42) is requested by staff and approved by the responsible person (负责人) of
the item's department — a staff user marked ``head`` for it — never by the requester.
The participating departments decide in parallel (City §26); when all have decided, the result
is issued as a sealed document (R-04) through :mod:`trading.intake.results`.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading import audit, calendar, calendar_years, clock
from trading.accounts.services import CurrentUser
from trading.errors import ConflictError, NotFoundError, UserError
from trading.intake import regions
from trading.intake.completion_models import (
    Completion,
    DepartmentTask,
    PausedPeriod,
    StaffDepartment,
)
from trading.intake.models import Application, ApplicationStatus, Department, ExcludedKind

ALERT_KIND = "intake.completion_limit"
MAX_EXTENSION_DAYS = 10  # Licensing Law §42
MAX_TEXT = 2000
MAX_SCAN_DAYS = 3660  # a limit never runs ten years; stops a runaway loop on bad data
ACCEPTED = (ApplicationStatus.ACCEPTED.value, ApplicationStatus.DEEMED_ACCEPTED.value)
APPROVE, REFUSE = "approve", "refuse"


@dataclass(frozen=True)
class Clock:
    """Where an application's completion limit stands today."""

    total_days: int  # promised limit plus an approved extension
    used_days: int  # working days counted so far (paused days left out)
    remaining: int  # 0 = due today, negative = overdue
    due_day: dt.date | None  # None while a period is open (the clock is paused)
    paused: bool
    provisional: bool  # the answer rests on a year whose holidays are not confirmed


def subject_of(application: Application) -> str:
    return f"intake-application:{application.tracking_number}"


def text(value: str, field: str, what_zh: str, what_en: str) -> str:
    value = value.strip()
    if not value:
        raise UserError(f"请填写{what_zh}", f"Enter the {what_en}", field=field)
    if len(value) > MAX_TEXT:
        raise UserError(f"{what_zh}不超过{MAX_TEXT}字",
                        f"The {what_en} takes at most {MAX_TEXT} characters", field=field)
    return value


# --- the clock ---------------------------------------------------------------------------


def completion_of(session: Session, application: Application) -> Completion | None:
    return session.get(Completion, application.id)


def periods_of(session: Session, application: Application) -> list[PausedPeriod]:
    return list(session.scalars(select(PausedPeriod).where(
        PausedPeriod.application_id == application.id).order_by(PausedPeriod.started_at)))


def tasks_of(session: Session, application: Application) -> list[DepartmentTask]:
    found = session.scalars(select(DepartmentTask).where(
        DepartmentTask.application_id == application.id))
    return sorted(found, key=lambda t: t.department.code)


def _paused(day: dt.date, periods: list[PausedPeriod], today: dt.date) -> bool:
    return any(p.started_day <= day <= (p.ended_day or today) for p in periods)


def clock_of(session: Session, completion: Completion, periods: list[PausedPeriod],
             today: dt.date) -> Clock:
    """Count the working days used up to ``today`` and find the due day (when not paused)."""
    cal = calendar.calendar_for(session)
    cal.preload(completion.started_day, max(today, completion.started_day) + dt.timedelta(
        days=(completion.limit_days + completion.extension_days) * 7 // 5 + 60))
    total = completion.limit_days + completion.extension_days
    used, day = 0, completion.started_day + dt.timedelta(days=1)
    while day <= today and (day - completion.started_day).days < MAX_SCAN_DAYS:
        if cal.is_working_day(day) and not _paused(day, periods, today):
            used += 1
        day += dt.timedelta(days=1)
    paused = any(p.ended_day is None for p in periods)
    due: dt.date | None = None
    if not paused:
        # The due day is the total-th counted working day; pauses all lie before today.
        counted, day = 0, completion.started_day
        while counted < total and (day - completion.started_day).days < MAX_SCAN_DAYS:
            day += dt.timedelta(days=1)
            if cal.is_working_day(day) and not _paused(day, periods, today):
                counted += 1
        due = day
    # Overdue: count the working days past the due day (paused days all lie before it).
    overdue = due is not None and due < today
    remaining = -cal.working_days_between(due, today) if due and overdue else total - used
    return Clock(total, used, remaining, due, paused, bool(cal.provisional_years))


def clock_for(session: Session, application: Application) -> Clock | None:
    completion = completion_of(session, application)
    if completion is None:
        return None
    return clock_of(session, completion, periods_of(session, application),
                    clock.legal_day(clock.now(session)))


def _watch(session: Session, application: Application, completion: Completion) -> None:
    """Move the supervision alert (yellow before the due day, red after) and mark the due day
    when it rests on a provisional year; a paused clock has no due day, so no alert."""
    subject = subject_of(application)
    if completion.completed_at is not None:
        audit.resolve_deadline(session, ALERT_KIND, subject, "completed")
        calendar_years.release(session, subject)
        return
    today = clock.legal_day(clock.now(session))
    state = clock_of(session, completion, periods_of(session, application), today)
    if state.due_day is None:
        audit.resolve_deadline(session, ALERT_KIND, subject, "paused (Licensing Law, art. 45)")
        return
    audit.watch_deadline(session, ALERT_KIND, subject, "staff",
                         clock.legal_end_of_day_utc(state.due_day),
                         f"办结时限（《行政许可法》第四十二条）：{application.tracking_number}",
                         f"Completion due (Licensing Law, art. 42): {application.tracking_number}")
    period = calendar_years.Period("R-05", completion.started_day, state.total_days,
                                   working_days=True)
    provisional = frozenset({state.due_day.year}) if state.provisional else frozenset()
    calendar_years.rely_on(session, subject, period,
                           calendar_years.PeriodEnd(state.due_day, provisional), state.due_day,
                           f"办结时限（《行政许可法》第四十二条）：{application.tracking_number}",
                           f"Completion due (Licensing Law, art. 42): {application.tracking_number}", "staff")


def on_accepted(session: Session, application: Application) -> Completion | None:
    """Start the completion clock and the department tasks when an application is accepted
    (called by the decision on receipt; once per application)."""
    if completion_of(session, application) is not None:
        return None
    accepted = application.accepted_at or clock.now(session)
    item = application.item
    completion = Completion(application_id=application.id, started_day=clock.legal_day(accepted),
                            limit_days=item.promised_days, extension_days=0,
                            extension_state="none", extension_reason="", extension_requested=0)
    session.add(completion)
    # Parallel approval: every participating department at once; an item without
    # participants is decided by its own department.
    departments = [p.department_id for p in item.participants] or [item.department_id]
    for department_id in departments:
        session.add(DepartmentTask(application_id=application.id, department_id=department_id,
                                   reasons="", overdue_reason=""))
    session.flush()
    _watch(session, application, completion)
    return completion


# --- who works where (part 7) ---------------------------------------------------------------


def departments_of(session: Session, user: CurrentUser) -> list[StaffDepartment]:
    return list(session.scalars(select(StaffDepartment).where(
        StaffDepartment.user_id == user.id)))


def assign(session: Session, actor: audit.Actor, user_id: uuid.UUID, department_code: str,
           head: bool = False) -> StaffDepartment:
    """Tie a staff user to a department (``head``: its responsible person)."""
    department = session.scalar(select(Department).where(Department.code == department_code))
    if department is None:
        raise NotFoundError("部门", "Department")
    link = session.get(StaffDepartment, (user_id, department.id))
    if link is not None and link.head == head:
        return link  # nothing changes (the demo seed runs at every start)
    if link is None:
        link = StaffDepartment(user_id=user_id, department_id=department.id, head=head)
        session.add(link)
    link.head = head
    session.flush()
    audit.record(session, actor, "intake.staff_assigned", f"intake-department:{department.code}",
                 {"user_id": str(user_id), "department": department.code, "head": head})
    return link


def unassign(session: Session, actor: audit.Actor, user_id: uuid.UUID,
             department_code: str) -> None:
    department = session.scalar(select(Department).where(Department.code == department_code))
    link = session.get(StaffDepartment, (user_id, department.id)) if department else None
    if department is None or link is None:
        raise NotFoundError("部门分配", "Department assignment")
    session.delete(link)
    session.flush()
    audit.record(session, actor, "intake.staff_unassigned",
                 f"intake-department:{department.code}",
                 {"user_id": str(user_id), "department": department.code})


def assignments(session: Session) -> list[StaffDepartment]:
    return list(session.scalars(select(StaffDepartment).limit(1000)))


# --- excluded periods (R-06) ----------------------------------------------------------------


def _open_application(session: Session, tracking_number: str,
                      user: CurrentUser) -> tuple[Application, Completion]:
    application = session.scalar(select(Application).where(
        Application.tracking_number == tracking_number[:32]).with_for_update(of=Application))
    if application is None:
        raise NotFoundError("申请", "Application")
    regions.require(session, user, application)  # staff act in their own region (City §30)
    completion = completion_of(session, application)
    if completion is not None and completion.completed_at is not None:
        raise ConflictError("该申请已办结", "This application is completed", field="application")
    if completion is None or application.status not in ACCEPTED:
        raise ConflictError("该申请尚未受理，不计办结时限", "This application is not accepted: no "
                            "completion limit runs", field="application")
    return application, completion


def start_period(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
                 kind: ExcludedKind, reason: str) -> PausedPeriod:
    application, completion = _open_application(session, tracking_number, user)
    if kind.value not in application.item.excluded_kinds:
        raise UserError("该事项不适用此类不计入时限的程序（《行政许可法》第四十五条）",
                        "This item does not allow "
                        "this kind of excluded period (Licensing Law, art. 45)", field="kind")
    if any(p.ended_day is None for p in periods_of(session, application)):
        raise ConflictError("已有未结束的暂停计时程序，请先结束它（《行政许可法》第四十五条）",
                            "An excluded period is "
                            "open already; end it first (Licensing Law, art. 45)", field="kind")
    reason = text(reason, "reason", "暂停计时的理由", "reason for the period")
    now = clock.now(session)
    period = PausedPeriod(id=uuid.uuid4(), application_id=application.id, kind=kind.value,
                          reason=reason, started_day=clock.legal_day(now), started_at=now,
                          started_by=user.id, end_reason="")
    session.add(period)
    session.flush()
    from trading.intake import results

    notice = results.issue(session, user, application, "pause_start",
                           {"period_kind": kind.value, "reasons": reason,
                            "rule": "R-06", "started_day": period.started_day.isoformat()})
    _watch(session, application, completion)
    audit.record(session, actor, "intake.period_started", subject_of(application), {
        "tracking_number": application.tracking_number, "kind": kind.value, "rule": "R-06",
        "notice": notice.number})
    return period


def end_period(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
               reason: str) -> PausedPeriod:
    application, completion = _open_application(session, tracking_number, user)
    period = next((p for p in periods_of(session, application) if p.ended_day is None), None)
    if period is None:
        raise ConflictError("没有正在进行的暂停计时程序，无从结束（《行政许可法》第四十五条）",
                            "No excluded period is "
                            "open, so none can be ended (Licensing Law, art. 45)", field="reason")
    period.end_reason = text(reason, "reason", "结束暂停的说明", "note on ending the period")
    now = clock.now(session)
    period.ended_day, period.ended_at, period.ended_by = clock.legal_day(now), now, user.id
    session.flush()
    from trading.intake import results

    notice = results.issue(session, user, application, "pause_end",
                           {"period_kind": period.kind, "reasons": period.end_reason,
                            "rule": "R-06", "started_day": period.started_day.isoformat(),
                            "ended_day": period.ended_day.isoformat()})
    _watch(session, application, completion)
    audit.record(session, actor, "intake.period_ended", subject_of(application), {
        "tracking_number": application.tracking_number, "kind": period.kind, "rule": "R-06",
        "notice": notice.number})
    return period


# --- the one extension (R-05) ---------------------------------------------------------------


def request_extension(session: Session, actor: audit.Actor, user: CurrentUser,
                      tracking_number: str, days: int, reason: str) -> Completion:
    application, completion = _open_application(session, tracking_number, user)
    if completion.extension_state != "none":
        raise ConflictError("办结时限只能延长一次（《行政许可法》第四十二条）",
                            "The limit can be extended only once "
                            "(Licensing Law, art. 42)", field="days")
    if not 1 <= days <= MAX_EXTENSION_DAYS:
        raise UserError(f"延长期限为1至{MAX_EXTENSION_DAYS}个工作日（《行政许可法》第四十二条）",
                        f"An extension is 1 to {MAX_EXTENSION_DAYS} working days (Licensing Law, art. 42)",
                        field="days")
    completion.extension_reason = text(reason, "reason", "延期理由", "reason for the extension")
    completion.extension_requested, completion.extension_state = days, "requested"
    completion.extension_requested_by = user.id
    audit.record(session, actor, "intake.extension_requested", subject_of(application), {
        "tracking_number": application.tracking_number, "days": days, "rule": "R-05"})
    return completion


def decide_extension(session: Session, actor: audit.Actor, user: CurrentUser,
                     tracking_number: str, approve: bool) -> Completion:
    """The responsible person of the item's department approves or refuses the request."""
    application, completion = _open_application(session, tracking_number, user)
    if completion.extension_state != "requested":
        raise ConflictError("没有待审批的延期申请", "No extension request is waiting",
                            field="approve")
    heads = {d.department_id for d in departments_of(session, user) if d.head}
    if application.item.department_id not in heads:
        raise UserError("延长办结时限须经本部门负责人批准（《行政许可法》第四十二条）",
                        "An extension is approved by the "
                        "department's responsible person (Licensing Law, art. 42)", status=403,
                        code="forbidden")
    if completion.extension_requested_by == user.id:
        raise UserError("申请延期的人员不能自行批准（《行政许可法》第四十二条）",
                        "The requester may not approve its "
                        "own extension (Licensing Law, art. 42)", status=403, code="forbidden")
    completion.extension_decided_by = user.id
    if approve:
        completion.extension_state = "approved"
        completion.extension_days = completion.extension_requested
    else:
        completion.extension_state = "refused"
    session.flush()
    number = None
    if approve:
        from trading.intake import results

        state = clock_for(session, application)
        number = results.issue(session, user, application, "extension", {
            "rule": "R-05", "days": completion.extension_days,
            "reasons": completion.extension_reason,
            "due_day": state.due_day.isoformat() if state and state.due_day else None}).number
        _watch(session, application, completion)
    audit.record(session, actor, "intake.extension_decided", subject_of(application), {
        "tracking_number": application.tracking_number, "approved": approve,
        "days": completion.extension_days, "rule": "R-05", "notice": number})
    return completion


# --- parallel approval (City §26) -----------------------------------------------------------


def decide_task(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
                department_code: str, decision: str, reasons: str,
                overdue_reason: str = "") -> DepartmentTask:
    application, completion = _open_application(session, tracking_number, user)
    tasks = {t.department.code: t for t in tasks_of(session, application)}
    task = tasks.get(department_code)
    if task is None:
        raise UserError("该部门不参与本事项的审批，不能作出决定", "This department takes no part in "
                        "this item's approval and cannot decide it", field="department")
    if task.department_id not in {d.department_id for d in departments_of(session, user)}:
        raise UserError("您不属于该部门，不能代其作出决定", "You do not work for this department",
                        status=403, code="forbidden")
    if task.decision is not None:
        raise ConflictError("该部门已作出决定", "This department has decided already",
                            field="department")
    if decision not in (APPROVE, REFUSE):
        raise UserError("请选择同意或不同意", "Choose approve or refuse", field="decision")
    if decision == REFUSE:
        task.reasons = text(reasons, "reasons", "不同意的理由", "reasons for refusing")
    else:
        task.reasons = reasons.strip()[:MAX_TEXT]
    today = clock.legal_day(clock.now(session))
    state = clock_of(session, completion, periods_of(session, application), today)
    late = state.remaining < 0
    if late:
        task.overdue_reason = text(overdue_reason, "overdue_reason", "逾期原因",
                                   "reason for the late decision")
    task.decision, task.decided_at, task.decided_by = decision, clock.now(session), user.id
    session.flush()
    audit.record(session, actor, "intake.task_decided", subject_of(application), {
        "tracking_number": application.tracking_number, "department": department_code,
        "decision": decision, "late": late, "rule": "City §26"})
    if all(t.decision is not None for t in tasks.values()):
        from trading.intake import results

        results.complete(session, actor, user, application, completion, list(tasks.values()))
        _watch(session, application, completion)
    return task


def staff_tasks(session: Session, user: CurrentUser) -> list[tuple[Application, DepartmentTask]]:
    """The undecided tasks of the user's departments (staff see their own departments' work)."""
    mine = [d.department_id for d in departments_of(session, user)]
    if not mine:
        return []
    rows = session.execute(select(Application, DepartmentTask).join(
        DepartmentTask, DepartmentTask.application_id == Application.id).where(
        DepartmentTask.department_id.in_(mine), DepartmentTask.decision.is_(None)).order_by(
        Application.accepted_at).limit(200))
    return [(a, t) for a, t in rows]


def in_progress(session: Session, user: CurrentUser) -> list[Application]:
    """Accepted, not yet completed applications for the items of the user's departments (where
    periods are started and extensions requested)."""
    mine = [d.department_id for d in departments_of(session, user)]
    if not mine:
        return []
    from trading.intake.models import ServiceItem

    return list(session.scalars(select(Application).join(
        Completion, Completion.application_id == Application.id).join(
        ServiceItem, ServiceItem.id == Application.item_id).where(
        ServiceItem.department_id.in_(mine), Completion.completed_at.is_(None)).order_by(
        Application.accepted_at).limit(200)))
