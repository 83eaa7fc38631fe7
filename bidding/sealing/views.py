"""The key ceremony on the tender page: staff (or a panel custodian) start a round, staff
close a phase when a custodian stays away; everyone who sees the draft watches its progress.
The custodians' own steps run in ``ggzy custody`` on their machines (bidding/cli/custodian.py)."""

from __future__ import annotations

import json
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from bidding import lookup
from bidding.sealing import ceremony, panels
from bidding.tendering import views
from bidding.web import CUSTODIANS, Form, user_of
from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

STARTERS = requires_role(Role.STAFF, Role.CUSTODIAN)
STAFF = requires_role(Role.STAFF)


def _act(request: Request[Any, Any, Any], tender_id: uuid.UUID, action: Any,
         name: str) -> Response[Any] | Template:
    user = current_user(request)
    assert user is not None
    actor = actor_of(request)
    try:
        with db.transaction() as session:
            action(session, actor, user, tender_id)
    except UserError as error:
        if isinstance(error, ceremony.StepRefused):
            with db.transaction() as session:
                ceremony.record_refusal(session, actor, tender_id, name, error.code or "refused")
        context = views.detail_context(request, tender_id)
        return render(request, "bidding/tender_detail.html", status_code=error.status,
                      error=error.message(language(request)), **context)
    return Redirect(f"/bidding/tenders/{tender_id}#ceremony")


@post("/bidding/tenders/{tender_id:uuid}/ceremony", include_in_schema=False, guards=[STARTERS])
async def ceremony_start(request: Request[Any, Any, Any],
                         tender_id: FromPath[uuid.UUID]) -> Response[Any] | Template:
    return await blocking(_act, request, tender_id, ceremony.start, "start")


@post("/bidding/tenders/{tender_id:uuid}/ceremony/advance", include_in_schema=False,
      guards=[STAFF])
async def ceremony_advance(request: Request[Any, Any, Any],
                           tender_id: FromPath[uuid.UUID]) -> Response[Any] | Template:
    return await blocking(_act, request, tender_id, ceremony.advance, "advance")


# --- custodians ----------------------------------------------------------------------------


def _custody_page(request: Request[Any, Any, Any], status: int = 200,
                  error: str | None = None) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        key = panels.active_key(session, user.id)
        memberships = [lookup.get_tender(session, m.tender_id)
                       for m in session.scalars(panels.select_memberships(user.id))]
    return render(request, "bidding/custody.html", status_code=status, error=error, key=key,
                  memberships=memberships)


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
            panels.register_key(session, actor_of(request), user_of(request), document)
    except UserError as error:
        return _custody_page(request, error.status, error.message(language(request)))
    return redirect("/custody")


@post("/custody/keys", include_in_schema=False, guards=[CUSTODIANS])
async def custody_register(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_register, request, data)


ROUTES = [ceremony_start, ceremony_advance, custody_page, custody_register]
