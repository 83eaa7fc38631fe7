"""Review (复核) of the evaluation by the committee's chair or staff: a step sent back with a
reason — a member's marks reopened, or a rejection withdrawn — logged; every signature of the
report made before is void (the report is signed again once the step is done again).

A review may come after the tender became 已评标 (every report final): the tenderee reviews the
report before the candidates' publicity and has an error it finds corrected under the legal
procedure (发改法规规〔2022〕1117号, on the tenderee's review of the evaluation report);
until the candidates are published the tender simply goes back to 已开标
(``tender.evaluation_reopened``) and becomes 已评标 again when the report is signed again. Once
the candidates' publicity is out (``bidding.award``), a review is refused: the report is on the
public record and errors go through objections and complaints.
"""

from __future__ import annotations

import enum
import uuid

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from bidding.evaluation import rejection
from bidding.evaluation import room as rooms
from bidding.evaluation.models import BidRejection, MarkSubmission, ReportSignature
from bidding.lookup import get_tender, subject
from bidding.models import TenderState
from bidding.tendering import tenders
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Role
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_REASON = 500


class Step(enum.StrEnum):
    MARKS = "marks"  # reopen a member's submitted marks
    REJECTION = "rejection"  # withdraw a rejection (every member's marks reopen)


def _refuse_after_publicity(session: Session, section_id: uuid.UUID) -> None:
    """Once the candidates are published (R-35) the report is on the public record: an error
    in it is handled through objections and complaints, not by reopening the room."""
    # Imported here: the award stage reads the evaluation's report, not the other way round.
    from bidding.award import publicity

    if publicity.is_published(session, section_id):
        raise ConflictError("中标候选人已公示，评标报告不能再退回复核；如有异议，请通过异议或投诉程序处理",
                            "The candidates are published: the report can no longer be sent "
                            "back; errors go through objections and complaints")


def send_back(session: Session, actor: Actor, user_id: uuid.UUID, roles: frozenset[str] | set[str],
              tender_id: uuid.UUID, section_id: uuid.UUID, step: str, target: uuid.UUID,
              reason: str) -> int:
    """Send ``step`` back for ``target`` (a member's user id, or a bid id); the count of
    signatures made void."""
    rooms.evaluable(session, tender_id, section_id)
    _refuse_after_publicity(session, section_id)
    room = rooms.room_of(session, tender_id, section_id, lock=True)
    if Role.STAFF.value not in roles:
        rooms.member_of(session, user_id, tender_id, section_id)
        if room.chair_user_id != user_id:
            raise UserError("复核由评标委员会负责人或交易中心工作人员提出",
                            "A review is made by the chair or the centre's staff",
                            status=403, code="not_chair")
    reason = reason.strip()
    if not reason:
        raise UserError("请填写复核退回的理由", "Give the reason for sending the step back",
                        field="reason")
    if len(reason) > MAX_REASON:
        raise UserError(f"理由至多 {MAX_REASON} 字", f"At most {MAX_REASON} characters",
                        field="reason")
    if step == Step.MARKS.value:
        seated = {m.user_id for m in rooms.members(session, tender_id, section_id)}
        submitted = session.get(MarkSubmission, (section_id, target))
        if target not in seated or submitted is None:
            raise ConflictError("该成员尚未提交评分，无需退回",
                                "This member has not submitted: nothing to send back")
        session.delete(submitted)
    elif step == Step.REJECTION.value:
        if target not in rejection.rejected_ids(session, section_id):
            raise ConflictError("该投标未被否决", "This bid is not rejected")
        session.execute(delete(BidRejection).where(BidRejection.section_id == section_id,
                                                   BidRejection.bid_id == target))
        # The bid is back in the evaluation: every member marks it, so every submission reopens.
        session.execute(delete(MarkSubmission).where(MarkSubmission.section_id == section_id))
    else:
        raise UserError("请选择退回的步骤", "Choose the step to send back", field="step")
    now = clock.now(session)
    live = list(session.scalars(select(ReportSignature.id).where(
        ReportSignature.section_id == section_id, ReportSignature.void_at.is_(None))))
    if live:
        session.execute(update(ReportSignature).where(ReportSignature.id.in_(live))
                        .values(void_at=now))
    session.flush()
    supervision.record(session, actor, "evaluation.sent_back", subject(tender_id), {
        "section": str(section_id), "step": step, "target": str(target), "reason": reason,
        "signatures_void": len(live)})
    if get_tender(session, tender_id, lock=True).state == TenderState.EVALUATED.value:
        tenders.transition(session, actor, tender_id, TenderState.EVALUATED, TenderState.OPENED,
                           "tender.evaluation_reopened", {"section": str(section_id),
                                                          "step": step, "reason": reason})
    return len(live)
