"""HTML pages of the bidding domain (zh-CN first; they work without JavaScript except where
crypto needs it: sealing a bid and opening a custodian's share in the browser)."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid
from pathlib import Path
from typing import Annotated, Any

from litestar import Request, Response, get, post, put
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import File, Template
from litestar.static_files import create_static_files_router

from bidding import config, controllers, lookup
from bidding.models import Tender, TenderState
from bidding.opening import backup, halves, records, shares
from bidding.sealing import ceremony, panels
from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.common import b64encode
from bidding.submission import intake
from bidding.submission.upload import receive_bid
from bidding.tendering import (
    announcement,
    clarifications,
    documents,
    limits,
    objections,
    tenders,
)
from bidding.tendering import notifications as tender_notifications
from trading import calendar_years, clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
MANAGERS = requires_role(Role.STAFF, Role.TENDEREE)
BIDDERS = requires_role(Role.BIDDER)
CUSTODIANS = requires_role(Role.CUSTODIAN)
REFRESH_SECONDS = 5

# Page glue for the crypto engineer's seal.js / share-open.js (served apart from their files).
PAGE_STATIC = create_static_files_router(
    path="/static/bidding-pages", directories=[Path(__file__).parent / "page_static"],
    include_in_schema=False)


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


#: Yuan with at most two decimals, ASCII digits only (int() also reads other scripts' digits).
YUAN = re.compile(r"([0-9]+)(?:\.([0-9]{0,2}))?")


def parse_yuan(value: str, field: str) -> int:
    """Yuan with at most two decimals → integer fen, without floats."""
    found = YUAN.fullmatch(value.strip().replace(",", ""))
    if found is None:
        raise UserError("金额格式应为元，最多两位小数", "Amounts are yuan with at most two "
                        "decimals", field=field)
    whole, cents = found.group(1).lstrip("0") or "0", found.group(2) or ""
    fen = int(whole) * 100 + int(cents.ljust(2, "0")) if len(whole) <= 18 else limits.MAX_FEN + 1
    limits.check_fen(fen, field)
    return fen


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None
    return user


def _error_page(request: Request[Any, Any, Any], error: UserError,
                template: str, **context: Any) -> Template:
    return render(request, template, status_code=error.status,
                  error=error.message(language(request)), error_field=error.field, **context)


# --- list and detail -----------------------------------------------------------------------


def _list_page(request: Request[Any, Any, Any]) -> Template:
    user = current_user(request)
    with db.read_only() as session:
        # Staff see every draft; a tenderee only its own organization's (issue 10).
        staff = user is not None and Role.STAFF.value in user.roles
        own = (user.organization_id if user is not None and not staff
               and Role.TENDEREE.value in user.roles else None)
        rows = tenders.list_tenders(session, include_drafts=staff, drafts_of=own)
    return render(request, "bidding/tender_list.html", tenders=rows)


@get("/bidding/tenders", include_in_schema=False)
async def tender_list(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_list_page, request)


def _is_manager(user: CurrentUser | None, tender: Tender) -> bool:
    if user is None:
        return False
    try:
        controllers.check_manager(user, tender)
    except UserError:
        return False
    return user.has_any({Role.STAFF.value, Role.TENDEREE.value})


def detail_context(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> dict[str, Any]:
    user = current_user(request)
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value and not _is_manager(user, tender):
            raise UserError("招标项目不存在", "Tender not found", status=404, code="not_found")
        return {
            "tender": tender, "sections": lookup.sections_of(session, tender_id),
            "documents": documents.documents_of(session, tender_id),
            "panel": panels.panel(session, tender_id), "yuan": yuan,
            "manager": _is_manager(user, tender),
            "is_bidder": user is not None and Role.BIDDER.value in user.roles,
            "objections": objections.objections_of(session, tender_id),
            "paused": bool(objections.open_objections(session, tender_id))
            and tender.state == TenderState.PUBLISHED.value,
            "now": clock.now(session),
            "ceremony": ceremony.summary(session, tender_id),
            "is_staff": user is not None and Role.STAFF.value in user.roles,
            "on_panel": user is not None and any(
                m.user_id == user.id for m in lookup.panel_of(session, tender_id)),
            "calendar_marks": calendar_years.marks(session, lookup.subject(tender_id))
            if _is_manager(user, tender) else [],
        }


def _detail(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> Template:
    return render(request, "bidding/tender_detail.html", **detail_context(request, tender_id))


@get("/bidding/tenders/{tender_id:uuid}", include_in_schema=False)
async def tender_detail(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_detail, request, tender_id)


@get("/bidding/tenders/{tender_id:uuid}/documents/{document_id:uuid}", include_in_schema=False)
async def document_download(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                            document_id: FromPath[uuid.UUID], contact: FromQuery[str | None] = None) -> File:
    return await blocking(controllers.download, request, tender_id, document_id, contact)


# --- creating and managing -----------------------------------------------------------------


def _new_page(request: Request[Any, Any, Any], status: int = 200, error: str | None = None,
              values: dict[str, str] | None = None) -> Template:
    with db.read_only() as session:
        custodians = panels.all_custodians(session)
        tenderees = tenders.organizations_of_kind(session, "tenderee")
        agents = tenders.organizations_of_kind(session, "agent")
    return render(request, "bidding/tender_new.html", status_code=status, error=error,
                  values=values or {}, custodians=custodians, categories=tenders.CATEGORIES,
                  tenderees=tenderees, agents=agents, items=announcement.ANNOUNCEMENT_ITEMS)


@get("/bidding/tenders/new", include_in_schema=False, guards=[MANAGERS])
async def tender_new(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_new_page, request)


def _input_from_form(user: CurrentUser, data: dict[str, Any]) -> tenders.TenderInput:
    custodians = data.get("custodians", [])
    custodians = custodians if isinstance(custodians, list) else [custodians]
    max_price = str(data.get("max_price", "")).strip()
    section = tenders.SectionInput(
        name=str(data.get("section_name", "")),
        estimated_price_fen=parse_yuan(str(data.get("estimate", "")), "estimate"),
        bid_security_fen=parse_yuan(str(data.get("security", "0")), "security"),
        max_price_fen=parse_yuan(max_price, "max_price") if max_price else None,
    )
    try:
        k = int(str(data.get("custody_k", "")))
    except ValueError as error:
        raise UserError("门限须为整数", "The threshold must be a number",
                        field="custody_k") from error
    tenderee_org = user.organization_id if Role.TENDEREE.value in user.roles else None
    if tenderee_org is None and str(data.get("tenderee_org_id", "")).strip():
        tenderee_org = controllers.parse_uuid(str(data["tenderee_org_id"]), "tenderee_org_id")
    agent = str(data.get("agent_org_id", "")).strip()
    return tenders.TenderInput(
        title=str(data.get("title", "")), category=str(data.get("category", "")),
        region=str(data.get("region", "")),
        evaluation_method=str(data.get("evaluation_method", "")), custody_k=k,
        custodian_ids=[controllers.parse_uuid(str(c), "custodians") for c in custodians],
        sections=[section], description=str(data.get("description", "")),
        bidder_decrypts=data.get("bidder_decrypts") == "1", tenderee_org_id=tenderee_org,
        announcement={key: str(data.get(key, "")) for key, *_ in announcement.ANNOUNCEMENT_ITEMS},
        agent_org_id=controllers.parse_uuid(agent, "agent_org_id") if agent else None,
    )


def _create(request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[Any]:
    user = _user(request)
    try:
        payload = _input_from_form(user, data)
        with db.transaction() as session:
            tender = tenders.create_tender(session, actor_of(request), user.id, payload)
    except UserError as error:
        kept = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        return _new_page(request, error.status, error.message(language(request)), kept)
    return redirect(f"/bidding/tenders/{tender.id}")


@post("/bidding/tenders", include_in_schema=False, guards=[MANAGERS])
async def tender_create(request: Request[Any, Any, Any],
                        data: Annotated[dict[str, Any], Body(
                            media_type=RequestEncodingType.URL_ENCODED)]) -> Response[Any]:
    return await blocking(_create, request, data)


def _manage(request: Request[Any, Any, Any], tender_id: uuid.UUID, action: Any) -> Response[Any]:
    """Run a manager's action; on a refusal, show the detail page with the reason."""
    user = _user(request)
    try:
        with db.transaction() as session:
            controllers.check_manager(user, lookup.get_tender(session, tender_id))
            action(session)
    except UserError as error:
        return _error_page(request, error, "bidding/tender_detail.html",
                           **detail_context(request, tender_id))
    return redirect(f"/bidding/tenders/{tender_id}")


async def _read_upload(data: dict[str, Any]) -> tuple[str, str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise UserError("请选择文件", "Choose a file", field="file")
    return upload.filename, upload.content_type, await upload.read()


@post("/bidding/tenders/{tender_id:uuid}/documents", include_in_schema=False, guards=[MANAGERS],
      request_max_body_size=config.MAX_DOCUMENT_BYTES + 1024 * 1024)
async def document_upload(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                          data: Multipart) -> Response[Any]:
    name, content_type, content = await _read_upload(data)
    return await blocking(_manage, request, tender_id, lambda s: documents.add_document(
        s, actor_of(request), tender_id, name, content_type, content))


def _local_datetime(value: str, field: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise UserError("时间格式应为 YYYY-MM-DDTHH:MM", "Use YYYY-MM-DDTHH:MM",
                        field=field) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.local_zone())
    return moment.astimezone(dt.UTC)


def _publish_action(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                    data: dict[str, str]) -> Any:
    def act(session: Any) -> None:
        deadline = _local_datetime(data.get("deadline", ""), "deadline")
        try:
            sale_ends = dt.date.fromisoformat(data.get("sale_ends_on", "").strip())
        except ValueError as error:
            raise UserError("日期格式应为 YYYY-MM-DD", "Use YYYY-MM-DD",
                            field="sale_ends_on") from error
        tenders.publish(session, actor_of(request), tender_id, deadline, sale_ends)
    return act


@post("/bidding/tenders/{tender_id:uuid}/publish", include_in_schema=False, guards=[MANAGERS])
async def tender_publish(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id,
                          _publish_action(request, tender_id, data))


@post("/bidding/tenders/{tender_id:uuid}/clarifications", include_in_schema=False, guards=[MANAGERS])
async def tender_clarify(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: clarifications.clarify(
        s, actor_of(request), tender_id, data.get("text", ""),
        data.get("affects_preparation") == "1"))


@post("/bidding/tenders/{tender_id:uuid}/cancel", include_in_schema=False,
      guards=[requires_role(Role.STAFF)])
async def tender_cancel(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: tenders.cancel(
        s, actor_of(request), tender_id, data.get("reason", "")))


@post("/bidding/tenders/{tender_id:uuid}/objections/{objection_id:uuid}/answer",
      include_in_schema=False, guards=[MANAGERS])
async def objection_answer(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                           objection_id: FromPath[uuid.UUID], data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: objections.answer_objection(
        s, actor_of(request), tender_id, objection_id, data.get("answer", ""),
        data.get("amends_documents") == "1"))


def _object(request: Request[Any, Any, Any], tender_id: uuid.UUID,
            data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            objections.raise_objection(session, actor_of(request), tender_id, data.get("text", ""))
    except UserError as error:
        return _error_page(request, error, "bidding/tender_detail.html",
                           **detail_context(request, tender_id))
    return redirect(f"/bidding/tenders/{tender_id}")


@post("/bidding/tenders/{tender_id:uuid}/objections", include_in_schema=False, guards=[BIDDERS])
async def tender_object(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Response[Any]:
    return await blocking(_object, request, tender_id, data)


# --- the bidder's page ---------------------------------------------------------------------


def _bid_page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
              error: str | None = None) -> Template:
    user = _user(request)
    with db.read_only() as session:
        org = intake.bidder_org(session, user)
        tender = lookup.get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value:
            raise UserError("招标项目不存在", "Tender not found", status=404, code="not_found")
        bids = intake.bids_of_bidder(session, tender_id, org.id)
        return render(
            request, "bidding/bid.html", status_code=status, error=error, tender=tender,
            sections=lookup.sections_of(session, tender_id), bids=bids, bidder_id=org.id,
            public_key_b64=b64encode(tender.opening_public_key or b""), yuan=yuan,
            names=intake.section_names(session, tender_id), now=clock.now(session),
            receipts={b.id: json.loads(b.receipt) for b in bids},
            halves=(halves.half_status(session, tender_id, org.id) if tender.bidder_decrypts
                    else None),
        )


@get("/bidding/tenders/{tender_id:uuid}/bid", include_in_schema=False, guards=[BIDDERS])
async def bid_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_bid_page, request, tender_id)


@put("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/bid", include_in_schema=False,
     guards=[BIDDERS], request_max_body_size=None, status_code=201)
async def bid_upload(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID]) -> Response[dict[str, Any]]:
    """The page's upload (seal.js sends the envelope with the X-CSRFToken header)."""
    accepted = await receive_bid(request, tender_id, section_id)
    receipt = receipts.Receipt.from_json(accepted.receipt).to_dict()
    return Response(content=receipt, status_code=201)


def _backup(request: Request[Any, Any, Any], tender_id: uuid.UUID, bid_id: uuid.UUID,
            content: bytes) -> Response[Any]:
    """R-25: the page's backup re-upload (a file field; the same checks as the API)."""
    user = _user(request)
    try:
        with db.read_only() as session:
            target = backup.precheck(session, user, tender_id, bid_id)
        incoming = backup.IncomingBackup(target)
        try:
            incoming.write(content)
        except BaseException:
            incoming.discard()
            raise
        backup.accept(actor_of(request), user, incoming)
    except UserError as error:
        return _bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid")


@post("/bidding/tenders/{tender_id:uuid}/bids/{bid_id:uuid}/backup", include_in_schema=False,
      guards=[BIDDERS], request_max_body_size=None)
async def bid_backup(
    request: Request[Any, Any, Any],
    tender_id: FromPath[uuid.UUID],
    bid_id: FromPath[uuid.UUID],
    data: Multipart,
) -> Response[Any]:
    _name, _type, content = await _read_upload(data)
    return await blocking(_backup, request, tender_id, bid_id, content)


def _half(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: dict[str, Any]) -> Any:
    try:
        controllers.submit_half_for(request, tender_id, str(data.get("section_id", "")),
                                    str(data.get("half_b64", "")).strip())
    except UserError as error:
        return _bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid")


@post("/bidding/tenders/{tender_id:uuid}/halves", include_in_schema=False, guards=[BIDDERS])
async def bid_half(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                   data: Form) -> Response[Any]:
    """Bidder-decrypts mode: the key half (unsealed by bid-page.js, or pasted from
    ``ggzy bid open-half --print-only``)."""
    return await blocking(_half, request, tender_id, data)


def _prefix(request: Request[Any, Any, Any], tender_id: uuid.UUID,
            bid_id: uuid.UUID) -> dict[str, str]:
    with db.read_only() as session:
        org = intake.bidder_org(session, _user(request))
        return {"prefix_b64": b64encode(halves.envelope_prefix(session, tender_id, bid_id,
                                                               org.id))}


@get("/bidding/tenders/{tender_id:uuid}/bids/{bid_id:uuid}/prefix", include_in_schema=False,
     guards=[BIDDERS])
async def bid_prefix(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     bid_id: FromPath[uuid.UUID]) -> dict[str, str]:
    return await blocking(_prefix, request, tender_id, bid_id)


def _withdraw(request: Request[Any, Any, Any], tender_id: uuid.UUID,
              section_id: uuid.UUID) -> Response[Any]:
    try:
        with db.transaction() as session:
            intake.withdraw(session, actor_of(request), _user(request), tender_id,
                            section_id)
    except UserError as error:
        return _bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid")


@post("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/withdraw", include_in_schema=False,
      guards=[BIDDERS])
async def bid_withdraw(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID]) -> Response[Any]:
    return await blocking(_withdraw, request, tender_id, section_id)


def _receipt(request: Request[Any, Any, Any], bid_id: uuid.UUID) -> Response[str]:
    with db.read_only() as session:
        org = intake.bidder_org(session, _user(request))
        receipt = intake.receipt_of(session, bid_id, org.id)
    return Response(content=json.dumps(receipt, ensure_ascii=False, indent=2),
                    media_type="application/json", headers={
                        "content-disposition": f'attachment; filename="receipt-{bid_id}.json"'})


@get("/bids/{bid_id:uuid}/receipt.json", include_in_schema=False, guards=[BIDDERS])
async def bid_receipt(request: Request[Any, Any, Any], bid_id: FromPath[uuid.UUID]) -> Response[str]:
    return await blocking(_receipt, request, bid_id)


# --- custodians ----------------------------------------------------------------------------


def _custody_page(request: Request[Any, Any, Any], status: int = 200,
                  error: str | None = None) -> Template:
    user = _user(request)
    with db.read_only() as session:
        key = panels.active_key(session, user.id)
        memberships = [lookup.get_tender(session, m.tender_id)
                       for m in session.scalars(panels.select_memberships(user.id))]
    return render(request, "bidding/custody.html", status_code=status, error=error, key=key,
                  memberships=memberships, custodian_id=panels.custodian_id(user.id))


@get("/custody", include_in_schema=False, guards=[CUSTODIANS])
async def custody_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_custody_page, request)


def _register(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        try:
            document = json.loads(data.get("document", ""))
        except ValueError as error:
            raise UserError("公钥文档不是有效的 JSON", "The document is not valid JSON",
                            field="document") from error
        if not isinstance(document, dict):
            raise UserError("公钥文档无效", "Invalid public key document", field="document")
        with db.transaction() as session:
            panels.register_key(session, actor_of(request), _user(request), document)
    except UserError as error:
        return _custody_page(request, error.status, error.message(language(request)))
    return redirect("/custody")


@post("/custody/keys", include_in_schema=False, guards=[CUSTODIANS])
async def custody_register(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_register, request, data)


def _share_page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
                error: str | None = None, result: str | None = None) -> Template:
    user = _user(request)
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        member = panels.my_membership(session, user, tender_id)
        have, need = shares.share_progress(session, tender_id)
        now = clock.now(session)
        round_ = ceremony.latest(session, tender_id)
        view = ceremony.public_view(session, round_) if round_ else None
    phase = ceremony.phase_label(round_.state) if round_ else None
    return render(request, "bidding/custody_tender.html", status_code=status, error=error,
                  result=result, tender=tender, member=member, have=have, need=need, now=now,
                  ceremony=view, phase=phase, custodian_id=panels.custodian_id(user.id),
                  my_index=member.position, request_base=str(request.base_url).rstrip("/"))


@get("/custody/bidding/tenders/{tender_id:uuid}", include_in_schema=False, guards=[CUSTODIANS])
async def custody_tender(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_share_page, request, tender_id)


def _share(request: Request[Any, Any, Any], tender_id: uuid.UUID,
           data: dict[str, str]) -> Template:
    try:
        outcome = controllers.submit_share_for(request, tender_id, data.get("share_b64", ""),
                                               data.get("signature_b64", ""))
    except UserError as error:
        return _share_page(request, tender_id, error.status, error.message(language(request)))
    message = outcome.message_en if language(request) == "en" else outcome.message_zh
    return _share_page(request, tender_id, result=message)


@post("/custody/bidding/tenders/{tender_id:uuid}/shares", include_in_schema=False, guards=[CUSTODIANS])
async def custody_share(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Template:
    return await blocking(_share, request, tender_id, data)


# --- opening and notifications -------------------------------------------------------------


def _opening_page(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> Template:
    progress = controllers.progress_out(tender_id)
    user = current_user(request)
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        live = tender.state in (TenderState.PUBLISHED.value, TenderState.CLOSED.value)
    # The regulator re-checks the record with the rebuilt key (only after the opening).
    key_b64 = None
    if user is not None and Role.REGULATOR.value in user.roles and tender.opened_at \
            and tender.opening_private_key:
        key_b64 = b64encode(tender.opening_private_key)
    return render(request, "bidding/opening.html", tender=tender, progress=progress,
                  refresh=REFRESH_SECONDS if live else None, yuan=yuan,
                  status_zh=records.STATUS_ZH, key_b64=key_b64)


@get("/bidding/tenders/{tender_id:uuid}/opening", include_in_schema=False)
async def opening_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_opening_page, request, tender_id)


def _notifications(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        rows = tender_notifications.notifications_for(session, _user(request).id)
    return render(request, "bidding/notifications.html", notifications=rows)


@get("/bidding/notifications", include_in_schema=False, guards=[requires_role()])
async def notifications(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_notifications, request)


ROUTES = [
    tender_list, tender_new, tender_create, tender_detail, document_download, document_upload,
    tender_publish, tender_clarify, tender_cancel, tender_object, objection_answer, bid_page, bid_upload,
    bid_backup, bid_withdraw, bid_receipt, custody_page, custody_register, custody_tender, custody_share,
    opening_page, notifications, PAGE_STATIC, bid_half, bid_prefix,
]
