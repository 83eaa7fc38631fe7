"""The expert's own pages: apply, see and edit the own record, availability and conflicts.

Every handler finds the record through the signed-in account, never through an id in the
request, so an expert cannot reach another expert's record from here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery
from litestar.response import Template
from sqlalchemy.orm import Session

from expert_pool import pool, pool_changes, pool_lifecycle
from expert_pool.models import Expert
from expert_pool.pool_views_common import (
    EXPERTS,
    Form,
    RowId,
    detail_context,
    done_key,
    form_page,
    form_values,
    input_from_form,
    own_expert,
    submitted,
    user_of,
)
from trading import clock, db
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render

Action = Callable[[Session, Expert], Any]


def _profile(request: Request[Any, Any, Any], template: str, done: str | None = None,
             error: UserError | None = None, values: dict[str, str] | None = None) -> Template:
    lang = language(request)
    with db.read_only() as session:
        expert = pool.expert_for_user(session, user_of(request).id)
        context = detail_context(session, expert, lang) if expert is not None else {"expert": None}
        today = clock.legal_day(clock.now(session))
    return render(request, template, status_code=error.status if error else 200,
                  done=done_key(done), error=error.message(lang) if error else None,
                  error_field=error.field if error else None, values=values or {}, today=today,
                  **context)


@get("/experts/me", include_in_schema=False, guards=[EXPERTS])
async def me(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_profile, request, "expert_pool/me_profile.html", done)


def _apply_page(request: Request[Any, Any, Any]) -> Response[Any]:
    with db.read_only() as session:
        if pool.expert_for_user(session, user_of(request).id) is not None:
            return redirect("/experts/me")
        user = user_of(request)
        return form_page(request, session, action="/experts/apply", heading="pool.apply",
                         values={"name": user.display_name, "sex": "male", "pool": "platform",
                                 "education": "bachelor", "expert_type": "technical"},
                         staff_form=False, intro="pool.apply_intro", cancel="/experts/me")


@get("/experts/apply", include_in_schema=False, guards=[EXPERTS])
async def apply_page(request: Request[Any, Any, Any]) -> Response[Any]:
    return await blocking(_apply_page, request)


def _apply(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            payload = input_from_form({**data, "pool": "platform"})
            pool.apply_as_expert(session, actor_of(request), user_of(request).id, payload)
    except UserError as error:
        with db.read_only() as session:
            return form_page(request, session, action="/experts/apply", heading="pool.apply",
                             values=submitted(data), staff_form=False, status=error.status,
                             error=error, intro="pool.apply_intro", cancel="/experts/me")
    return redirect("/experts/me?done=applied")


@post("/experts/apply", include_in_schema=False, guards=[EXPERTS])
async def apply_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_apply, request, data)


def _edit_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        expert = own_expert(session, user_of(request))
        return form_page(request, session, action="/experts/me/edit", heading="pool.me_edit",
                         values=form_values(pool.input_of(session, expert)), staff_form=False,
                         intro="pool.me_edit_intro", cancel="/experts/me")


@get("/experts/me/edit", include_in_schema=False, guards=[EXPERTS])
async def me_edit(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_edit_page, request)


def _update(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            expert = own_expert(session, user_of(request))
            applied, requested = pool_changes.update_own(session, actor_of(request), expert,
                                                         input_from_form(data))
    except UserError as error:
        if error.status == 404:
            raise
        with db.read_only() as session:
            return form_page(request, session, action="/experts/me/edit", heading="pool.me_edit",
                             values=submitted(data), staff_form=False, status=error.status,
                             error=error, intro="pool.me_edit_intro", cancel="/experts/me")
    done = "requested" if requested else "saved" if applied else "unchanged"
    return redirect(f"/experts/me?done={done}")


@post("/experts/me/edit", include_in_schema=False, guards=[EXPERTS])
async def me_update(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_update, request, data)


def _own_act(request: Request[Any, Any, Any], page: str, action: Action, done: str,
             data: dict[str, str] | None = None) -> Response[Any]:
    try:
        with db.transaction() as session:
            action(session, own_expert(session, user_of(request)))
    except UserError as error:
        if error.status == 404:
            raise
        return _profile(request, f"expert_pool/me_profile_{page}.html", error=error,
                        values=dict(data or {}))
    return redirect(f"/experts/me/{page}?done={done}")


@get("/experts/me/availability", include_in_schema=False, guards=[EXPERTS])
async def me_availability(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_profile, request, "expert_pool/me_profile_availability.html", done)


@post("/experts/me/availability", include_in_schema=False, guards=[EXPERTS])
async def me_availability_add(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_own_act, request, "availability", lambda s, e: pool_lifecycle.add_unavailability(
        s, actor, e, data.get("starts_on", ""), data.get("ends_on", ""), data.get("reason", "")),
        "unavailability", data)


@post("/experts/me/availability/{row_id:int}/delete", include_in_schema=False, guards=[EXPERTS])
async def me_availability_remove(request: Request[Any, Any, Any], row_id: RowId) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_own_act, request, "availability",
                          lambda s, e: pool_lifecycle.remove_unavailability(s, actor, e, row_id),
                          "unavailability")


@get("/experts/me/conflicts", include_in_schema=False, guards=[EXPERTS])
async def me_conflicts(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_profile, request, "expert_pool/me_profile_conflicts.html", done)


@post("/experts/me/conflicts", include_in_schema=False, guards=[EXPERTS])
async def me_conflict_add(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    actor = actor_of(request)
    conflict = pool_lifecycle.ConflictInput(
        data.get("kind", ""), data.get("organization_name", ""), data.get("credit_code", ""),
        data.get("started_on") or None, data.get("ended_on") or None, data.get("detail", ""))
    return await blocking(_own_act, request, "conflicts",
                          lambda s, e: pool_lifecycle.add_conflict(s, actor, e, conflict),
                          "conflict", data)


@post("/experts/me/conflicts/{row_id:int}/delete", include_in_schema=False, guards=[EXPERTS])
async def me_conflict_remove(request: Request[Any, Any, Any], row_id: RowId) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_own_act, request, "conflicts",
                          lambda s, e: pool_lifecycle.remove_conflict(s, actor, e, row_id),
                          "conflict")


ROUTES: list[Any] = [me, apply_page, apply_submit, me_edit, me_update, me_availability,
                     me_availability_add, me_availability_remove, me_conflicts, me_conflict_add,
                     me_conflict_remove]
