"""The award JSON API: the same services and rules as the pages, refusals as problem details.
(The contract, a file upload, is filed from the page.)"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from bidding.award import common, decision, objections, publicity
from bidding.lookup import get_tender
from bidding.web import API, BIDDERS, MANAGERS, check_manager, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.intake import refusals
from trading.params import IdText, SmallCount
from trading.params import text_length as bounded
from trading.web import actor_of, requires_role

READERS = requires_role(Role.STAFF, Role.TENDEREE, Role.BIDDER, Role.REGULATOR)
SECTION = f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/award"
MAX_BODY = 64 * 1024
Text = Annotated[str, bounded(common.MAX_TEXT)]


class PublicityIn(msgspec.Struct, forbid_unknown_fields=True):
    days: SmallCount
    objection_method: Text
    objection_contact: Annotated[str, bounded(200)]


class ObjectionIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Text


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    answer: Text


class WinnerIn(msgspec.Struct, forbid_unknown_fields=True):
    winner: IdText  # the candidate's organisation id
    reason: Annotated[str, bounded(common.MAX_REASON)] = ""


class CandidateOut(msgspec.Struct):
    rank: int
    organization_id: str
    bidder: str
    price_fen: int
    score: str


class ObjectionOut(msgspec.Struct):
    id: str
    text: str
    raised_at: str
    answer_due: str
    answer: str | None
    answered_at: str | None


class AwardOut(msgspec.Struct):
    report_final: bool
    publish_due: str | None
    published_at: str | None
    publicity_ends_at: str | None
    candidates: list[CandidateOut]
    objections: list[ObjectionOut]
    paused: bool  # an objection is unanswered
    winner_organization_id: str | None
    awarded_at: str | None
    contract_due: str | None


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _state(request: Request[Any, Any, Any], tender_id: uuid.UUID,
           section_id: uuid.UUID) -> AwardOut:
    user = user_of(request)
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        manages, org = common.access(session, user, tender)
        common.section(session, tender_id, section_id)
        row = common.state_of(session, section_id)
        found = objections.of_section(session, section_id, None if manages else org)
        return AwardOut(
            report_final=row is not None, publish_due=_iso(row.publish_due if row else None),
            published_at=_iso(row.published_at if row else None),
            publicity_ends_at=_iso(row.publicity_ends_at if row else None),
            candidates=[CandidateOut(c["rank"], c["org_id"], c["bidder"], c["price_fen"],
                                     c["score"]) for c in (row.candidates or [] if row else [])],
            objections=[ObjectionOut(str(o.id), o.text, o.raised_at.isoformat(),
                                     o.answer_due.isoformat(), o.answer, _iso(o.answered_at))
                        for o in found],
            paused=bool(objections.open_objections(session, section_id)),
            winner_organization_id=str(row.winner_org_id) if row and row.winner_org_id else None,
            awarded_at=_iso(row.awarded_at if row else None),
            contract_due=_iso(row.contract_due if row else None))


@get(SECTION, operation_id="getSectionAward", guards=[READERS],
     summary="A section's candidate publicity, objections to the result, award and contract "
     "limit (managers, regulators, the section's bidders: their own objections)")
async def get_award(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                    section_id: FromPath[uuid.UUID]) -> AwardOut:
    return await refusals.call(request, _state, tender_id, section_id)


def _managed(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
             action: Any) -> AwardOut:
    with db.transaction() as session:
        check_manager(user_of(request), get_tender(session, tender_id))
        action(session)
    return _state(request, tender_id, section_id)


@post(f"{SECTION}/publicity", operation_id="publishCandidates", guards=[MANAGERS],
      status_code=201, request_max_body_size=MAX_BODY,
      summary="Publish the final report's candidates (中标候选人公示) for at least 3 days")
async def publish_candidates(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                             section_id: FromPath[uuid.UUID],
                             data: JSONBody[PublicityIn]) -> AwardOut:
    return await refusals.call(request, _managed, tender_id, section_id, lambda s: publicity.publish(
        s, actor_of(request), tender_id, section_id, data.days, data.objection_method,
        data.objection_contact))


def _object(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
            data: ObjectionIn) -> AwardOut:
    with db.transaction() as session:
        objections.raise_objection(session, actor_of(request), tender_id, section_id,
                                   user_of(request).organization_id, data.text)
    return _state(request, tender_id, section_id)


@post(f"{SECTION}/objections", operation_id="raiseResultObjection", guards=[BIDDERS],
      status_code=201, request_max_body_size=MAX_BODY,
      summary="A bidder of the section objects to the result during the publicity (异议)")
async def raise_objection(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                          section_id: FromPath[uuid.UUID], data: JSONBody[ObjectionIn]) -> AwardOut:
    return await refusals.call(request, _object, tender_id, section_id, data)


def _answer(request: Request[Any, Any, Any], tender_id: uuid.UUID, objection_id: uuid.UUID,
            data: AnswerIn) -> AwardOut:
    with db.transaction() as session:
        check_manager(user_of(request), get_tender(session, tender_id))
        found = objections.answer_objection(session, actor_of(request), tender_id, objection_id,
                                            data.answer)
        section_id = found.section_id
    return _state(request, tender_id, section_id)


@post(f"{API}/tenders/{{tender_id:uuid}}/award-objections/{{objection_id:uuid}}/answer",
      operation_id="answerResultObjection", guards=[MANAGERS], status_code=200,
      request_max_body_size=MAX_BODY,
      summary="The tenderee (or staff) answers an objection to the result; the bidder is told")
async def answer_objection(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                           objection_id: FromPath[uuid.UUID], data: JSONBody[AnswerIn]) -> AwardOut:
    return await refusals.call(request, _answer, tender_id, objection_id, data)


@post(f"{SECTION}/winner", operation_id="confirmWinner", guards=[MANAGERS], status_code=201,
      request_max_body_size=MAX_BODY,
      summary="Confirm the winner after the publicity with no objection pending: a published "
      "candidate, other than the first only with a reason; issues the award and result notices")
async def confirm_winner(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         section_id: FromPath[uuid.UUID], data: JSONBody[WinnerIn]) -> AwardOut:
    return await refusals.call(request, _managed, tender_id, section_id, lambda s: decision.confirm(
        s, actor_of(request), tender_id, section_id, parse_uuid(data.winner, "winner"),
        data.reason))


ROUTES = [get_award, publish_candidates, raise_objection, answer_objection, confirm_winner]
