"""The committee's room for a section after the opening: who sits, the chair election, the bids.

The members are the expert pool's seated committee (``expert_pool.services.committee_of``):
confirmed or checked-in seats of the section's live draws. Check-in and the pledge (承诺书) are
the expert pool's (the expert's seat page); the room lets a member act only once both are done.
The chair (评标委员会负责人) is elected by the members: each votes once a round; when every
member has voted, a sole leader is chair, else a new round among the tied leaders.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidding.evaluation import plans
from bidding.evaluation.methods import Method
from bidding.evaluation.models import ChairVote, EvaluationRoom
from bidding.lookup import get_section, get_tender, subject
from bidding.models import Bid, BidStatus, OpenStatus, Section, Tender, TenderState
from expert_pool import services as experts
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Organization
from trading.audit import Actor
from trading.errors import ConflictError, UserError

EVALUABLE = (TenderState.OPENED.value, TenderState.EVALUATED.value)
PLEDGE_BASIS = "《评标委员会和评标方法暂行规定》第十二条、第十三条"


class NotOnCommittee(UserError):
    def __init__(self) -> None:
        super().__init__("您不是该标段评标委员会成员", "You are not on this section's committee",
                         status=403, code="not_on_committee")


@dataclass(frozen=True)
class Member:
    user_id: uuid.UUID
    name: str
    expert_number: str
    checked_in: bool
    pledged: bool

    @property
    def ready(self) -> bool:
        return self.checked_in and self.pledged


@dataclass(frozen=True)
class OpenedBid:
    id: uuid.UUID
    bidder: str
    price_fen: int | None
    status: str  # OpenStatus value
    reason: str | None
    announced: dict[str, object]

    @property
    def valid(self) -> bool:
        return self.status == OpenStatus.OPENED.value and self.price_fen is not None


def members(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> list[Member]:
    return [Member(s.user_id, s.expert_name, s.expert_number, s.checked_in, s.pledged)
            for s in experts.committee_of(session, tender_id, section_id)
            if s.user_id is not None]


def member_of(session: Session, user_id: uuid.UUID, tender_id: uuid.UUID,
              section_id: uuid.UUID) -> Member:
    found = next((m for m in members(session, tender_id, section_id) if m.user_id == user_id), None)
    if found is None:
        raise NotOnCommittee()
    return found


def ready_member(session: Session, user_id: uuid.UUID, tender_id: uuid.UUID,
                 section_id: uuid.UUID) -> Member:
    member = member_of(session, user_id, tender_id, section_id)
    if not member.ready:
        raise ConflictError("请先在“我的抽取”中签到并签署承诺书",
                            "Check in and sign the pledge first (My draws)")
    return member


def evaluable(session: Session, tender_id: uuid.UUID,
              section_id: uuid.UUID) -> tuple[Tender, Section, Method]:
    """The tender and section, once opened, and the method they carry."""
    tender = get_tender(session, tender_id)
    section = get_section(session, tender_id, section_id)
    if tender.state not in EVALUABLE or section.failed:
        raise ConflictError("该标段尚未开标或已流标，不能评标",
                            "This section is not opened (or failed): no evaluation")
    method = plans.method_of(tender)
    if method is None:
        raise ConflictError("该项目未设定评标办法", "This tender carries no evaluation method")
    return tender, section, method


def room_of(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID,
            *, lock: bool = False) -> EvaluationRoom:
    """The section's room, made on first use."""
    query = select(EvaluationRoom).where(EvaluationRoom.section_id == section_id)
    found = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if found is not None:
        return found
    try:
        with session.begin_nested():  # two first acts at once: one inserts, the other reads
            found = EvaluationRoom(section_id=section_id, tender_id=tender_id, election_round=1,
                                   created_at=clock.now(session))
            session.add(found)
            session.flush()
        return found
    except IntegrityError:
        return session.scalars(query.with_for_update() if lock else query).one()


def opened_bids(session: Session, section_id: uuid.UUID) -> list[OpenedBid]:
    rows = session.execute(
        select(Bid, Organization.name).join(Organization, Organization.id == Bid.bidder_id)
        .where(Bid.section_id == section_id, Bid.status == BidStatus.SUBMITTED.value,
               Bid.open_status.is_not(None))
        .order_by(Organization.name)
    ).all()
    return [OpenedBid(bid.id, name, bid.price_fen, bid.open_status or "", bid.open_reason,
                      dict(bid.announced or {})) for bid, name in rows]


# --- the chair election ----------------------------------------------------------------------


@dataclass(frozen=True)
class Election:
    round: int
    candidates: list[Member]
    voted: set[uuid.UUID]
    chair: Member | None


def election(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Election:
    """The election as it stands (reads only: a room not yet used is in its first round)."""
    room = session.get(EvaluationRoom, section_id) or EvaluationRoom(
        section_id=section_id, tender_id=tender_id, election_round=1)
    seated = members(session, tender_id, section_id)
    runoff = {uuid.UUID(u) for u in room.runoff or []}
    voted = set(session.scalars(select(ChairVote.voter_user_id).where(
        ChairVote.section_id == section_id, ChairVote.round == room.election_round)))
    chair = next((m for m in seated if m.user_id == room.chair_user_id), None)
    return Election(room.election_round,
                    [m for m in seated if m.ready and (not runoff or m.user_id in runoff)],
                    voted, chair)


def vote(session: Session, actor: Actor, voter: uuid.UUID, tender_id: uuid.UUID,
         section_id: uuid.UUID, candidate: uuid.UUID) -> Election:
    """One vote in the current round; the last vote of a round counts it."""
    evaluable(session, tender_id, section_id)
    ready_member(session, voter, tender_id, section_id)
    room = room_of(session, tender_id, section_id, lock=True)
    if room.chair_user_id is not None:
        raise ConflictError("评标委员会负责人已选出", "The chair has already been elected")
    current = election(session, tender_id, section_id)
    if candidate not in {m.user_id for m in current.candidates}:
        raise UserError("请从本轮候选人中选择", "Choose one of this round's candidates",
                        field="candidate")
    if voter in current.voted:
        raise ConflictError("您本轮已投票", "You have already voted in this round")
    now = clock.now(session)
    session.add(ChairVote(section_id=section_id, round=room.election_round, voter_user_id=voter,
                          candidate_user_id=candidate, cast_at=now))
    session.flush()
    supervision.record(session, actor, "evaluation.chair_vote", subject(tender_id), {
        "section": str(section_id), "round": room.election_round})
    seated = members(session, tender_id, section_id)
    if len(current.voted) + 1 >= len(seated):
        _count(session, actor, room, tender_id, section_id)
    return election(session, tender_id, section_id)


def _count(session: Session, actor: Actor, room: EvaluationRoom, tender_id: uuid.UUID,
           section_id: uuid.UUID) -> None:
    tally = Counter(session.scalars(select(ChairVote.candidate_user_id).where(
        ChairVote.section_id == section_id, ChairVote.round == room.election_round)))
    top = max(tally.values())
    leaders = sorted(str(c) for c, n in tally.items() if n == top)
    body = {"section": str(section_id), "round": room.election_round,
            "tally": {c: n for c, n in sorted((str(k), v) for k, v in tally.items())}}
    if len(leaders) == 1:
        room.chair_user_id = uuid.UUID(leaders[0])
        room.chair_elected_at = clock.now(session)
        supervision.record(session, actor, "evaluation.chair_elected", subject(tender_id),
                           {**body, "chair": leaders[0]})
    else:
        room.election_round += 1
        room.runoff = leaders
        supervision.record(session, actor, "evaluation.chair_runoff", subject(tender_id),
                           {**body, "leaders": leaders})
    session.flush()
