"""The sealing JSON API: the key ceremony (docs/bidding.md, "The opening-key ceremony") and the
custodians' long-term public keys.

Staff or a panel custodian start a round; each custodian posts its signed contribution, its
check (with complaints, if any) and its reveals; staff may close a phase when a custodian
stays away. Anyone who may see the tender reads the ceremony: it is public data only.
A refused step is logged in its own transaction (the refusal itself is evidence).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery, JSONBody
from sqlalchemy.orm import Session

from bidding import lookup
from bidding.models import KeyCeremony, TenderState
from bidding.sealing import ceremony, panels
from bidding.web import API, CUSTODIANS, user_of
from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import NotFoundError
from trading.web import actor_of, blocking, current_user, requires_role

CEREMONY_API = "/api/v1/tenders/{tender_id:uuid}/ceremony"
STARTERS = requires_role(Role.STAFF, Role.CUSTODIAN)
STAFF = requires_role(Role.STAFF)


class CustodianOut(msgspec.Struct):
    custodian_id: str
    username: str
    display_name: str
    position: int | None
    public: dict[str, str] | None


class ChecksIn(msgspec.Struct):
    complaints: list[dict[str, Any]] = msgspec.field(default_factory=list)


class RevealsIn(msgspec.Struct):
    reveals: list[dict[str, Any]]


Step = Callable[[Session, Actor, CurrentUser, uuid.UUID], KeyCeremony]


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # every caller is behind a guard
    return user


def _step(request: Request[Any, Any, Any], tender_id: uuid.UUID, name: str,
          action: Step) -> dict[str, Any]:
    actor = actor_of(request)
    try:
        with db.transaction() as session:
            result = action(session, actor, _user(request), tender_id)
            return ceremony.public_view(session, result)
    except ceremony.StepRefused as refused:
        with db.transaction() as session:
            ceremony.record_refusal(session, actor, tender_id, name, refused.code or "refused")
        raise


@post(CEREMONY_API, operation_id="startCeremony", guards=[STARTERS], status_code=201,
      summary="Start a new round of the dealer-free opening-key ceremony (draft tenders)")
async def start_ceremony(request: Request[Any, Any, Any],
                         tender_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_step, request, tender_id, "start", ceremony.start)


@post(f"{CEREMONY_API}/contributions", operation_id="contributeToCeremony", guards=[CUSTODIANS],
      status_code=201, summary="Post the caller's signed contribution (ggzy-dkg-contribution/1)")
async def contribute(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                     data: JSONBody[dict[str, Any]]) -> dict[str, Any]:
    def action(s: Session, a: Actor, u: CurrentUser, t: uuid.UUID) -> KeyCeremony:
        return ceremony.contribute(s, a, u, t, data)
    return await blocking(_step, request, tender_id, "contribution", action)


@post(f"{CEREMONY_API}/checks", operation_id="checkCeremonyShares", guards=[CUSTODIANS], status_code=201,
      summary="The caller checked its dealt shares: no complaint, or signed complaints")
async def check_shares(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                       data: JSONBody[ChecksIn]) -> dict[str, Any]:
    def action(s: Session, a: Actor, u: CurrentUser, t: uuid.UUID) -> KeyCeremony:
        return ceremony.check(s, a, u, t, data.complaints)
    return await blocking(_step, request, tender_id, "check", action)


@post(f"{CEREMONY_API}/reveals", operation_id="answerCeremonyComplaints", guards=[CUSTODIANS],
      status_code=201, summary="The accused reveals the complained-of shares (ggzy-dkg-reveal/1)")
async def reveal(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                 data: JSONBody[RevealsIn]) -> dict[str, Any]:
    def action(s: Session, a: Actor, u: CurrentUser, t: uuid.UUID) -> KeyCeremony:
        return ceremony.reveal(s, a, u, t, data.reveals)
    return await blocking(_step, request, tender_id, "reveal", action)


@post(f"{CEREMONY_API}/advance", operation_id="advanceCeremony", guards=[STAFF], status_code=200,
      summary="Staff close the current phase (an absent custodian's step is then missing)")
async def advance(request: Request[Any, Any, Any],
                  tender_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_step, request, tender_id, "advance", ceremony.advance)


def may_see(session: Session, tender_id: uuid.UUID, user: CurrentUser | None) -> bool:
    """A published tender's ceremony is public; a draft's is seen by staff, its tenderee and
    its custodians (as the draft itself)."""
    tender = lookup.get_tender(session, tender_id)
    if tender.state != TenderState.DRAFT.value:
        return True
    if user is None:
        return False
    if Role.STAFF.value in user.roles or (
            tender.tenderee_org_id is not None and tender.tenderee_org_id == user.organization_id):
        return True
    return any(m.user_id == user.id for m in lookup.panel_of(session, tender_id))


def _view(tender_id: uuid.UUID, user: CurrentUser | None) -> dict[str, Any]:
    with db.read_only() as session:
        found = ceremony.latest(session, tender_id) if may_see(session, tender_id, user) else None
        if found is None:
            raise NotFoundError("开标密钥生成", "Key ceremony")
        return ceremony.public_view(session, found)


@get(CEREMONY_API, operation_id="getCeremony", summary="The tender's latest key-ceremony round: the "
     "ceremony document, every signed step and, when completed, the transcript")
async def get_ceremony(request: Request[Any, Any, Any],
                       tender_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_view, tender_id, current_user(request))


# --- custody -------------------------------------------------------------------------------


def _custodians(tender_id: uuid.UUID | None) -> list[CustodianOut]:
    with db.read_only() as session:
        if tender_id is None:
            result = []
            for user_id, username, name in panels.all_custodians(session):
                key = panels.active_key(session, user_id)
                result.append(CustodianOut(panels.custodian_id(user_id), username, name, None,
                                           panels.public_document(key) if key else None))
            return result
        return [CustodianOut(panels.custodian_id(e.member.user_id), e.username, e.display_name,
                             e.member.position,
                             panels.public_document(e.key) if e.key else None)
                for e in panels.panel(session, tender_id)]


@get(f"{API}/custodians", operation_id="listCustodians",
     guards=[requires_role(Role.CUSTODIAN, Role.STAFF, Role.TENDEREE, Role.REGULATOR)],
     summary="Custodians (of a tender's panel with tender_id) and their registered public keys")
async def list_custodians(tender_id: FromQuery[uuid.UUID | None] = None) -> list[CustodianOut]:
    return await blocking(_custodians, tender_id)


def _register(request: Request[Any, Any, Any], data: dict[str, Any]) -> CustodianOut:
    user = user_of(request)
    with db.transaction() as session:
        key = panels.register_key(session, actor_of(request), user, data)
        return CustodianOut(panels.custodian_id(user.id), user.username, user.display_name, None,
                            panels.public_document(key))


@post(f"{API}/custodians/me/keys", operation_id="registerCustodianKey", guards=[CUSTODIANS],
      summary="Register the caller's custodian public key document (ggzy-custodian-public/1)")
async def register_custodian_key(request: Request[Any, Any, Any],
                                 data: JSONBody[dict[str, Any]]) -> CustodianOut:
    return await blocking(_register, request, data)


ROUTES = [start_ceremony, contribute, check_shares, reveal, advance, get_ceremony, list_custodians,
          register_custodian_key]
