"""Sealed documents of the completion stage (R-04, R-06, issue 12 part 4): the written notice of
an excluded period's start and end (R-06 says the applicant is told in writing), the extension
notice (R-05), and the result — 准予行政许可决定书 when every participating department approved,
不予行政许可决定书 with every refusal's reasons otherwise. They are stored as notices, so the
public verification URL (/intake/verify) checks them like the notices on receipt.

Public results go to disclosure (notice type ``intake_result``) through a publisher the
disclosure domain installs (the core imports no domain); a person's result is not published
(personal privacy, R-40), an organisation's is.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trading import audit, clock
from trading.accounts.services import CurrentUser
from trading.intake import library, regions, seal
from trading.intake.applications import Upload
from trading.intake.completion_models import Completion, DepartmentTask
from trading.intake.library_models import LibraryCategory
from trading.intake.models import ApplicantKind, Application, Notice

PREFIX = {"pause_start": "ZT", "pause_end": "HF", "extension": "YQ", "approval": "XK",
          "disapproval": "BXK"}
TITLES = {"pause_start": "暂停计时告知书", "pause_end": "恢复计时告知书",
          "extension": "延长办理期限告知书", "approval": "准予行政许可决定书",
          "disapproval": "不予行政许可决定书"}
RESULT_KINDS = ("approval", "disapproval")
STATUS = {"approval": "approved", "disapproval": "not_approved"}

Publisher = Callable[[Session, audit.Actor, dict[str, Any]], str]
_publisher: Publisher | None = None


def install_publisher(publisher: Publisher) -> None:
    """Called by the disclosure domain when it is loaded: publishes an ``intake_result``."""
    global _publisher
    _publisher = publisher


def issue(session: Session, user: CurrentUser | None, application: Application, kind: str,
          extra: dict[str, Any]) -> Notice:
    """Number, date and seal one document about ``application``."""
    now = clock.now(session)
    issued = session.scalar(select(func.count()).select_from(Notice).where(
        Notice.application_id == application.id)) or 0
    number = f"{PREFIX[kind]}{application.tracking_number[2:]}-{issued + 1}"
    content: dict[str, Any] = {
        "title": TITLES[kind], "kind": kind, "number": number,
        "tracking_number": application.tracking_number,
        "item": {"code": application.item.code, "name": application.item.name},
        "department": application.item.department.name_zh,
        "applicant": application.applicant_name,
        "received_at": clock.format_local(application.submitted_at),
        "issued_day": clock.legal_day(now).isoformat(), "issued_at": clock.format_local(now),
        "seal": regions.seal_of(application.item.department), **extra,
    }
    notice = Notice(id=uuid.uuid4(), number=number, kind=kind, application_id=application.id,
                    issued_at=now, issued_by=user.id if user else None, content=content,
                    signature=seal.sign(content), public_key=seal.public_key_b64())
    session.add(notice)
    session.flush()
    return notice


def _into_library(session: Session, actor: audit.Actor, application: Application,
                  notice: Notice) -> None:
    """R-07: a licence issued is on record for the applicant's next application: the sealed
    document (content, signature and key, as /intake/verify checks it) goes into its library."""
    document = {"content": notice.content, "signature": notice.signature,
                "public_key": notice.public_key}
    library.file_issued(session, actor, application, LibraryCategory.LICENCE,
                        f"{TITLES[notice.kind]}（{notice.number}）",
                        Upload(f"{notice.number}.json", seal.canonical(document)),
                        "application/json", None)


def complete(session: Session, actor: audit.Actor, user: CurrentUser | None,
             application: Application, completion: Completion,
             tasks: Sequence[DepartmentTask]) -> Notice:
    """Every department has decided: issue the result, complete the application."""
    refusals = [t for t in tasks if t.decision == "refuse"]
    kind = "disapproval" if refusals else "approval"
    decisions = [{"department": t.department.name_zh, "decision": t.decision,
                  "reasons": t.reasons, **({"overdue_reason": t.overdue_reason}
                                           if t.overdue_reason else {})}
                 for t in sorted(tasks, key=lambda t: t.department.code)]
    notice = issue(session, user, application, kind, {
        "rule": "R-05", "decisions": decisions,
        "reasons": "；".join(f"{t.department.name_zh}：{t.reasons}" for t in refusals)})
    completion.completed_at, completion.result = clock.now(session), STATUS[kind]
    completion.result_number = notice.number
    application.status = STATUS[kind]
    if kind == "approval":
        _into_library(session, actor, application, notice)
    published = None
    if _publisher is not None and application.applicant_kind == ApplicantKind.ORGANISATION.value:
        published = _publisher(session, actor, {
            "tender_ref": application.tracking_number,
            "region": application.item.department.region.name_zh,
            "title": f"{application.item.name}审批结果公开（{application.tracking_number}）",
            "data": {"service_item": application.item.name,
                     "applicant": application.applicant_name,
                     "department": application.item.department.name_zh,
                     "decision": TITLES[kind], "decided_at": notice.content["issued_day"],
                     "document_number": notice.number}})
    audit.record(session, actor, "intake.completed", f"intake-application:"
                 f"{application.tracking_number}", {
                     "tracking_number": application.tracking_number, "result": STATUS[kind],
                     "notice": notice.number, "signature": notice.signature,
                     "published": published})
    return notice
