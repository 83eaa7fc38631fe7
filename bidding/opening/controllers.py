"""The opening JSON API: the custodians' shares, the opening's progress and key, the bidders'
key halves (bidder-decrypts mode) and the R-25 backup re-upload."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get, post, put
from litestar.params import FromQuery, JSONBody

from bidding import lookup
from bidding.models import Bid, TenderState
from bidding.opening import backup, halves, records, shares
from bidding.schemas import HalfIn, KeyOut, ProgressOut, ShareIn, ShareResultOut
from bidding.sealing import panels
from bidding.sealing.crypto.common import b64encode
from bidding.submission import intake
from bidding.web import API, BIDDERS, CUSTODIANS, parse_uuid, user_of
from supervision import services as supervision
from trading import clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import NotFoundError, UserError
from trading.web import actor_of, blocking, current_user, language, requires_role

# --- the R-25 backup re-upload -------------------------------------------------------------


def _backup_precheck(user: CurrentUser, tender_id: uuid.UUID,
                     bid_id: uuid.UUID) -> backup.BackupTarget:
    with db.read_only() as session:
        return backup.precheck(session, user, tender_id, bid_id)


async def receive_backup(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                         bid_id: uuid.UUID) -> dict[str, Any]:
    """R-25: the bidder's own backup copy of a bid withdrawn through a platform fault
    (streamed; accepted only if its SHA-256 is the receipt's and the frozen list's)."""
    user = current_user(request)
    assert user is not None  # the route's guard
    target = await blocking(_backup_precheck, user, tender_id, bid_id)
    incoming = backup.IncomingBackup(target)
    try:
        async for chunk in request.stream():
            incoming.write(chunk)
    except BaseException:
        incoming.discard()
        raise
    return await blocking(backup.accept, actor_of(request), user, incoming)


@put(f"{API}/tenders/{{tender_id:uuid}}/bids/{{bid_id:uuid}}/backup",
     operation_id="uploadBidBackup", guards=[BIDDERS], request_max_body_size=None,
     status_code=200, summary="R-25: re-upload the bidder's backup of a bid withdrawn through a "
     "platform fault (after the opening; SHA-256 must equal the receipt's)")
async def upload_backup(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                        bid_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await receive_backup(request, tender_id, bid_id)


# --- shares after the deadline -------------------------------------------------------------


def submit_share_for(request: Request[Any, Any, Any], tender_id: uuid.UUID, share_b64: str,
                     signature_b64: str) -> shares.ShareOutcome:
    user = user_of(request)
    try:
        with db.transaction() as session:
            return shares.submit_share(session, actor_of(request), user, tender_id, share_b64,
                                       signature_b64)
    except UserError as refused:  # early, replayed, forged or not fitting: on the record
        if refused.status != 404:
            with db.transaction() as session:
                supervision.record(session, actor_of(request), "custody.share_refused",
                                   lookup.subject(tender_id),
                                   {"custodian": panels.custodian_id(user.id),
                                    "code": refused.code or "refused"})
        raise


def _submit_share(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                  data: ShareIn) -> ShareResultOut:
    user = user_of(request)
    if data.custodian_id is not None and data.custodian_id != panels.custodian_id(user.id):
        raise UserError("份额只能由保管人本人提交", "A share is submitted by its own custodian",
                        status=403, field="custodian_id", code="forbidden")
    outcome = submit_share_for(request, tender_id, data.share_b64, data.signature_b64)
    lang = language(request)
    return ShareResultOut(outcome.have, outcome.need, outcome.reconstructed, outcome.bad,
                          outcome.message_en if lang == "en" else outcome.message_zh)


@post(f"{API}/tenders/{{tender_id:uuid}}/shares", operation_id="submitShare",
      guards=[CUSTODIANS], summary="Submit the caller's decrypted, signed share (after the "
      "deadline only)")
async def submit_share(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                       data: JSONBody[ShareIn]) -> ShareResultOut:
    return await blocking(_submit_share, request, tender_id, data)


# --- opening -------------------------------------------------------------------------------


def progress_out(tender_id: uuid.UUID) -> ProgressOut:
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value:
            raise NotFoundError("招标项目", "Tender")
        state = records.progress(session, tender_id)
        record = records.record_of(session, tender_id)
        return ProgressOut(state.state, state.shares, state.need, state.total, state.done,
                           state.key_rebuilt, record.record if record else None,
                           record.sha256 if record else None)


@get(f"{API}/tenders/{{tender_id:uuid}}/opening", operation_id="getOpening",
     summary="Opening progress and, once done, the opening record")
async def get_opening(tender_id: FromQuery[uuid.UUID]) -> ProgressOut:
    return await blocking(progress_out, tender_id)


def _key(tender_id: uuid.UUID) -> KeyOut:
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        if tender.opened_at is None or tender.opening_private_key is None:
            raise UserError("开标完成后才提供开标私钥", "The key is available after the opening",
                            status=409, code="not_opened")
        assert tender.opening_public_key is not None
        return KeyOut(tender.opening_key_id, b64encode(tender.opening_private_key),
                      b64encode(tender.opening_public_key))


@get(f"{API}/tenders/{{tender_id:uuid}}/opening/key", operation_id="getOpeningKey",
     guards=[requires_role(Role.REGULATOR)],
     summary="The reconstructed opening private key, for regulators to re-decrypt (after "
     "the opening)")
async def get_opening_key(tender_id: FromQuery[uuid.UUID]) -> KeyOut:
    return await blocking(_key, tender_id)


# --- bidder decrypts (key halves) ----------------------------------------------------------


def submit_half_for(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: str,
                    half_b64: str) -> Bid:
    """Shared by the API and the bid page; a refusal is itself on the record."""
    user = user_of(request)
    section = parse_uuid(section_id, "section_id")
    try:
        with db.transaction() as session:
            bid = halves.submit_half(session, actor_of(request), user, tender_id, section,
                                     half_b64)
            session.expunge(bid)
            return bid
    except UserError as refused:
        if refused.status == 404:
            raise
        with db.transaction() as session:
            # Before the deadline the log must not say who is a bidder: no user, no address.
            deadline = lookup.get_tender(session, tender_id).deadline
            sealed = deadline is None or clock.now(session) < deadline
            actor = Actor(user_id=None, role="bidder", ip=None) if sealed else actor_of(request)
            body = {"section": section_id, "code": refused.code}
            supervision.record(session, actor, "bid.half_refused", lookup.subject(tender_id),
                               body if sealed else {**body, "user": str(user.id)})
        raise


def _submit_half(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                 data: HalfIn) -> dict[str, Any]:
    bid = submit_half_for(request, tender_id, data.section_id, data.half_b64)
    return {"bid_id": str(bid.id), "section_id": str(bid.section_id),
            "half_submitted_at": bid.bidder_half_at.isoformat() if bid.bidder_half_at else None}


@post(f"{API}/tenders/{{tender_id:uuid}}/halves", operation_id="submitKeyHalf",
      guards=[BIDDERS], status_code=201,
      summary="Bidder-decrypts mode: submit the caller's unsealed key half (in the window only)")
async def submit_half(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                      data: JSONBody[HalfIn]) -> dict[str, Any]:
    return await blocking(_submit_half, request, tender_id, data)


def _my_halves(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> dict[str, Any]:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        return halves.half_status(session, tender_id, org.id)


@get(f"{API}/tenders/{{tender_id:uuid}}/halves/mine", operation_id="getMyKeyHalves",
     guards=[BIDDERS], summary="Bidder-decrypts mode: the window and the caller's halves")
async def my_halves(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_my_halves, request, tender_id)


ROUTES = [upload_backup, submit_share, get_opening, get_opening_key, submit_half, my_halves]
