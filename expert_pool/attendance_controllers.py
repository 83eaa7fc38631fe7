"""JSON API of the drawn expert's side (bearer tokens only): the own seats and their answers,
and the staff decision on a late cancellation. Refusals are problem details."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody, Parameter
from sqlalchemy.orm import Session

from expert_pool import attendance, attendance_read
from expert_pool.models import Draw, DrawPick
from trading import db
from trading.accounts.models import Role
from trading.audit import Actor
from trading.params import INT32_MAX, text_length
from trading.web import actor_of, blocking, current_user, requires_role

API = "/api/v1"
EXPERTS = requires_role(Role.EXPERT)
STAFF = requires_role(Role.STAFF)

#: A seat's id (an Integer column): out of range is a 400 naming it, before any query.
PickId = Annotated[int, Parameter(ge=1, le=INT32_MAX, description="A seat (1 … 2^31−1)")]
Reason = Annotated[str, text_length(attendance.REASON_MAX)]


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Reason


class RecusalIn(msgspec.Struct, forbid_unknown_fields=True):
    ground: Annotated[str, text_length(32)]
    detail: Reason = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    note: Reason = ""


class SeatOut(msgspec.Struct):
    pick_id: int
    draw_number: str
    state: str
    evaluation_at: dt.datetime
    first_day: dt.date
    last_day: dt.date
    place: str
    answer_due: dt.datetime | None
    checked_in_at: dt.datetime | None
    pledged_at: dt.datetime | None
    recusal_ground: str | None
    project: str | None  # named from check-in on
    cancel_needs_approval: bool


class DecisionOut(msgspec.Struct):
    pick_id: int
    state: str


def seat_out(view: attendance_read.SeatView) -> SeatOut:
    return SeatOut(
        pick_id=view.pick_id, draw_number=view.draw_number, state=view.state,
        evaluation_at=view.evaluation_at, first_day=view.evaluation_days[0],
        last_day=view.evaluation_days[1], place=view.place, answer_due=view.answer_due,
        checked_in_at=view.checked_in_at, pledged_at=view.pledged_at,
        recusal_ground=view.recusal_ground, project=view.project,
        cancel_needs_approval=view.cancel_needs_approval)


def _user_id(request: Request[Any, Any, Any]) -> uuid.UUID:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user.id


def _list(user_id: uuid.UUID) -> list[SeatOut]:
    with db.read_only() as session:
        return [seat_out(v) for v in attendance_read.my_seats(session, user_id)]


def _one(user_id: uuid.UUID, pick_id: int) -> SeatOut:
    with db.read_only() as session:
        return seat_out(attendance_read.my_seat(session, user_id, pick_id))


Action = Callable[[Session, Actor, uuid.UUID, int], DrawPick]


def _act(request: Request[Any, Any, Any], pick_id: int, action: Action) -> SeatOut:
    user_id, actor = _user_id(request), actor_of(request)
    with db.transaction() as session:
        pick = action(session, actor, user_id, pick_id)
        draw = session.get(Draw, pick.draw_id)
        assert draw is not None
        return seat_out(attendance_read.seat_view(session, pick, draw))


@get(f"{API}/my/expert-draws", operation_id="listMyExpertDraws", guards=[EXPERTS],
     summary="The signed-in expert's seats in draws (the project is named from check-in on)")
async def list_my_draws(request: Request[Any, Any, Any]) -> list[SeatOut]:
    return await blocking(_list, _user_id(request))


@get(f"{API}/my/expert-draws/{{pick_id:int}}", operation_id="getMyExpertDraw", guards=[EXPERTS],
     summary="One of the signed-in expert's seats")
async def get_my_draw(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> SeatOut:
    return await blocking(_one, _user_id(request), pick_id)


@post(f"{API}/my/expert-draws/{{pick_id:int}}/confirm", operation_id="confirmMyExpertDraw",
      guards=[EXPERTS], status_code=200, summary="Confirm attendance before the answer is due")
async def confirm_draw(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> SeatOut:
    return await blocking(_act, request, pick_id, attendance.confirm)


@post(f"{API}/my/expert-draws/{{pick_id:int}}/decline", operation_id="declineMyExpertDraw",
      guards=[EXPERTS], status_code=200,
      summary="Decline with a reason; the seat passes to the next in rank")
async def decline_draw(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                       data: JSONBody[ReasonIn]) -> SeatOut:
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.decline(
        s, a, u, p, data.reason))


@post(f"{API}/my/expert-draws/{{pick_id:int}}/cancel", operation_id="cancelMyExpertDraw",
      guards=[EXPERTS], status_code=200,
      summary="Withdraw a confirmation (< 24 h before the evaluation: staff decide)")
async def cancel_draw(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                      data: JSONBody[ReasonIn]) -> SeatOut:
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.cancel(
        s, a, u, p, data.reason))


@post(f"{API}/my/expert-draws/{{pick_id:int}}/check-in", operation_id="checkInMyExpertDraw",
      guards=[EXPERTS], status_code=200, summary="Check in on the evaluation day")
async def check_in(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> SeatOut:
    return await blocking(_act, request, pick_id, attendance.check_in)


@post(f"{API}/my/expert-draws/{{pick_id:int}}/pledge", operation_id="pledgeMyExpertDraw",
      guards=[EXPERTS], status_code=200, summary="Sign the integrity pledge after check-in")
async def pledge(request: Request[Any, Any, Any], pick_id: FromPath[PickId]) -> SeatOut:
    return await blocking(_act, request, pick_id, attendance.pledge)


@post(f"{API}/my/expert-draws/{{pick_id:int}}/recusal", operation_id="recuseMyExpertDraw",
      guards=[EXPERTS], status_code=200,
      summary="Declare a recusal (statutory ground or other with details); the seat passes on")
async def recusal(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                  data: JSONBody[RecusalIn]) -> SeatOut:
    return await blocking(_act, request, pick_id, lambda s, a, u, p: attendance.declare_recusal(
        s, a, u, p, data.ground, data.detail))


def _decide(actor: Actor, pick_id: int, data: DecisionIn) -> DecisionOut:
    with db.transaction() as session:
        pick = attendance.approve_cancel(session, actor, pick_id, data.approve, data.note)
        return DecisionOut(pick_id=pick.id, state=pick.state)


@post(f"{API}/expert-draws/picks/{{pick_id:int}}/cancel-decision",
      operation_id="decideExpertCancellation", guards=[STAFF], status_code=200,
      summary="Staff approve or refuse a cancellation made less than 24 h before the evaluation")
async def cancel_decision(request: Request[Any, Any, Any], pick_id: FromPath[PickId],
                          data: JSONBody[DecisionIn]) -> DecisionOut:
    return await blocking(_decide, actor_of(request), pick_id, data)


ROUTES = [list_my_draws, get_my_draw, confirm_draw, decline_draw, cancel_draw, check_in, pledge,
          recusal, cancel_decision]
