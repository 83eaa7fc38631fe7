"""The opening hall's page, its polled JSON and the bidders' and managers' forms (issue 13;
bidding/hall/services.py has the rules)."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding import rules
from bidding.hall import services as hall
from bidding.opening import records
from bidding.web import API, BIDDERS, MANAGERS, Form, user_of, yuan
from trading import db
from trading.errors import UserError
from trading.i18n import translate
from trading.web import actor_of, blocking, current_user, language, redirect, render

#: Seconds between reloads of the no-JavaScript page while the opening runs.
REFRESH_SECONDS = 10
#: A hall form is a few fields and at most a reason of ``hall.MAX_TEXT`` characters.
FORM_BYTES = 16 * 1024
#: The success messages the hall shows after an action (``?done=<key>``).
DONE = frozenset({"signed_in", "confirmed", "objected", "answered"})


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
          error: str | None = None) -> Template:
    done = request.query_params.get("done")
    with db.read_only() as session:
        view = hall.hall(session, tender_id, current_user(request))
        sections = view.record.record["sections"] if view.record else []
    deadline_ms = int(view.tender.deadline.timestamp() * 1000) if view.tender.deadline else None
    return render(request, "bidding/hall.html", status_code=status, error=error,
                  success=done if done in DONE and error is None else None, hall=view,
                  tender=view.tender, progress=view.progress, sections=sections, yuan=yuan,
                  status_zh=records.STATUS_ZH, deadline_ms=deadline_ms,
                  refresh=REFRESH_SECONDS if view.live else None,
                  rule=rules.cite("R-24", language(request)),
                  window_minutes=int(hall.CONFIRM_WINDOW.total_seconds() // 60))


@get("/bidding/tenders/{tender_id:uuid}/hall", include_in_schema=False)
async def hall_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    """Public: the countdown, the progress and the published record; participants also see
    who signed in and the confirmations (services.is_participant)."""
    return await blocking(_page, request, tender_id)


def _live(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> Response[Any]:
    with db.read_only() as session:
        body = hall.live(session, tender_id)
    body["state_label"] = translate(f"bidding.state.{body['state']}", language(request))
    etag = '"' + hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == etag:
        return Response(content=b"", status_code=304, headers=headers)
    return Response(content=body, headers=headers)


@get(f"{API}/tenders/{{tender_id:uuid}}/hall", operation_id="getOpeningHall",
     summary="The opening hall's live state: shares k of n, bids decrypted, whether the record "
     "is out, seconds to the deadline (an ETag; If-None-Match answers 304)")
async def hall_live(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Response[Any]:
    return await blocking(_live, request, tender_id)


def _act(request: Request[Any, Any, Any], tender_id: uuid.UUID,
         action: Callable[[Session], None], done: str) -> Any:
    try:
        with db.transaction() as session:
            action(session)
    except UserError as error:
        return _page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/hall?done={done}")


@post("/bidding/tenders/{tender_id:uuid}/hall/sign-in", include_in_schema=False,
      guards=[BIDDERS], request_max_body_size=FORM_BYTES)
async def hall_sign_in(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       data: Form) -> Any:
    return await blocking(_act, request, tender_id, lambda s: hall.sign_in(
        s, actor_of(request), user_of(request), tender_id), "signed_in")


def _confirm(request: Request[Any, Any, Any], tender_id: uuid.UUID, bid_id: uuid.UUID,
             data: dict[str, str]) -> Any:
    def action(session: Session) -> None:
        # Confirming cannot be undone: the box is required by the form and checked here.
        if data.get("confirm") != "1":
            raise UserError("请勾选“我已核对本单位的开标记录，确认无误”",
                            "Tick the box to confirm your line of the record", field="confirm")
        hall.confirm(session, actor_of(request), user_of(request), tender_id, bid_id)
    return _act(request, tender_id, action, "confirmed")


@post("/bidding/tenders/{tender_id:uuid}/hall/bids/{bid_id:uuid}/confirm",
      include_in_schema=False, guards=[BIDDERS], request_max_body_size=FORM_BYTES)
async def hall_confirm(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       bid_id: FromPath[uuid.UUID], data: Form) -> Any:
    return await blocking(_confirm, request, tender_id, bid_id, data)


@post("/bidding/tenders/{tender_id:uuid}/hall/bids/{bid_id:uuid}/objection",
      include_in_schema=False, guards=[BIDDERS], request_max_body_size=FORM_BYTES)
async def hall_object(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      bid_id: FromPath[uuid.UUID], data: Form) -> Any:
    return await blocking(_act, request, tender_id, lambda s: hall.object_to(
        s, actor_of(request), user_of(request), tender_id, bid_id, data.get("reason", "")),
        "objected")


@post("/bidding/tenders/{tender_id:uuid}/hall/bids/{bid_id:uuid}/answer",
      include_in_schema=False, guards=[MANAGERS], request_max_body_size=FORM_BYTES)
async def hall_answer(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      bid_id: FromPath[uuid.UUID], data: Form) -> Any:
    return await blocking(_act, request, tender_id, lambda s: hall.answer(
        s, actor_of(request), user_of(request), tender_id, bid_id, data.get("answer", "")),
        "answered")


ROUTES = [hall_page, hall_live, hall_sign_in, hall_confirm, hall_object, hall_answer]
