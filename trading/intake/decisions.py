"""The decision on receipt (R-01..R-04): accept (受理通知书), refuse with reasons (不予受理通知书)
or list every correction in a one-time notice (一次性告知通知书), within 5 working days of
receipt; past that limit the application counts as accepted from receipt (R-03), by a job.
Every notice is numbered, dated and signed with the approval seal (R-04)."""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trading import audit, calendar, calendar_years, clock, jobs
from trading.accounts.services import CurrentUser
from trading.errors import ConflictError, NotFoundError, UserError
from trading.intake import completion, regions, seal
from trading.intake.models import (
    Application,
    ApplicationFile,
    ApplicationStatus,
    Notice,
    NoticeKind,
)

RECEIPT_LIMIT_DAYS = 5  # City §21(3), Licensing Law §32
RECEIPT_JOB = "acceptance.receipt_limit"  # a job kind, not a logged action
ALERT_KIND = "intake.time_limit"
NOTICE_PREFIX = {NoticeKind.ACCEPTANCE: "SL", NoticeKind.REFUSAL: "BSL",
                 NoticeKind.ONE_TIME: "GZ"}
TITLES = {NoticeKind.ACCEPTANCE: "受理通知书", NoticeKind.REFUSAL: "不予受理通知书",
          NoticeKind.ONE_TIME: "一次性告知通知书"}
MAX_REASON = 2000
SYSTEM = audit.Actor.system("intake")
S = ApplicationStatus


@dataclass(frozen=True)
class MaterialCheck:
    material_id: uuid.UUID
    conforming: bool
    correction: str


def subject_of(application: Application) -> str:
    return f"intake-application:{application.tracking_number}"


def set_receipt_limit(session: Session, application: Application, start: dt.datetime) -> None:
    """The decision is due 5 working days after ``start`` (the start day not counted, R-00a);
    scheduled and watched (yellow before, red after) in the caller's transaction."""
    period = calendar_years.Period("R-03", clock.legal_day(start), RECEIPT_LIMIT_DAYS,
                                   working_days=True)
    end = calendar_years.period_end(session, period)
    application.decision_due_day = end.end
    application.decision_due_provisional = end.provisional
    due_at = clock.legal_end_of_day_utc(end.end)
    subject = subject_of(application)
    jobs.schedule(session, RECEIPT_JOB, subject, due_at, {"day": end.end.isoformat()})
    audit.watch_deadline(session, ALERT_KIND, subject, "staff", due_at,
                         f"受理审查时限（R-03）：{application.tracking_number}",
                         f"Decision on receipt due (R-03): {application.tracking_number}")


def remaining_working_days(session: Session, application: Application) -> int | None:
    """Working days left to decide: 0 = due today, negative = overdue; None once decided."""
    if application.status != S.RECEIVED.value or application.decision_due_day is None:
        return None
    today = clock.legal_day(clock.now(session))
    return calendar.working_days_between(session, today, application.decision_due_day)


def deem_accepted(session: Session, application: Application) -> bool:
    """R-03: no notice within the limit, so the application is accepted from receipt."""
    if application.status != S.RECEIVED.value:
        return False
    application.status = S.DEEMED_ACCEPTED.value
    application.accepted_at = application.submitted_at
    audit.record(session, SYSTEM, "intake.deemed_accepted", subject_of(application), {
        "tracking_number": application.tracking_number, "rule": "R-03",
        "due_day": application.decision_due_day.isoformat()
        if application.decision_due_day else None})
    completion.on_accepted(session, application)  # the completion limit runs from here
    return True


def on_receipt_limit(session: Session, job: jobs.ScheduledJob) -> None:
    """The job at the end of the limit's last day."""
    tracking = job.subject.removeprefix("intake-application:")
    application = session.scalar(select(Application).where(
        Application.tracking_number == tracking).with_for_update(of=Application))
    if application is not None:
        deem_accepted(session, application)


def _locked(session: Session, tracking_number: str) -> Application:
    found = session.scalar(select(Application).where(
        Application.tracking_number == tracking_number[:32]).with_for_update(of=Application))
    if found is None:
        raise NotFoundError("申请", "Application")
    return found


def _check_text(text: str, field: str, what_zh: str, what_en: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(f"请填写{what_zh}", f"Enter the {what_en}", field=field)
    if len(text) > MAX_REASON:
        raise UserError(f"{what_zh}不超过{MAX_REASON}字", f"The {what_en} takes at most "
                        f"{MAX_REASON} characters", field=field)
    return text


def _corrections(application: Application,
                 checks: Mapping[uuid.UUID, MaterialCheck]) -> list[dict[str, object]]:
    """Every material ticked conforming or not; every non-conforming one with its correction."""
    unticked = [m for m in application.item.materials if m.id not in checks]
    if unticked:
        raise UserError("请逐项审查材料：" + "、".join(f"“{m.name}”" for m in unticked) + "未勾选是否符合",
                        "Tick every material as conforming or not: "
                        + ", ".join(f"'{m.name}'" for m in unticked) + " not ticked",
                        field=f"check-{unticked[0].id}")
    listed = []
    for material in application.item.materials:
        check = checks[material.id]
        entry: dict[str, object] = {"material": material.name, "conforming": check.conforming}
        if not check.conforming:
            entry["correction"] = _check_text(check.correction, f"correction-{material.id}",
                                              f"“{material.name}”需补正的内容",
                                              f"correction for '{material.name}'")
        listed.append(entry)
    if all(entry["conforming"] for entry in listed):
        raise UserError("一次性告知须至少列出一项需补正的材料；材料齐全请受理（R-01）", "A one-time "
                        "notice lists at least one correction; accept a complete application "
                        "(R-01)", field="decision")
    return listed


def _number(session: Session, application: Application, kind: NoticeKind) -> str:
    issued = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.application_id == application.id)) or 0
    return f"{NOTICE_PREFIX[kind]}{application.tracking_number[2:]}-{issued + 1}"


def decide(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
           kind: NoticeKind, reasons: str, checks: Sequence[MaterialCheck],
           overdue_reason: str = "") -> Notice:
    """Issue the decision on receipt as a signed notice."""
    application = _locked(session, tracking_number)
    regions.require(session, user, application)  # staff decide their own region's (City §30)
    now = clock.now(session)
    today = clock.legal_day(now)
    late = application.decision_due_day is not None and today > application.decision_due_day
    if application.status not in (S.RECEIVED.value, S.DEEMED_ACCEPTED.value):
        raise ConflictError("该申请已作出受理决定", "This application has been decided already",
                            field="decision")
    if late or application.status == S.DEEMED_ACCEPTED.value:
        if kind is not NoticeKind.ACCEPTANCE:
            raise UserError("已超过5个工作日受理审查时限，依R-03自收到申请之日起即为受理，不能再不予受理"
                            "或一次性告知", "The 5-working-day limit has passed: under R-03 the "
                            "application counts as accepted from receipt; it can no longer be "
                            "refused or sent a one-time notice", status=409, field="decision",
                            code="deemed_accepted")
        overdue_reason = _check_text(overdue_reason, "overdue_reason", "逾期原因",
                                     "reason for the late decision")
        deem_accepted(session, application)
    content: dict[str, object] = {
        "title": TITLES[kind], "kind": kind.value, "tracking_number": application.tracking_number,
        "item": {"code": application.item.code, "name": application.item.name},
        "department": application.item.department.name_zh,
        "applicant": application.applicant_name,
        "received_at": clock.format_local(application.submitted_at),
        "issued_day": today.isoformat(), "issued_at": clock.format_local(now),
        "seal": regions.seal_of(application.item.department),
    }
    if kind is NoticeKind.ACCEPTANCE:
        accepted = application.accepted_at or now
        content["rule"] = "R-01" if not late else "R-03"
        content["accepted_from"] = clock.format_local(accepted)
        if overdue_reason:
            content["overdue_reason"] = overdue_reason
        application.status, application.accepted_at = S.ACCEPTED.value, accepted
        completion.on_accepted(session, application)  # the completion limit runs from here
    elif kind is NoticeKind.REFUSAL:
        content["rule"] = "R-02"
        content["reasons"] = _check_text(reasons, "reasons", "不予受理的理由", "reasons")
        application.status = S.REFUSED.value
    else:
        content["rule"] = "R-03"
        content["corrections"] = _corrections(application, {c.material_id: c for c in checks})
        application.status = S.CORRECTION.value
    number = _number(session, application, kind)
    content["number"] = number
    notice = Notice(id=uuid.uuid4(), number=number, kind=kind.value, application_id=application.id,
                    issued_at=now, issued_by=user.id, content=content,
                    signature=seal.sign(content), public_key=seal.public_key_b64())
    session.add(notice)
    session.flush()
    subject = subject_of(application)
    jobs.cancel(session, RECEIPT_JOB, subject)
    audit.resolve_deadline(session, ALERT_KIND, subject, f"notice {number}")
    audit.record(session, actor, "intake.notice_issued", subject, {
        "number": number, "kind": kind.value, "rule": content["rule"],
        "tracking_number": application.tracking_number, "signature": notice.signature,
        "late": late})
    return notice


def correct(session: Session, actor: audit.Actor, tracking_number: str,
            replacements: Mapping[uuid.UUID, ApplicationFile]) -> Application:
    """The applicant hands in the corrected materials after a one-time notice: received anew,
    with a new 5-working-day limit (R-03)."""
    application = _locked(session, tracking_number)
    if application.status != S.CORRECTION.value:
        raise ConflictError("该申请当前无需补正", "This application needs no correction now",
                            field="materials")
    if not replacements:
        raise UserError("请上传补正后的材料", "Upload the corrected materials", field="materials")
    for material_id, new in replacements.items():
        application.files = [f for f in application.files if f.material_id != material_id]
        application.files.append(new)
    application.status = S.RECEIVED.value
    now = clock.now(session)
    set_receipt_limit(session, application, now)
    audit.record(session, actor, "intake.corrected", subject_of(application), {
        "tracking_number": application.tracking_number,
        "files": [{"material": f.material_name, "sha256": f.sha256, "size": f.size}
                  for f in replacements.values()]})
    return application


def notice(session: Session, number: str) -> Notice:
    found = session.scalar(select(Notice).where(Notice.number == number[:32]))
    if found is None:
        raise NotFoundError("通知书", "Notice")
    return found


def notices_of(session: Session, application: Application) -> list[Notice]:
    return list(session.scalars(select(Notice).where(
        Notice.application_id == application.id).order_by(Notice.issued_at)))


def verify_public(session: Session, number: str, code: str) -> tuple[Notice, bool]:
    """A notice for anyone holding its number and the application's verification code, and
    whether its seal verifies. A wrong code is answered like an unknown number."""
    found = session.scalar(select(Notice).where(Notice.number == number[:32]))
    application = session.get(Application, found.application_id) if found else None
    if found is None or application is None or not secrets.compare_digest(
            application.verification_code.encode(), code[:8].encode()):
        raise NotFoundError("通知书（或验证码不符）", "Notice (or the code does not match)")
    return found, seal.verify(found.content, found.signature, found.public_key)


def queue(session: Session, user: CurrentUser) -> list[Application]:
    """Applications of the user's regions waiting for a decision on receipt, the most urgent
    first."""
    query = select(Application).where(
        Application.status.in_([S.RECEIVED.value, S.DEEMED_ACCEPTED.value]))
    seen = regions.seen_by(session, user)
    if seen is not None:
        query = query.where(regions.of_applications(seen))
    return list(session.scalars(query.order_by(
        Application.decision_due_day, Application.submitted_at).limit(200)))
