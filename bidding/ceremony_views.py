"""The key ceremony on the tender page: staff (or a panel custodian) start a round, staff
close a phase when a custodian stays away; everyone who sees the draft watches its progress.
The custodians' own steps run in ``ggzy custody`` on their machines (bidding/custody_cli.py)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from bidding import views
from bidding.sealing import ceremony
from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, render, requires_role

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


ROUTES = [ceremony_start, ceremony_advance]
