"""The evaluation JSON API (bearer token): a draft's method, and the committee's room — state,
chair votes, marks, submission and the summary — with the same rules as the pages."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post, put
from litestar.params import FromPath, JSONBody

from bidding import lookup, web
from bidding.evaluation import marks, plans, presets
from bidding.evaluation import room as rooms
from bidding.evaluation.schemas import (
    AdjustmentOut,
    BidOut,
    MarksIn,
    MemberOut,
    MethodIn,
    MethodOut,
    OutlierOut,
    RoomOut,
    StandingOut,
    SummaryOut,
    VoteIn,
)
from bidding.web import API, MANAGERS, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import actor_of, blocking, language, requires_role

EXPERTS = requires_role(Role.EXPERT)
VIEWERS = requires_role(Role.EXPERT, Role.STAFF, Role.REGULATOR)
ROOM = f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/evaluation"


def _method(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: MethodIn) -> MethodOut:
    with db.transaction() as session:
        web.check_manager(user_of(request), lookup.get_tender(session, tender_id))
        method = plans.set_method(
            session, actor_of(request), tender_id, data.preset,
            {p.criterion: p.points for p in data.points},
            {k: v for k, v in (("points", data.price_points), ("coefficient", data.coefficient))
             if v is not None})
        tender = lookup.get_tender(session, tender_id)
        lines = [f"{heading}：{'；'.join(items)}" if items else heading
                 for heading, items in presets.describe(method, language(request))]
        return MethodOut(str(tender_id), tender.evaluation_method, tender.evaluation_plan or {},
                         lines)


@put(f"{API}/tenders/{{tender_id:uuid}}/evaluation-method", operation_id="setEvaluationMethod",
     guards=[MANAGERS], status_code=200,
     summary="Set a draft tender's evaluation method from a preset, adjusted (refused after "
     "publication)")
async def set_method(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     data: JSONBody[MethodIn]) -> MethodOut:
    return await blocking(_method, request, tender_id, data)


def _is_overseer(user: CurrentUser) -> bool:
    return Role.STAFF.value in user.roles or Role.REGULATOR.value in user.roles


def _room(user: CurrentUser, tender_id: uuid.UUID, section_id: uuid.UUID) -> RoomOut:
    with db.read_only() as session:
        tender, _section, _method = rooms.evaluable(session, tender_id, section_id)
        member = None if _is_overseer(user) else rooms.member_of(session, user.id, tender_id,
                                                                  section_id)
        election = rooms.election(session, tender_id, section_id)
        chair = election.chair.user_id if election.chair else None
        shows_progress = member is None or chair == user.id
        progress = {p.member.user_id: p.submitted
                    for p in marks.progress(session, tender_id, section_id)}
        return RoomOut(
            str(tender_id), str(section_id), election.round,
            [str(m.user_id) for m in election.candidates], len(election.voted),
            str(chair) if chair else None,
            [MemberOut(str(m.user_id), m.name, m.expert_number, m.checked_in, m.pledged,
                       m.user_id == chair, progress.get(m.user_id) if shows_progress else None)
             for m in rooms.members(session, tender_id, section_id)],
            [BidOut(str(b.id), b.bidder, b.price_fen, b.status, b.valid)
             for b in rooms.opened_bids(session, section_id)],
            tender.evaluation_plan or {})


@get(ROOM, operation_id="getEvaluationRoom", guards=[VIEWERS],
     summary="A section's evaluation room: members, the chair election, the opened bids, the "
     "method (members of the committee, staff, regulators)")
async def get_room(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                   section_id: FromPath[uuid.UUID]) -> RoomOut:
    return await blocking(_room, user_of(request), tender_id, section_id)


def _vote(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          data: VoteIn) -> RoomOut:
    user = user_of(request)
    with db.transaction() as session:
        rooms.vote(session, actor_of(request), user.id, tender_id, section_id,
                   parse_uuid(data.candidate_user_id, "candidate_user_id"))
    return _room(user, tender_id, section_id)


@post(f"{ROOM}/chair-votes", operation_id="voteEvaluationChair", guards=[EXPERTS],
      status_code=200, summary="A member's vote in the current round of the chair election")
async def vote(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
               section_id: FromPath[uuid.UUID], data: JSONBody[VoteIn]) -> RoomOut:
    return await blocking(_vote, request, tender_id, section_id, data)


def _marks(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
           bid_id: uuid.UUID, data: MarksIn) -> dict[str, Any]:
    entries = {m.criterion: (m.mark, m.reason) for m in data.marks}
    if len(entries) != len(data.marks):
        raise UserError("同一评审因素只能评一次", "One mark per criterion", field="marks")
    with db.transaction() as session:
        marks.save_marks(session, actor_of(request), user_of(request).id, tender_id,
                         section_id, bid_id, entries)
    return {"bid_id": str(bid_id), "saved": sorted(entries)}


@put(f"{ROOM}/bids/{{bid_id:uuid}}/marks", operation_id="markBid", guards=[EXPERTS],
     status_code=200, summary="A member's marks for one bid, every criterion (until submitted)")
async def mark_bid(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                   section_id: FromPath[uuid.UUID], bid_id: FromPath[uuid.UUID],
                   data: JSONBody[MarksIn]) -> dict[str, Any]:
    return await blocking(_marks, request, tender_id, section_id, bid_id, data)


def _submit(request: Request[Any, Any, Any], tender_id: uuid.UUID,
            section_id: uuid.UUID) -> dict[str, Any]:
    with db.transaction() as session:
        marks.submit(session, actor_of(request), user_of(request).id, tender_id, section_id)
    return {"submitted": True}


@post(f"{ROOM}/submission", operation_id="submitMarks", guards=[EXPERTS], status_code=200,
      summary="A member submits their marks (final; every valid bid marked)")
async def submit(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                 section_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_submit, request, tender_id, section_id)


def standings_out(found: marks.Summary) -> list[StandingOut]:
    """The standings; under the lowest evaluated price method also the price comparison table
    (第三十三条): bid price, each adjustment with its reason, evaluated price."""
    chosen = {row.bidder for row in found.candidates}
    return [StandingOut(
        r.rank, r.bidder, found.names[r.bidder], str(r.total), r.price,
        str(found.price_scores[r.bidder]) if r.bidder in found.price_scores else None,
        r.bidder in chosen, int(r.total) if found.lowest_price else None,
        [AdjustmentOut(a.id, str(a.bid_id), a.amount_fen, a.reason)
         for a in found.adjustments.get(r.bidder, [])]) for r in found.ranked]


def _summary(user: CurrentUser, tender_id: uuid.UUID, section_id: uuid.UUID) -> SummaryOut:
    with db.read_only() as session:
        if not _is_overseer(user):
            rooms.member_of(session, user.id, tender_id, section_id)
            if not marks.can_see_marks(session, user.id, section_id):
                raise UserError("提交本人评分后方可查看汇总",
                                "The summary shows once you have submitted your marks",
                                status=409, code="not_submitted")
        found = marks.summary(session, tender_id, section_id)
    return SummaryOut(
        found.complete, standings_out(found), found.rejected,
        [OutlierOut(o.member, o.bidder, o.criterion, str(o.mark), str(o.others_median))
         for o in found.outliers],
        [list(pair) for pair in found.identical],
        {m: {b: {c: str(v) for c, v in codes.items()} for b, codes in by_bid.items()}
         for m, by_bid in found.marks.items()})


@get(f"{ROOM}/summary", operation_id="getEvaluationSummary", guards=[VIEWERS],
     summary="Standings, candidates (at most 3), rejections, flags and every submitted mark "
     "(staff, regulators; a member after submitting)")
async def summary(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                  section_id: FromPath[uuid.UUID]) -> SummaryOut:
    return await blocking(_summary, user_of(request), tender_id, section_id)


ROUTES = [set_method, get_room, vote, mark_bid, submit, summary]
