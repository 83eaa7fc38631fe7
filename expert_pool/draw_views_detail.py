"""The page of one draw: its conditions, the commitment, the supervising officer's value, the
ranked committee (names only for those who may see them, R-33), exclusions for regulators,
late cancellations, cancelling the draw and rating the experts after the evaluation."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template
from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool import attendance, drawing, ratings
from expert_pool.draw_views_common import (
    LAW_KEY,
    REVEALED,
    STAFF,
    SUPERVISORS,
    VIEWERS,
    committee,
    done_key,
    draw_state_key,
    find_draw,
    hex_value,
    is_regulator,
    is_staff,
    own_expert_id,
    requirements_of,
    section_label,
    specialty_name,
    specialty_names,
    user_name,
    user_of,
)
from expert_pool.models import DrawState, ExclusionReason, Expert, PickState, Rating
from trading import clock, db
from trading.accounts.models import Organization
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
SCORES = range(1, 6)


def field(data: dict[str, Any], name: str) -> str:
    """One form value as text (a repeated field counts once: its first value)."""
    value = data.get(name, "")
    return str(value[0] if isinstance(value, list) and value else value)


def _exclusion_key(reason: str) -> str:
    known = {r.value for r in ExclusionReason}
    return f"drawpage.excl.{reason}" if reason in known else "drawpage.excl.poor_record"


CREDIT_CODE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}")


@dataclass(frozen=True)
class ExclusionRow:
    """One recused expert as the regulator reads it: name, and the organisation behind a
    credit code instead of the bare code."""
    expert_number: str
    name: str
    reason: str
    detail: str


def _exclusion_rows(session: Session, exclusions: list[drawing.Exclusion]) -> list[ExclusionRow]:
    if not exclusions:
        return []
    experts = {e.number: e for e in session.scalars(
        select(Expert).where(Expert.number.in_({x.expert_number for x in exclusions})))}
    codes = {x.detail for x in exclusions if CREDIT_CODE.fullmatch(x.detail)}
    names = {o.credit_code: o.name for o in session.scalars(
        select(Organization).where(Organization.credit_code.in_(codes)))} if codes else {}
    for known in experts.values():  # an employee's own employer is named on the record
        if known.employer_credit_code in codes:
            names.setdefault(known.employer_credit_code, known.employer_name)
    rows = []
    for x in exclusions:
        expert = experts.get(x.expert_number)
        detail = f"{names[x.detail]}（{x.detail}）" if x.detail in names else x.detail
        rows.append(ExclusionRow(x.expert_number, expert.name if expert else "—", x.reason,
                                 detail or "—"))
    return rows


def detail_context(request: Request[Any, Any, Any], number: str) -> dict[str, Any]:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        draw = find_draw(session, number)
        show_names = drawing.may_see_names(user, draw, own_expert_id(session, user))
        requirements = requirements_of(session, draw)
        names = specialty_names(session, [r.specialty_code for r in requirements])
        blocks = committee(session, draw, show_names, lang)
        now = clock.now(session)
        rated = {r.expert_id: r for r in session.scalars(select(Rating).where(Rating.draw_id == draw.id))}
        exclusions = _exclusion_rows(session, drawing.exclusions_of(draw)) \
            if is_regulator(user) else []
        return {
            "draw": draw, "label": section_label(session, draw.tender_id, draw.section_id),
            "state_key": draw_state_key(draw.state), "law_key": None,
            "requirements": [(r, specialty_name(names, r.specialty_code, lang)) for r in requirements],
            "blocks": blocks, "show_names": show_names,
            "requested_by": user_name(session, draw.requested_by),
            "supervisor": user_name(session, draw.supervisor_user_id),
            "is_supervisor": user.id == draw.supervisor_user_id,
            "staff": is_staff(user), "regulator": is_regulator(user),
            "exclusions": exclusions, "exclusion_key": _exclusion_key,
            "revealed": draw.state in REVEALED, "r_platform": hex_value(draw.r_platform)
            if draw.state in REVEALED else None,
            "cancel_requests": [p for b in blocks for p in b.picks
                                if p.pick.state == PickState.CANCEL_REQUESTED.value],
            "evaluation_started": now >= draw.evaluation_at,
            "to_rate": [p for b in blocks for p in b.picks
                        if p.pick.state == PickState.CHECKED_IN.value],
            "rated": rated, "scores": SCORES,
            "open": draw.state not in (DrawState.CANCELLED.value,),
        }


def _page(request: Request[Any, Any, Any], number: str, done: str | None = None,
          error: UserError | None = None) -> Template:
    context = detail_context(request, number)
    context["law_key"] = LAW_KEY[context["label"].government_procurement]
    if error is not None:
        return render(request, "expert_pool/draw_detail.html", status_code=error.status,
                      error=error.message(language(request)), error_field=error.field, **context)
    return render(request, "expert_pool/draw_detail.html", done=done_key(done), **context)


@get("/experts/draws/{number:str}", include_in_schema=False, guards=[VIEWERS])
async def draw_detail(request: Request[Any, Any, Any], number: FromPath[str],
                      done: FromQuery[str | None] = None) -> Template:
    return await blocking(_page, request, number, done)


def _act(request: Request[Any, Any, Any], number: str, done: str,
         action: Callable[[Session, uuid.UUID], object]) -> Response[Any]:
    """Run one action on the draw; a refusal shows the draw page with the reason."""
    try:
        with db.transaction() as session:
            action(session, find_draw(session, number).id)
    except UserError as error:
        if error.status == 404:
            raise
        return _page(request, number, error=error)
    return redirect(f"/experts/draws/{number}?done={done}")


@post("/experts/draws/{number:str}/commit", include_in_schema=False, guards=[STAFF])
async def draw_commit(request: Request[Any, Any, Any], number: FromPath[str]) -> Response[Any]:
    return await blocking(_act, request, number, "committed",
                          lambda s, draw_id: drawing.commit(s, actor_of(request), draw_id))


@post("/experts/draws/{number:str}/contribution", include_in_schema=False, guards=[SUPERVISORS])
async def draw_contribute(request: Request[Any, Any, Any], number: FromPath[str],
                          data: Form) -> Response[Any]:
    """The supervising officer's value; the engine refuses anyone but the draw's supervisor."""
    user = user_of(request)
    return await blocking(_act, request, number, "drawn", lambda s, draw_id: drawing.contribute(
        s, actor_of(request), user.id, draw_id, field(data, "value")))


@post("/experts/draws/{number:str}/cancel", include_in_schema=False, guards=[STAFF])
async def draw_cancel(request: Request[Any, Any, Any], number: FromPath[str], data: Form) -> Response[Any]:
    return await blocking(_act, request, number, "cancelled", lambda s, draw_id: drawing.cancel(
        s, actor_of(request), draw_id, field(data, "reason")))


def _pick_id(text: str) -> int:
    if not text.isascii() or not text.isdigit() or not 0 < int(text) < 2**31:
        raise UserError("席位不存在", "Seat not found", field="pick")
    return int(text)


def _decide(request: Request[Any, Any, Any], number: str, data: dict[str, Any]) -> Response[Any]:
    approve = field(data, "decision") == "approve"

    def action(session: Session, draw_id: uuid.UUID) -> None:
        pick_id = _pick_id(field(data, "pick"))
        if all(p.id != pick_id for p in drawing.picks_of(session, draw_id)):
            raise UserError("席位不存在", "Seat not found", field="pick")
        attendance.approve_cancel(session, actor_of(request), pick_id, approve, field(data, "note"))

    return _act(request, number, "approved" if approve else "refused", action)


@post("/experts/draws/{number:str}/cancellations", include_in_schema=False, guards=[STAFF])
async def draw_cancellation(request: Request[Any, Any, Any], number: FromPath[str],
                            data: Form) -> Response[Any]:
    return await blocking(_decide, request, number, data)


def _score(data: dict[str, Any], name: str) -> int:
    text = field(data, name).strip()
    if text not in {str(s) for s in SCORES}:
        raise UserError("请评 1 到 5 分", "Score from 1 to 5", field=name)
    return int(text)


def _rate(request: Request[Any, Any, Any], number: str, data: dict[str, Any]) -> Response[Any]:
    def action(session: Session, draw_id: uuid.UUID) -> None:
        expert_id = session.scalar(select(Expert.id).where(Expert.number == field(data, "expert")))
        if expert_id is None:
            raise UserError("专家不存在", "Expert not found", field="expert")
        ratings.rate(session, actor_of(request), draw_id, expert_id, _score(data, "punctuality"),
                     _score(data, "quality"), _score(data, "conduct"), field(data, "comment"))

    return _act(request, number, "rated", action)


@post("/experts/draws/{number:str}/ratings", include_in_schema=False, guards=[STAFF])
async def draw_rate(request: Request[Any, Any, Any], number: FromPath[str], data: Form) -> Response[Any]:
    return await blocking(_rate, request, number, data)


ROUTES: list[Any] = [draw_detail, draw_commit, draw_contribute, draw_cancel, draw_cancellation,
                     draw_rate]
