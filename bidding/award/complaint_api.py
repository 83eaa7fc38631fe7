"""The complaint JSON API (投诉, R-38): the same services and rules as the pages, refusals as
problem details."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody
from sqlalchemy.orm import Session

from bidding.award import common, complaints
from bidding.award.models import Complaint
from bidding.lookup import get_tender
from bidding.tendering.supervisor import name_of
from bidding.web import API, BIDDERS, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.intake import refusals
from trading.params import IdText
from trading.params import text_length as bounded
from trading.web import actor_of, requires_role

READERS = requires_role(Role.STAFF, Role.TENDEREE, Role.BIDDER, Role.REGULATOR)
REGULATORS = requires_role(Role.REGULATOR)
BASE = f"{API}/complaints"
ONE = BASE + "/{complaint_id:uuid}"
MAX_BODY = 64 * 1024
Text = Annotated[str, bounded(common.MAX_TEXT)]


class ComplaintIn(msgspec.Struct, forbid_unknown_fields=True):
    objection_kind: Annotated[str, bounded(32)]  # documents_objection | result_objection
    objection_id: IdText | None
    text: Text


class AcceptanceIn(msgspec.Struct, forbid_unknown_fields=True):
    accept: bool
    reason: Text = ""


class ExclusionIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Literal["start", "end"]
    kind: Annotated[str, bounded(32)] = ""  # testing | expert_review
    reason: Text = ""


class PauseIn(msgspec.Struct, forbid_unknown_fields=True):
    pause: bool
    reason: Text = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Literal["dismissed", "upheld"]
    text: Text
    corrections: Text = ""


class ExclusionOut(msgspec.Struct):
    kind: str
    reason: str
    started_at: str
    ended_at: str | None
    working_days: int | None


class ComplaintOut(msgspec.Struct):
    id: str
    tender_id: str
    section_id: str | None
    status: str
    objection_kind: str
    objection_id: str
    objection_text: str
    objection_answer: str | None
    text: str
    knew_at: str
    filed_at: str
    accept_due: str
    accepted_at: str | None
    acceptance_reason: str | None
    decision_due: str | None
    excluded_working_days: int
    exclusions: list[ExclusionOut]
    award_paused: bool
    award_pause_reason: str | None
    decided_at: str | None
    decision_text: str | None
    corrections: str | None
    # 行政监督部门: the regulator organisation that handles it (None: any regulator).
    supervising_department: str | None = None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _out(session: Session, c: Complaint) -> ComplaintOut:
    return ComplaintOut(
        str(c.id), str(c.tender_id), str(c.section_id) if c.section_id else None, c.status,
        c.objection_kind, str(c.objection_id), c.objection_text, c.objection_answer, c.text,
        c.knew_at.isoformat(), c.filed_at.isoformat(), c.accept_due.isoformat(),
        _iso(c.accepted_at), c.acceptance_reason, _iso(c.decision_due), c.excluded_days,
        [ExclusionOut(p.kind, p.reason, p.started_at.isoformat(), _iso(p.ended_at),
                      p.working_days) for p in complaints.exclusions(session, c.id)],
        c.award_paused_at is not None, c.award_pause_reason, _iso(c.decided_at),
        c.decision_text, c.corrections,
        name_of(session, get_tender(session, c.tender_id).supervisor_org_id))


def _read(request: Request[Any, Any, Any], complaint_id: uuid.UUID) -> ComplaintOut:
    with db.read_only() as session:
        return _out(session, complaints.readable(session, user_of(request), complaint_id))


def _list(request: Request[Any, Any, Any]) -> list[ComplaintOut]:
    with db.read_only() as session:
        return [_out(session, c) for c in complaints.visible(session, user_of(request))]


@get(BASE, operation_id="listComplaints", guards=[READERS],
     summary="Complaints the caller may see: regulators and staff all, a bidder its own, a "
     "tenderee those on its tenders")
async def list_complaints(request: Request[Any, Any, Any]) -> list[ComplaintOut]:
    return await refusals.call(request, _list)


@get(ONE, operation_id="getComplaint", guards=[READERS],
     summary="One complaint with its attached objection, limits, excluded periods and decision")
async def get_complaint(request: Request[Any, Any, Any],
                        complaint_id: FromPath[uuid.UUID]) -> ComplaintOut:
    return await refusals.call(request, _read, complaint_id)


def _file(request: Request[Any, Any, Any], data: ComplaintIn) -> ComplaintOut:
    objection = parse_uuid(data.objection_id, "objection_id") if data.objection_id else None
    with db.transaction() as session:
        found = complaints.file_complaint(session, actor_of(request),
                                          user_of(request).organization_id, data.objection_kind,
                                          objection, data.text)
        complaint_id = found.id
    return _read(request, complaint_id)


@post(BASE, operation_id="fileComplaint", guards=[BIDDERS], status_code=201,
      request_max_body_size=MAX_BODY,
      summary="A bidder complains after its objection was answered or left unanswered, within "
      "10 days of knowing (R-38)")
async def file_complaint(request: Request[Any, Any, Any],
                         data: JSONBody[ComplaintIn]) -> ComplaintOut:
    return await refusals.call(request, _file, data)


def _act(request: Request[Any, Any, Any], complaint_id: uuid.UUID, action: Any) -> ComplaintOut:
    with db.transaction() as session:
        action(session)
    return _read(request, complaint_id)


@post(f"{ONE}/acceptance", operation_id="decideComplaintAcceptance", guards=[REGULATORS],
      status_code=200, request_max_body_size=MAX_BODY,
      summary="A regulator accepts the complaint, or does not with a reason (3 working days)")
async def acceptance(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                     data: JSONBody[AcceptanceIn]) -> ComplaintOut:
    return await refusals.call(request, _act, complaint_id, lambda s: complaints.decide_acceptance(
        s, actor_of(request), complaint_id, data.accept, data.reason))


def _exclusion(request: Request[Any, Any, Any], complaint_id: uuid.UUID,
               data: ExclusionIn) -> Any:
    def act(session: Session) -> None:
        if data.action == "end":
            complaints.end_exclusion(session, actor_of(request), complaint_id)
        else:
            complaints.start_exclusion(session, actor_of(request), complaint_id, data.kind,
                                       data.reason)
    return act


@post(f"{ONE}/exclusions", operation_id="complaintExcludedPeriod", guards=[REGULATORS],
      status_code=200, request_max_body_size=MAX_BODY,
      summary="A regulator starts or ends a period of testing or expert review, not counted in "
      "the 30 working days")
async def exclusion(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                    data: JSONBody[ExclusionIn]) -> ComplaintOut:
    return await refusals.call(request, _act, complaint_id, _exclusion(request, complaint_id, data))


@post(f"{ONE}/award-pause", operation_id="complaintAwardPause", guards=[REGULATORS],
      status_code=200, request_max_body_size=MAX_BODY,
      summary="A regulator orders the award paused (with a reason) or lifts the pause")
async def award_pause(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                      data: JSONBody[PauseIn]) -> ComplaintOut:
    def act(session: Session) -> None:
        if data.pause:
            complaints.pause_award(session, actor_of(request), complaint_id, data.reason)
        else:
            complaints.lift_pause(session, actor_of(request), complaint_id)
    return await refusals.call(request, _act, complaint_id, act)


@post(f"{ONE}/decision", operation_id="decideComplaint", guards=[REGULATORS], status_code=200,
      request_max_body_size=MAX_BODY,
      summary="A regulator decides: dismissed, or upheld with what must be corrected")
async def decision(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                   data: JSONBody[DecisionIn]) -> ComplaintOut:
    return await refusals.call(request, _act, complaint_id, lambda s: complaints.decide(
        s, actor_of(request), complaint_id, data.decision == "upheld", data.text,
        data.corrections))


ROUTES = [list_complaints, get_complaint, file_complaint, acceptance, exclusion, award_pause,
          decision]
