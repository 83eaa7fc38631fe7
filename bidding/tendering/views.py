"""HTML pages of tendering (zh-CN first, no JavaScript needed): the tender list, the tender's
page (which also shows its custodian panel and key ceremony), creating and managing a tender,
documents, clarifications, objections, and one's notifications."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import File, Template

from bidding import config, lookup, rules, web
from bidding.evaluation import plans, presets
from bidding.models import Tender, TenderState
from bidding.sealing import ceremony, panels
from bidding.tendering import (
    announcement,
    clarifications,
    controllers,
    documents,
    limits,
    objections,
    supervisor,
    tenders,
)
from bidding.tendering import notifications as tender_notifications
from bidding.web import BIDDERS, MANAGERS, Form, Multipart, error_page, read_upload, user_of, yuan
from trading import calendar_years, clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

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


#: The success messages the detail page shows after an action (``?done=<key>``).
DONE = frozenset({"uploaded", "published", "clarified", "cancelled", "answered", "objected",
                  "method_set"})


def detail_context(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> dict[str, Any]:
    user = current_user(request)
    done = request.query_params.get("done")
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value and not web.is_manager(user, tender):
            raise UserError("招标项目不存在", "Tender not found", status=404, code="not_found")
        return {
            "tender": tender, "sections": lookup.sections_of(session, tender_id),
            "cite": rules.cite, "success": done if done in DONE else None,
            "method_lines": _method_lines(tender, language(request)),
            "documents": documents.documents_of(session, tender_id),
            "panel": panels.panel(session, tender_id), "yuan": yuan,
            "manager": web.is_manager(user, tender),
            "is_bidder": user is not None and Role.BIDDER.value in user.roles,
            "objections": objections.objections_of(session, tender_id),
            "clarifications": clarifications.clarifications_of(session, tender_id),
            "notices": announcement.public_notices(session, tender_id)
            if tender.state != TenderState.DRAFT.value else [],
            "paused": bool(objections.open_objections(session, tender_id))
            and tender.state == TenderState.PUBLISHED.value,
            "now": clock.now(session),
            "ceremony": ceremony.summary(session, tender_id),
            "is_staff": user is not None and Role.STAFF.value in user.roles,
            "on_panel": user is not None and any(
                m.user_id == user.id for m in lookup.panel_of(session, tender_id)),
            "calendar_marks": calendar_years.marks(session, lookup.subject(tender_id))
            if web.is_manager(user, tender) else [],
            "supervisor": supervisor.name_of(session, tender.supervisor_org_id),
        }


def _method_lines(tender: Tender, lang: str) -> list[tuple[str, list[str]]]:
    method = plans.method_of(tender)
    return presets.describe(method, lang) if method is not None else []


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


SECTION_FIELDS = ("section_name", "estimate", "max_price", "security")
ADD_SECTION = "add_section"  # the form's 增加标段 button: the page again with one more row


def _listed(data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def section_rows(data: dict[str, Any]) -> list[dict[str, str]]:
    """The form's section rows as typed (the four inputs repeat once per 标段), bounded."""
    columns = {key: _listed(data, key) for key in SECTION_FIELDS}
    count = min(max(len(c) for c in columns.values()), limits.MAX_SECTIONS)
    return [{key: (columns[key][i] if i < len(columns[key]) else "") for key in SECTION_FIELDS}
            for i in range(count)]


def _filled(row: dict[str, str]) -> bool:
    return any(row[key].strip() for key in ("section_name", "estimate", "max_price"))


def _new_page(request: Request[Any, Any, Any], status: int = 200, error: str | None = None,
              values: dict[str, Any] | None = None, rows: list[dict[str, str]] | None = None) -> Template:
    with db.read_only() as session:
        custodians = panels.all_custodians(session)
        tenderees = tenders.organizations_of_kind(session, "tenderee")
        agents = tenders.organizations_of_kind(session, "agent")
        regulators = supervisor.regulators(session)
    blank = {"section_name": "", "estimate": "", "max_price": "", "security": "0"}
    return render(request, "bidding/tender_new.html", status_code=status, error=error,
                  values=values or {}, custodians=custodians, categories=tenders.CATEGORIES,
                  tenderees=tenderees, agents=agents, regulators=regulators,
                  items=announcement.ANNOUNCEMENT_ITEMS,
                  method_presets=presets.PRESETS, max_sections=limits.MAX_SECTIONS,
                  section_rows=rows or [{**blank, "section_name": "第一标段"}])


@get("/bidding/tenders/new", include_in_schema=False, guards=[MANAGERS])
async def tender_new(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_new_page, request)


def _section_input(row: dict[str, str], index: int) -> tenders.SectionInput:
    max_price = row["max_price"].strip()
    return tenders.SectionInput(
        name=row["section_name"],
        estimated_price_fen=parse_yuan(row["estimate"], f"sections[{index}].estimate"),
        bid_security_fen=parse_yuan(row["security"] or "0", f"sections[{index}].security"),
        max_price_fen=parse_yuan(max_price, f"sections[{index}].max_price") if max_price else None,
    )


def _input_from_form(user: CurrentUser, data: dict[str, Any]) -> tenders.TenderInput:
    custodians = _listed(data, "custodians") if "custodians" in data else []
    sections = [_section_input(row, index)
                for index, row in enumerate(r for r in section_rows(data) if _filled(r))]
    try:
        k = int(str(data.get("custody_k", "")))
    except ValueError as error:
        raise UserError("门限须为整数", "The threshold must be a number",
                        field="custody_k") from error
    tenderee_org = user.organization_id if Role.TENDEREE.value in user.roles else None
    if tenderee_org is None and str(data.get("tenderee_org_id", "")).strip():
        tenderee_org = web.parse_uuid(str(data["tenderee_org_id"]), "tenderee_org_id")
    agent = str(data.get("agent_org_id", "")).strip()
    supervising = str(data.get("supervisor_org_id", "")).strip()
    return tenders.TenderInput(
        title=str(data.get("title", "")), category=str(data.get("category", "")),
        region=str(data.get("region", "")),
        evaluation_method=str(data.get("evaluation_method", "")), custody_k=k,
        custodian_ids=[web.parse_uuid(c, "custodians") for c in custodians],
        sections=sections, description=str(data.get("description", "")),
        bidder_decrypts=data.get("bidder_decrypts") == "1", tenderee_org_id=tenderee_org,
        announcement={key: str(data.get(key, "")) for key, *_ in announcement.ANNOUNCEMENT_ITEMS},
        agent_org_id=web.parse_uuid(agent, "agent_org_id") if agent else None,
        supervisor_org_id=web.parse_uuid(supervising, supervisor.FIELD) if supervising else None,
        require_supervisor=True,
    )


def _kept(data: dict[str, Any]) -> dict[str, Any]:
    """What the person typed, shown again after a refusal (custodians as a list)."""
    kept: dict[str, Any] = {k: str(v) for k, v in data.items()
                            if k not in ("_csrf_token", "custodians", "action", *SECTION_FIELDS)
                            and not isinstance(v, list)}
    kept["custodians"] = _listed(data, "custodians") if "custodians" in data else []
    return kept


def _create(request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[Any]:
    rows = section_rows(data) or []
    if data.get("action") == ADD_SECTION:
        if len(rows) < limits.MAX_SECTIONS:
            number = len(rows) + 1
            rows.append({"section_name": f"第{number}标段", "estimate": "", "max_price": "",
                         "security": "0"})
        return _new_page(request, values=_kept(data), rows=rows)
    user = user_of(request)
    try:
        payload = _input_from_form(user, data)
        with db.transaction() as session:
            tender = tenders.create_tender(session, actor_of(request), user.id, payload)
    except UserError as error:
        return _new_page(request, error.status, error.message(language(request)), _kept(data),
                         rows)
    return redirect(f"/bidding/tenders/{tender.id}")


@post("/bidding/tenders", include_in_schema=False, guards=[MANAGERS])
async def tender_create(request: Request[Any, Any, Any],
                        data: Annotated[dict[str, Any], Body(
                            media_type=RequestEncodingType.URL_ENCODED)]) -> Response[Any]:
    return await blocking(_create, request, data)


def _manage(request: Request[Any, Any, Any], tender_id: uuid.UUID, action: Any,
            done: str) -> Response[Any]:
    """Run a manager's action; on a refusal, show the detail page with the reason, else the
    page again with the success message ``done`` (one of ``DONE``)."""
    user = user_of(request)
    try:
        with db.transaction() as session:
            web.check_manager(user, lookup.get_tender(session, tender_id))
            action(session)
    except UserError as error:
        return error_page(request, error, "bidding/tender_detail.html",
                           **detail_context(request, tender_id))
    return redirect(f"/bidding/tenders/{tender_id}?done={done}")


@post("/bidding/tenders/{tender_id:uuid}/documents", include_in_schema=False, guards=[MANAGERS],
      request_max_body_size=config.MAX_DOCUMENT_BYTES + 1024 * 1024)
async def document_upload(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                          data: Multipart) -> Response[Any]:
    name, content_type, content = await read_upload(data)
    return await blocking(_manage, request, tender_id, lambda s: documents.add_document(
        s, actor_of(request), tender_id, name, content_type, content), "uploaded")


def _publish_action(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                    data: dict[str, str]) -> Any:
    def act(session: Any) -> None:
        deadline = web.local_datetime(data.get("deadline", ""), "deadline")
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
                          _publish_action(request, tender_id, data), "published")


@post("/bidding/tenders/{tender_id:uuid}/clarifications", include_in_schema=False, guards=[MANAGERS])
async def tender_clarify(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: clarifications.clarify(
        s, actor_of(request), tender_id, data.get("text", ""),
        data.get("affects_preparation") == "1"), "clarified")


@post("/bidding/tenders/{tender_id:uuid}/cancel", include_in_schema=False,
      guards=[requires_role(Role.STAFF)])
async def tender_cancel(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: tenders.cancel(
        s, actor_of(request), tender_id, data.get("reason", "")), "cancelled")


@post("/bidding/tenders/{tender_id:uuid}/objections/{objection_id:uuid}/answer",
      include_in_schema=False, guards=[MANAGERS])
async def objection_answer(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                           objection_id: FromPath[uuid.UUID], data: Form) -> Response[Any]:
    return await blocking(_manage, request, tender_id, lambda s: objections.answer_objection(
        s, actor_of(request), tender_id, objection_id, data.get("answer", ""),
        data.get("amends_documents") == "1"), "answered")


def _object(request: Request[Any, Any, Any], tender_id: uuid.UUID,
            data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            objections.raise_objection(session, actor_of(request), tender_id, data.get("text", ""))
    except UserError as error:
        return error_page(request, error, "bidding/tender_detail.html",
                           **detail_context(request, tender_id))
    return redirect(f"/bidding/tenders/{tender_id}?done=objected")


@post("/bidding/tenders/{tender_id:uuid}/objections", include_in_schema=False, guards=[BIDDERS])
async def tender_object(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Response[Any]:
    return await blocking(_object, request, tender_id, data)


# --- notifications -------------------------------------------------------------------------


def _notifications(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        rows = tender_notifications.notifications_for(session, user_of(request).id)
    return render(request, "bidding/notifications.html", notifications=rows)


@get("/bidding/notifications", include_in_schema=False, guards=[requires_role()])
async def notifications(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_notifications, request)


def _by_ref(tender_ref: str) -> str:
    """Where a public notice's tender reference leads: the tender's page when it names a
    published tender of this platform, else the notices' history (which exists for any ref a
    notice names), never a 404 for a ref that was linked."""
    try:
        tender_id = uuid.UUID(tender_ref)
    except ValueError:
        tender_id = None
    if tender_id is not None and str(tender_id) == tender_ref:
        with db.read_only() as session:
            tender = session.get(Tender, tender_id)
            if tender is not None and tender.state != TenderState.DRAFT.value:
                return f"/bidding/tenders/{tender_id}"
    return f"/tenders/{quote(tender_ref, safe='')}"


@get("/bidding/tenders/by-ref/{tender_ref:str}", include_in_schema=False)
async def tender_by_ref(tender_ref: FromPath[str]) -> Response[Any]:
    """The public notices link here (disclosure knows a tender only by its reference)."""
    return redirect(await blocking(_by_ref, tender_ref[:64]))


ROUTES = [
    tender_by_ref, tender_list, tender_new, tender_create, tender_detail, document_download, document_upload,
    tender_publish, tender_clarify, tender_cancel, tender_object, objection_answer, notifications,
]
