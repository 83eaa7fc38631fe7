"""The bidder's side of clarification (澄清): the requests to its organisation's bids, each with
its deadline, and the reply form while it is open."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from bidding.evaluation import clarification
from bidding.web import Form, user_of
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.params import RowId
from trading.web import actor_of, blocking, language, redirect, render, requires_role

BIDDERS = requires_role(Role.BIDDER)
PAGE = "/bidding/evaluation/clarifications"


def _page(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None, failed: int | None = None) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        found = (clarification.of_organization(session, user.organization_id)
                 if user.organization_id else [])
        now = clock.now(session)
    return render(request, "bidding/evaluation/clarifications.html",
                  status_code=error.status if error else 200,
                  error=error.message(language(request)) if error else None, failed=failed,
                  success=done == "answered", items=found, now=now, local=clock.format_local,
                  basis=clarification.BASIS)


@get(PAGE, include_in_schema=False, guards=[BIDDERS])
async def clarifications_page(request: Request[Any, Any, Any],
                              done: FromQuery[str | None] = None) -> Template:
    return await blocking(_page, request, done)


def _answer(request: Request[Any, Any, Any], clarification_id: int,
            data: dict[str, str]) -> Response[Any] | Template:
    user = user_of(request)
    try:
        with db.transaction() as session:
            clarification.answer(session, actor_of(request), user.id, user.organization_id,
                                 clarification_id, str(data.get("reply", "")))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, error=error, failed=clarification_id)
    return redirect(f"{PAGE}?done=answered")


@post(f"{PAGE}/{{clarification_id:int}}", include_in_schema=False, guards=[BIDDERS])
async def answer(request: Request[Any, Any, Any], clarification_id: FromPath[RowId],
                 data: Form) -> Response[Any] | Template:
    return await blocking(_answer, request, clarification_id, data)


ROUTES = [clarifications_page, answer]
