"""The bidding JSON API under ``/api/v1`` (bearer tokens only; bytes as base64).

What the bidder's and custodian's CLI (``bidding/cli.py``) call: tender details with the
opening public key, the streamed bid upload answered with a signed receipt, custodian keys,
the share submission (the key ceremony is ceremony_controllers.py); and what integrations call.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.params import FromQuery, JSONBody
from litestar.response import File

from bidding import config, lookup
from bidding.models import Bid, Tender, TenderState
from bidding.openapi import RECEIPT_KEY_RESPONSES, SUBMIT_BID_RESPONSES, SubmitBidOperation
from bidding.opening import halves, records, shares
from bidding.schemas import (
    AnswerIn,
    BidOut,
    CancelIn,
    ClarificationIn,
    CustodianOut,
    DocumentIn,
    DocumentOut,
    DownloadOut,
    HalfIn,
    KeyOut,
    ObjectionIn,
    OpeningKeyOut,
    ProgressOut,
    PublishIn,
    SectionOut,
    ShareIn,
    ShareResultOut,
    TenderIn,
    TenderOut,
    TenderSummary,
)
from bidding.sealing import panels
from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.common import b64decode, b64encode
from bidding.submission import intake
from bidding.submission.upload import receive_backup, receive_bid
from bidding.tendering import clarifications, documents, objections, sniff, tenders
from supervision import services as supervision
from trading import clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import NotFoundError, UserError
from trading.web import actor_of, blocking, current_user, language, requires_role

API = "/api/v1"
MANAGERS = requires_role(Role.STAFF, Role.TENDEREE)
BIDDERS = requires_role(Role.BIDDER)
CUSTODIANS = requires_role(Role.CUSTODIAN)


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # every caller is behind a guard
    return user


def check_manager(user: CurrentUser, tender: Tender) -> None:
    """Staff manage every tender; a tenderee (or its agent) only its own organization's."""
    if Role.STAFF.value in user.roles:
        return
    if tender.tenderee_org_id is None or tender.tenderee_org_id != user.organization_id:
        raise UserError("您无权管理该招标项目", "You may not manage this tender", status=403,
                        code="forbidden")


def _managed(session: Any, user: CurrentUser, tender_id: uuid.UUID) -> Tender:
    tender = lookup.get_tender(session, tender_id)
    check_manager(user, tender)
    return tender


# --- tender representation -----------------------------------------------------------------


def tender_out(session: Any, tender: Tender, user: CurrentUser | None) -> TenderOut:
    sections = [SectionOut(str(s.id), s.number, s.name, s.estimated_price_fen, s.max_price_fen,
                           s.bid_security_fen, s.failed)
                for s in lookup.sections_of(session, tender.id)]
    documents_out = [DocumentOut(str(d.id), d.kind, d.filename, d.sha256, d.size,
                                 f"/bidding/tenders/{tender.id}/documents/{d.id}")
                     for d in documents.documents_of(session, tender.id)]
    key = None
    if tender.opening_public_key is not None and tender.opening_key_id is not None:
        key = OpeningKeyOut(b64encode(tender.opening_public_key), tender.opening_key_id,
                            tender.custody_k, tender.custody_n,
                            (tender.ceremony or {}).get("transcript_hash"))
    bidder_id = None
    if user is not None and Role.BIDDER.value in user.roles and user.organization_id:
        bidder_id = str(user.organization_id)
    return TenderOut(
        id=str(tender.id), title=tender.title, category=tender.category, region=tender.region,
        evaluation_method=tender.evaluation_method, description=tender.description,
        state=tender.state, bidder_decrypts=tender.bidder_decrypts, deadline=tender.deadline,
        documents_issued_at=tender.documents_issued_at, sale_ends_at=tender.sale_ends_at,
        sections=sections, documents=documents_out, opening=key, server_time=clock.now(session),
        bidder_id=bidder_id,
    )


def _visible(session: Any, tender: Tender, user: CurrentUser | None) -> bool:
    """A draft is seen by staff, its tenderee and its own custodians (for the ceremony)."""
    if tender.state != TenderState.DRAFT.value:
        return True
    if user is None:
        return False
    if Role.STAFF.value in user.roles:
        return True
    if tender.tenderee_org_id is not None and tender.tenderee_org_id == user.organization_id:
        return True
    return any(m.user_id == user.id for m in lookup.panel_of(session, tender.id))


def _get_tender(tender_id: uuid.UUID, user: CurrentUser | None) -> TenderOut:
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        if not _visible(session, tender, user):
            raise NotFoundError("招标项目", "Tender")
        return tender_out(session, tender, user)


@get(f"{API}/tenders/{{tender_id:uuid}}", operation_id="getTender",
     summary="A tender: sections, documents, deadline and the opening public key")
async def get_tender(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID]) -> TenderOut:
    return await blocking(_get_tender, tender_id, current_user(request))


def _list() -> list[TenderSummary]:
    with db.read_only() as session:
        return [TenderSummary(str(t.id), t.title, t.state, t.deadline, t.region, t.category)
                for t in tenders.list_tenders(session)]


@get(f"{API}/tenders", operation_id="listTenders", summary="Published tenders")
async def list_tenders() -> list[TenderSummary]:
    return await blocking(_list)


def _section_inputs(data: TenderIn) -> list[tenders.SectionInput]:
    return [tenders.SectionInput(s.name, s.estimated_price_fen, s.bid_security_fen,
                                 s.max_price_fen) for s in data.sections]


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise UserError("无效的标识", "Invalid id", field=field) from error


def _create(request: Request[Any, Any, Any], data: TenderIn) -> TenderOut:
    user = _user(request)
    tenderee_org = user.organization_id if Role.TENDEREE.value in user.roles else None
    if tenderee_org is None and data.tenderee_org_id:
        tenderee_org = parse_uuid(data.tenderee_org_id, "tenderee_org_id")
    payload = tenders.TenderInput(
        title=data.title, category=data.category, region=data.region,
        evaluation_method=data.evaluation_method, custody_k=data.custody_k,
        custodian_ids=[parse_uuid(c, "custodian_ids") for c in data.custodian_ids],
        sections=_section_inputs(data), description=data.description,
        bidder_decrypts=data.bidder_decrypts, tenderee_org_id=tenderee_org,
        announcement=msgspec.structs.asdict(data.announcement),
        agent_org_id=parse_uuid(data.agent_org_id, "agent_org_id") if data.agent_org_id
        else None,
    )
    with db.transaction() as session:
        tender = tenders.create_tender(session, actor_of(request), user.id, payload)
        return tender_out(session, tender, user)


@post(f"{API}/tenders", operation_id="createTender", guards=[MANAGERS],
      summary="Create a tender (draft) with its sections and custodian panel")
async def create_tender(request: Request[Any, Any, Any], data: JSONBody[TenderIn]) -> TenderOut:
    return await blocking(_create, request, data)


def _add_document(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                  data: DocumentIn) -> DocumentOut:
    try:
        content = b64decode(data.content_b64)
    except ValueError as error:
        raise UserError("文件内容须为 Base64", "content_b64 must be base64",
                        field="content_b64") from error
    with db.transaction() as session:
        _managed(session, _user(request), tender_id)
        document = documents.add_document(session, actor_of(request), tender_id, data.filename,
                                          data.content_type, content)
        return DocumentOut(str(document.id), document.kind, document.filename, document.sha256,
                           document.size, f"/bidding/tenders/{tender_id}/documents/{document.id}")


@post(f"{API}/tenders/{{tender_id:uuid}}/documents", operation_id="addTenderDocument",
      guards=[MANAGERS], summary="Attach a tender document (draft only)",
      request_max_body_size=config.MAX_DOCUMENT_BYTES * 4 // 3 + 1024 * 1024)  # base64
async def add_document(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                       data: JSONBody[DocumentIn]) -> DocumentOut:
    return await blocking(_add_document, request, tender_id, data)


def _publish(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: PublishIn) -> TenderOut:
    deadline = data.deadline
    if deadline.tzinfo is None:
        deadline = deadline.replace(tzinfo=clock.local_zone())
    with db.transaction() as session:
        _managed(session, _user(request), tender_id)
        tender = tenders.publish(session, actor_of(request), tender_id,
                                 deadline.astimezone(dt.UTC), data.sale_ends_on)
        return tender_out(session, tender, _user(request))


@post(f"{API}/tenders/{{tender_id:uuid}}/publish", operation_id="publishTender",
      guards=[MANAGERS], summary="Publish: enforces R-10 and R-11, schedules the closing")
async def publish_tender(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                         data: JSONBody[PublishIn]) -> TenderOut:
    return await blocking(_publish, request, tender_id, data)


def _clarify(request: Request[Any, Any, Any], tender_id: uuid.UUID,
             data: ClarificationIn) -> TenderOut:
    new_deadline = data.new_deadline
    if new_deadline is not None and new_deadline.tzinfo is None:
        new_deadline = new_deadline.replace(tzinfo=clock.local_zone())
    with db.transaction() as session:
        _managed(session, _user(request), tender_id)
        clarifications.clarify(session, actor_of(request), tender_id, data.text,
                               data.affects_preparation, new_deadline)
        return tender_out(session, lookup.get_tender(session, tender_id), _user(request))


@post(f"{API}/tenders/{{tender_id:uuid}}/clarifications", operation_id="clarifyTender",
      guards=[MANAGERS], summary="Clarify or amend (R-12 may move the deadline; R-15 notifies)")
async def clarify_tender(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                         data: JSONBody[ClarificationIn]) -> TenderOut:
    return await blocking(_clarify, request, tender_id, data)


def _object(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: ObjectionIn) -> dict[
        str, Any]:
    with db.transaction() as session:
        objection = objections.raise_objection(session, actor_of(request), tender_id, data.text)
        return {"id": str(objection.id), "answer_due": objection.answer_due.isoformat()}


@post(f"{API}/tenders/{{tender_id:uuid}}/objections", operation_id="raiseObjection",
      guards=[BIDDERS], summary="Object to the tender documents (R-13)")
async def raise_objection(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                          data: JSONBody[ObjectionIn]) -> dict[str, Any]:
    return await blocking(_object, request, tender_id, data)


def _answer(request: Request[Any, Any, Any], tender_id: uuid.UUID, objection_id: uuid.UUID,
            data: AnswerIn) -> dict[str, Any]:
    with db.transaction() as session:
        _managed(session, _user(request), tender_id)
        objection = objections.answer_objection(session, actor_of(request), tender_id,
                                                objection_id, data.answer,
                                                data.amends_documents)
        return {"id": str(objection.id), "answered_at": str(objection.answered_at)}


@post(f"{API}/tenders/{{tender_id:uuid}}/objections/{{objection_id:uuid}}/answer",
      operation_id="answerObjection", guards=[MANAGERS], summary="Answer an objection (R-13)")
async def answer_objection(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                           objection_id: FromQuery[uuid.UUID], data: JSONBody[AnswerIn]) -> dict[str, Any]:
    return await blocking(_answer, request, tender_id, objection_id, data)


def _cancel(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: CancelIn) -> dict[
        str, str]:
    with db.transaction() as session:
        _managed(session, _user(request), tender_id)
        tenders.cancel(session, actor_of(request), tender_id, data.reason)
    return {"state": TenderState.CANCELLED.value}


@post(f"{API}/tenders/{{tender_id:uuid}}/cancel", operation_id="cancelTender",
      guards=[requires_role(Role.STAFF)], summary="Cancel a draft or published tender")
async def cancel_tender(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                        data: JSONBody[CancelIn]) -> dict[str, str]:
    return await blocking(_cancel, request, tender_id, data)


@get(f"{API}/tenders/{{tender_id:uuid}}/downloads", operation_id="listDownloads",
     guards=[requires_role(Role.STAFF, Role.TENDEREE, Role.REGULATOR)],
     summary="Who downloaded the documents (R-14: only after the deadline)")
async def list_downloads(request: Request[Any, Any, Any],
                         tender_id: FromQuery[uuid.UUID]) -> list[DownloadOut]:
    from bidding.tendering import downloads  # the access rule: staff, regulators, its own tenderee

    user = current_user(request)
    assert user is not None  # behind the role guard
    return await blocking(downloads.list_for, user, tender_id)


def download(request: Request[Any, Any, Any], tender_id: uuid.UUID, document_id: uuid.UUID,
             contact: str | None) -> File:
    with db.transaction() as session:
        document, path = documents.download_document(session, actor_of(request), tender_id,
                                                     document_id, contact)
    # An allow-listed, sniffed type, as an attachment (nosniff is on every answer): an uploaded
    # page or script never runs on the platform's origin.
    return File(path=path, filename=document.filename, content_disposition_type="attachment",
                media_type=sniff.served_type(document.content_type))


@get(f"{API}/tenders/{{tender_id:uuid}}/documents/{{document_id:uuid}}",
     operation_id="downloadTenderDocument", summary="Download a document (R-14: no sign-up)")
async def download_document(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                            document_id: FromQuery[uuid.UUID], contact: FromQuery[str | None] = None) -> File:
    return await blocking(download, request, tender_id, document_id, contact)


# --- bids ----------------------------------------------------------------------------------


@put(f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/bid",
     operation_id="submitBid", guards=[BIDDERS], request_max_body_size=None, status_code=201,
     summary="Submit (or replace) a sealed bid: the raw envelope, streamed; answers the receipt",
     operation_class=SubmitBidOperation, responses=SUBMIT_BID_RESPONSES)
async def submit_bid(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                     section_id: FromQuery[uuid.UUID]) -> Response[dict[str, Any]]:
    accepted = await receive_bid(request, tender_id, section_id)
    receipt = receipts.Receipt.from_json(accepted.receipt).to_dict()
    return Response(content=receipt, status_code=201)


def _withdraw(request: Request[Any, Any, Any], tender_id: uuid.UUID,
              section_id: uuid.UUID) -> dict[str, str]:
    with db.transaction() as session:
        bid = intake.withdraw(session, actor_of(request), _user(request), tender_id,
                              section_id)
        return {"bid_id": str(bid.id), "status": bid.status}


@delete(f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/bid",
        operation_id="withdrawBid", guards=[BIDDERS], status_code=200,
        summary="Withdraw the bidder's live bid for the section (before the deadline)")
async def withdraw_bid(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                       section_id: FromQuery[uuid.UUID]) -> dict[str, str]:
    return await blocking(_withdraw, request, tender_id, section_id)


def bid_out(bid: Bid) -> BidOut:
    return BidOut(str(bid.id), str(bid.section_id), bid.status, bid.envelope_sha256, bid.size,
                  bid.submitted_at, bid.log_index,
                  receipts.Receipt.from_json(bid.receipt).to_dict())


def _my_bids(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> list[BidOut]:
    with db.read_only() as session:
        org = intake.bidder_org(session, _user(request))
        return [bid_out(b) for b in intake.bids_of_bidder(session, tender_id, org.id)]


@put(f"{API}/tenders/{{tender_id:uuid}}/bids/{{bid_id:uuid}}/backup",
     operation_id="uploadBidBackup", guards=[BIDDERS], request_max_body_size=None,
     status_code=200, summary="R-25: re-upload the bidder's backup of a bid withdrawn through a "
     "platform fault (after the opening; SHA-256 must equal the receipt's)")
async def upload_backup(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                        bid_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await receive_backup(request, tender_id, bid_id)


@get(f"{API}/tenders/{{tender_id:uuid}}/my-bids", operation_id="listMyBids", guards=[BIDDERS],
     summary="The caller's own bids for the tender, with their receipts")
async def my_bids(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID]) -> list[BidOut]:
    return await blocking(_my_bids, request, tender_id)


@get(f"{API}/receipts/public-key", operation_id="getReceiptPublicKey",
     summary="The platform's receipt-signing public key (raw Ed25519, base64)",
     responses=RECEIPT_KEY_RESPONSES)
async def receipt_public_key() -> dict[str, str]:
    public = await blocking(receipts.platform_receipt_public_key)
    return {"public_key_b64": b64encode(public), "key_id": receipts.key_id_of(public)}


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
    user = _user(request)
    with db.transaction() as session:
        key = panels.register_key(session, actor_of(request), user, data)
        return CustodianOut(panels.custodian_id(user.id), user.username, user.display_name, None,
                            panels.public_document(key))


@post(f"{API}/custodians/me/keys", operation_id="registerCustodianKey", guards=[CUSTODIANS],
      summary="Register the caller's custodian public key document (ggzy-custodian-public/1)")
async def register_custodian_key(request: Request[Any, Any, Any],
                                 data: JSONBody[dict[str, Any]]) -> CustodianOut:
    return await blocking(_register, request, data)


def submit_share_for(request: Request[Any, Any, Any], tender_id: uuid.UUID, share_b64: str,
                     signature_b64: str) -> shares.ShareOutcome:
    user = _user(request)
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
    user = _user(request)
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
    user = _user(request)
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
        org = intake.bidder_org(session, _user(request))
        return halves.half_status(session, tender_id, org.id)


@get(f"{API}/tenders/{{tender_id:uuid}}/halves/mine", operation_id="getMyKeyHalves",
     guards=[BIDDERS], summary="Bidder-decrypts mode: the window and the caller's halves")
async def my_halves(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_my_halves, request, tender_id)


ROUTES = [
    submit_half, my_halves,
    list_tenders, get_tender, create_tender, add_document, publish_tender, clarify_tender,
    raise_objection, answer_objection, cancel_tender, list_downloads, download_document,
    submit_bid, withdraw_bid, upload_backup, my_bids, receipt_public_key, list_custodians,
    register_custodian_key, submit_share, get_opening,
    get_opening_key,
]
