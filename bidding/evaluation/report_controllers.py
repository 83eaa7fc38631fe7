"""The evaluation JSON API for rejections, the report and its signatures, and review (复核):
the same services and rules as the pages, refusals as problem details."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from bidding.evaluation import marks, rejection, review
from bidding.evaluation import report as reports
from bidding.evaluation import room as rooms
from bidding.evaluation.controllers import standings_out
from bidding.evaluation.schemas import StandingOut
from bidding.web import API, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.params import IdText
from trading.params import text_length as bounded
from trading.web import actor_of, blocking, language, requires_role

EXPERTS = requires_role(Role.EXPERT)
VIEWERS = requires_role(Role.EXPERT, Role.STAFF, Role.REGULATOR)
REVIEWERS = requires_role(Role.EXPERT, Role.STAFF)
ROOM = f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/evaluation"
Reason = Annotated[str, bounded(rejection.MAX_REASON)]


class RejectionIn(msgspec.Struct, forbid_unknown_fields=True):
    bid_id: IdText
    ground: Annotated[str, bounded(20)]
    reason: Reason


class RejectionOut(msgspec.Struct):
    bid_id: str
    bidder: str
    ground: str
    basis: str
    reason: str


class SignatureIn(msgspec.Struct, forbid_unknown_fields=True):
    sha256: Annotated[str, bounded(64)]
    agree: bool
    dissent: Annotated[str, bounded(reports.MAX_DISSENT)] = ""


class SignatureOut(msgspec.Struct):
    expert_number: str
    name: str
    signed: bool
    dissent: str | None


class ReportOut(msgspec.Struct):
    sha256: str
    complete: bool  # every seated member has submitted
    final: bool  # every seated member signed this hash
    signatures: list[SignatureOut]
    rejections: list[RejectionOut]
    candidates: list[str]  # bid ids, ranked
    void_marks: int
    standings: list[StandingOut]  # with the price comparison table (lowest evaluated price)


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    step: Annotated[str, bounded(20)]  # "marks" (target: a member's user id) or "rejection" (a bid)
    target: IdText
    reason: Reason


def _out(found: rejection.Rejection, lang: str) -> RejectionOut:
    return RejectionOut(str(found.bid_id), found.bidder, found.ground.code,
                        found.ground.citation(lang), found.reason)


def _reject(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
            data: RejectionIn) -> RejectionOut:
    with db.transaction() as session:
        found = rejection.reject(session, actor_of(request), user_of(request).id, tender_id,
                                 section_id, parse_uuid(data.bid_id, "bid_id"), data.ground,
                                 data.reason)
    return _out(found, language(request))


@post(f"{ROOM}/rejections", operation_id="rejectBid", guards=[EXPERTS], status_code=201,
      summary="The chair records the committee's rejection of a bid (否决投标) with its legal "
      "ground (条例第五十一条: unsigned, no_consortium, unqualified, two_bids, price, "
      "non_responsive, misconduct) and the reason")
async def reject_bid(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID], data: JSONBody[RejectionIn]) -> RejectionOut:
    return await blocking(_reject, request, tender_id, section_id, data)


def _report(user: CurrentUser, lang: str, tender_id: uuid.UUID,
            section_id: uuid.UUID) -> ReportOut:
    with db.read_only() as session:
        if not user.has_any({Role.STAFF.value, Role.REGULATOR.value}):
            rooms.member_of(session, user.id, tender_id, section_id)
            if not marks.can_see_marks(session, user.id, section_id):
                raise UserError("提交本人评分后方可查看评标报告",
                                "The report shows once you have submitted your marks",
                                status=409, code="not_submitted")
        found = reports.report(session, tender_id, section_id)
    return ReportOut(
        found.sha256, found.summary.complete, found.final,
        [SignatureOut(s.member.expert_number, s.member.name, s.signed, s.dissent)
         for s in found.signatures],
        [_out(r, lang) for r in found.summary.rejections],
        [r.bidder for r in found.summary.candidates], found.void_marks,
        standings_out(found.summary))


@get(f"{ROOM}/report", operation_id="getEvaluationReport", guards=[VIEWERS],
     summary="The evaluation report's SHA-256, signatures and dissents, rejections and "
     "candidates (staff, regulators; a member after submitting)")
async def get_report(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID]) -> ReportOut:
    return await blocking(_report, user_of(request), language(request), tender_id, section_id)


def _sign(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          data: SignatureIn) -> ReportOut:
    user = user_of(request)
    with db.transaction() as session:
        reports.sign(session, actor_of(request), user.id, tender_id, section_id, data.sha256,
                     data.agree, data.dissent)
    return _report(user, language(request), tender_id, section_id)


@post(f"{ROOM}/report/signatures", operation_id="signEvaluationReport", guards=[EXPERTS],
      status_code=200, summary="A member signs the report's SHA-256 as read; agree false needs "
      "a dissent with reasons (and still signs)")
async def sign_report(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      section_id: FromPath[uuid.UUID], data: JSONBody[SignatureIn]) -> ReportOut:
    return await blocking(_sign, request, tender_id, section_id, data)


def _review(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
            data: ReviewIn) -> dict[str, Any]:
    user = user_of(request)
    with db.transaction() as session:
        void = review.send_back(session, actor_of(request), user.id, user.roles, tender_id,
                                section_id, data.step, parse_uuid(data.target, "target"),
                                data.reason)
    return {"step": data.step, "target": data.target, "signatures_void": void}


@post(f"{ROOM}/review", operation_id="reviewEvaluation", guards=[REVIEWERS], status_code=200,
      summary="Review (复核) by the chair or staff: send a step back with a reason (a member's "
      "marks, or a rejection); every signature of the report so far is void")
async def send_back(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                    section_id: FromPath[uuid.UUID], data: JSONBody[ReviewIn]) -> dict[str, Any]:
    return await blocking(_review, request, tender_id, section_id, data)


ROUTES = [reject_bid, get_report, sign_report, send_back]
