"""Pages of the drawn expert (own data only): the inbox, the own seats and the answers to a
draw; and the staff page deciding late cancellations. They work without JavaScript
(``data-confirm`` only adds a question before a destructive form is sent)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, Parameter
from litestar.response import Template
from sqlalchemy.orm import Session

from expert_pool import attendance, attendance_controllers, attendance_read
from trading import db
from trading.accounts.models import Role
from trading.audit import Actor
from trading.errors import UserError
from trading.params import INT32_MAX
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
EXPERTS = requires_role(Role.EXPERT)
STAFF = requires_role(Role.STAFF)
PickId = attendance_controllers.PickId
MessageId = Annotated[int, Parameter(ge=1, le=INT32_MAX, description="A message (1 … 2^31−1)")]
DONE = frozenset({"confirmed", "declined", "cancelled", "cancel_requested", "checked_in",
                  "pledged", "recused"})
GROUNDS = [g.value for g in attendance.RecusalGround]


def _user_id(request: Request[Any, Any, Any]) -> uuid.UUID:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user.id


# --- inbox ---------------------------------------------------------------------------------


def _inbox_page(request: Request[Any, Any, Any], marked: bool) -> Template:
    with db.read_only() as session:
        messages = attendance_read.inbox(session, _user_id(request))
    return render(request, "expert_pool/me_inbox.html", messages=messages, marked=marked)


@get("/experts/me/inbox", include_in_schema=False, guards=[EXPERTS])
async def inbox(request: Request[Any, Any, Any], marked: FromQuery[str | None] = None) -> Template:
    return await blocking(_inbox_page, request, marked == "1")


def _mark(request: Request[Any, Any, Any], message_id: int | None) -> Response[Any]:
    with db.transaction() as session:
        attendance_read.mark_read(session, _user_id(request), message_id)
    return redirect("/experts/me/inbox?marked=1")


@post("/experts/me/inbox/{message_id:int}/read", include_in_schema=False, guards=[EXPERTS])
async def inbox_mark_read(request: Request[Any, Any, Any],
                          message_id: FromPath[MessageId]) -> Response[Any]:
    return await blocking(_mark, request, message_id)


@post("/experts/me/inbox/read", include_in_schema=False, guards=[EXPERTS])
async def inbox_mark_all(request: Request[Any, Any, Any]) -> Response[Any]:
    return await blocking(_mark, request, None)


# --- the own seats -------------------------------------------------------------------------


def _seats_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        seats = attendance_read.my_seats(session, _user_id(request))
    return render(request, "expert_pool/me_draws.html", seats=seats)


@get("/experts/me/draws", include_in_schema=False, guards=[EXPERTS])
async def my_draws(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_seats_page, request)


def _seat_page(request: Request[Any, Any, Any], pick_id: int, *, done: str | None = None,
               error: UserError | None = None, values: dict[str, str] | None = None) -> Template:
    with db.read_only() as session:
        seat = attendance_read.my_seat(session, _user_id(request), pick_id)
    return render(request, "expert_pool/me_draw.html", status_code=error.status if error else 200,
                  seat=seat, done=done if done in DONE else None, grounds=GROUNDS,
                  error=error.message(language(request)) if error else None,
                  error_field=error.field if error else None, values=values or {})


@get("/experts/me/draws/{pick_id:int}", include_in_schema=False, guards=[EXPERTS])
async def my_draw(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                  done: FromQuery[str | None] = None) -> Template:
    return await blocking(_seat_page, request, pick_id, done=done)


Act = Callable[[Session, Actor, uuid.UUID, int], Any]


def _act(request: Request[Any, Any, Any], pick_id: int, action: Act, done: Callable[[Any], str],
         values: dict[str, str] | None = None) -> Response[Any] | Template:
    """Run the answer; a refusal shows the seat again with the reason (someone else's seat is
    the error page: there is nothing of theirs to show)."""
    user_id, actor = _user_id(request), actor_of(request)
    try:
        with db.transaction() as session:
            pick = action(session, actor, user_id, pick_id)
            outcome = done(pick)
    except attendance.NotDrawn:
        raise
    except UserError as error:
        return _seat_page(request, pick_id, error=error, values=values)
    return redirect(f"/experts/me/draws/{pick_id}?done={outcome}")


def _fixed(name: str) -> Callable[[Any], str]:
    return lambda _: name


@post("/experts/me/draws/{pick_id:int}/confirm", include_in_schema=False, guards=[EXPERTS])
async def confirm(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> Response[Any] | Template:
    return await blocking(_act, request, pick_id, attendance.confirm, _fixed("confirmed"))


@post("/experts/me/draws/{pick_id:int}/decline", include_in_schema=False, guards=[EXPERTS])
async def decline(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                  data: Form) -> Response[Any] | Template:
    reason = data.get("reason", "")
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.decline(
        s, a, u, p, reason), _fixed("declined"), {"reason": reason})


@post("/experts/me/draws/{pick_id:int}/cancel", include_in_schema=False, guards=[EXPERTS])
async def cancel(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                 data: Form) -> Response[Any] | Template:
    reason = data.get("cancel_reason", "")
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.cancel(
        s, a, u, p, reason), lambda pick: str(pick.state), {"cancel_reason": reason})


@post("/experts/me/draws/{pick_id:int}/check-in", include_in_schema=False, guards=[EXPERTS])
async def check_in(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> Response[Any] | Template:
    return await blocking(_act, request, pick_id, attendance.check_in, _fixed("checked_in"))


@post("/experts/me/draws/{pick_id:int}/pledge", include_in_schema=False, guards=[EXPERTS])
async def pledge(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> Response[Any] | Template:
    return await blocking(_act, request, pick_id, attendance.pledge, _fixed("pledged"))


@post("/experts/me/draws/{pick_id:int}/recusal", include_in_schema=False, guards=[EXPERTS])
async def recusal(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                  data: Form) -> Response[Any] | Template:
    ground, detail = data.get("ground", ""), data.get("detail", "")
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.declare_recusal(
        s, a, u, p, ground, detail), _fixed("recused"), {"ground": ground, "detail": detail})


# --- staff: late cancellations -------------------------------------------------------------


def _late_page(request: Request[Any, Any, Any], *, done: str | None = None,
               error: UserError | None = None) -> Template:
    with db.read_only() as session:
        pending = attendance.pending_cancellations(session)
    return render(request, "expert_pool/me_draws_cancellations.html",
                  status_code=error.status if error else 200, pending=pending,
                  done=done if done in ("approved", "refused") else None,
                  error=error.message(language(request)) if error else None)


@get("/experts/draws/cancellations", include_in_schema=False, guards=[STAFF])
async def late_cancellations(request: Request[Any, Any, Any],
                             done: FromQuery[str | None] = None) -> Template:
    return await blocking(_late_page, request, done=done)


def _decide(request: Request[Any, Any, Any], pick_id: int, approve: bool,
            note: str) -> Response[Any] | Template:
    try:
        with db.transaction() as session:
            attendance.approve_cancel(session, actor_of(request), pick_id, approve, note)
    except UserError as error:
        return _late_page(request, error=error)
    return redirect(f"/experts/draws/cancellations?done={'approved' if approve else 'refused'}")


@post("/experts/draws/cancellations/{pick_id:int}", include_in_schema=False, guards=[STAFF])
async def decide_cancellation(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                              data: Form) -> Response[Any] | Template:
    return await blocking(_decide, request, pick_id, data.get("decision") == "approve",
                          data.get("note", ""))


ROUTES: list[Any] = [
    inbox, inbox_mark_read, inbox_mark_all, my_draws, my_draw, confirm, decline, cancel,
    check_in, pledge, recusal, late_cancellations, decide_cancellation,
    *attendance_controllers.ROUTES,
]
