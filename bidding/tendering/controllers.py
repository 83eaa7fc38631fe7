"""The tendering JSON API under ``/api/v1`` (bearer tokens only): tenders, their documents,
publication, clarifications, objections, cancellation and who downloaded the documents.

The other stages' API is in their own ``controllers`` (sealing: the key ceremony and custodian
keys; submission: bids and receipts; opening: shares, halves, backups and the opening).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromQuery, JSONBody
from litestar.response import File

from bidding import config, lookup
from bidding.models import Tender, TenderState
from bidding.schemas import (
    AnswerIn,
    CancelIn,
    ClarificationIn,
    DocumentIn,
    DocumentOut,
    DownloadOut,
    ObjectionIn,
    OpeningKeyOut,
    PublishIn,
    SectionOut,
    TenderIn,
    TenderOut,
    TenderSummary,
)
from bidding.sealing.crypto.common import b64decode, b64encode
from bidding.tendering import clarifications, documents, objections, sniff, tenders
from bidding.web import API, BIDDERS, MANAGERS, check_manager, is_manager, parse_uuid, user_of
from trading import clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.web import actor_of, blocking, current_user, requires_role


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
        id=str(tender.id), code=tender.code, title=tender.title, category=tender.category,
        region=tender.region,
        evaluation_method=tender.evaluation_method, description=tender.description,
        state=tender.state, bidder_decrypts=tender.bidder_decrypts, deadline=tender.deadline,
        documents_issued_at=tender.documents_issued_at, sale_ends_at=tender.sale_ends_at,
        sections=sections, documents=documents_out, opening=key, server_time=clock.now(session),
        bidder_id=bidder_id, evaluation_plan=tender.evaluation_plan,
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
        return [TenderSummary(str(t.id), t.code, t.title, t.state, t.deadline, t.region, t.category)
                for t in tenders.list_tenders(session)]


@get(f"{API}/tenders", operation_id="listTenders", summary="Published tenders")
async def list_tenders() -> list[TenderSummary]:
    return await blocking(_list)


def _section_inputs(data: TenderIn) -> list[tenders.SectionInput]:
    return [tenders.SectionInput(s.name, s.estimated_price_fen, s.bid_security_fen,
                                 s.max_price_fen) for s in data.sections]


def _create(request: Request[Any, Any, Any], data: TenderIn) -> TenderOut:
    user = user_of(request)
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
        supervisor_org_id=parse_uuid(data.supervisor_org_id, "supervisor_org_id")
        if data.supervisor_org_id else None, require_supervisor=True,
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
        _managed(session, user_of(request), tender_id)
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
        _managed(session, user_of(request), tender_id)
        tender = tenders.publish(session, actor_of(request), tender_id,
                                 deadline.astimezone(dt.UTC), data.sale_ends_on)
        return tender_out(session, tender, user_of(request))


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
        _managed(session, user_of(request), tender_id)
        clarifications.clarify(session, actor_of(request), tender_id, data.text,
                               data.affects_preparation, new_deadline)
        return tender_out(session, lookup.get_tender(session, tender_id), user_of(request))


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
        _managed(session, user_of(request), tender_id)
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
        _managed(session, user_of(request), tender_id)
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
    user = current_user(request)
    with db.transaction() as session:
        manager = is_manager(user, lookup.get_tender(session, tender_id))
        document, path = documents.download_document(session, actor_of(request), tender_id,
                                                     document_id, contact, manager=manager)
    # An allow-listed, sniffed type, as an attachment (nosniff is on every answer): an uploaded
    # page or script never runs on the platform's origin.
    return File(path=path, filename=document.filename, content_disposition_type="attachment",
                media_type=sniff.served_type(document.content_type))


@get(f"{API}/tenders/{{tender_id:uuid}}/documents/{{document_id:uuid}}",
     operation_id="downloadTenderDocument", summary="Download a document (R-14: no sign-up)")
async def download_document(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                            document_id: FromQuery[uuid.UUID], contact: FromQuery[str | None] = None) -> File:
    return await blocking(download, request, tender_id, document_id, contact)


ROUTES = [
    list_tenders, get_tender, create_tender, add_document, publish_tender, clarify_tender,
    raise_objection, answer_objection, cancel_tender, list_downloads, download_document,
]
