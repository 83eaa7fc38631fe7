"""Staff pages of the expert pool (regulators read them): list, record, lifecycle, changes.

The import and classification pages are in ``pool_views_admin``, the expert's own pages in
``pool_views_me``; ``ROUTES`` gathers all three for the plugin. ID numbers and mobiles are
shown masked everywhere; statuses and other stored values by their label.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.orm import Session

from expert_pool import pool, pool_changes, pool_lifecycle, pool_views_admin, pool_views_me, specialties
from expert_pool.idcard import mask_id_number, mask_mobile
from expert_pool.models import Expert, IntegrityKind
from expert_pool.pool_views_common import (
    STAFF,
    VIEWERS,
    Form,
    PageNo,
    RowId,
    detail_context,
    done_key,
    find,
    form_page,
    form_values,
    input_from_form,
    is_staff,
    submitted,
)
from trading import clock, db
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render

Action = Callable[[Session, Expert], Any]


def _list(request: Request[Any, Any, Any], keyword: str, specialty: str, status: str,
          region: str, page: int) -> Template:
    with db.read_only() as session:
        found = pool.search_experts(session, keyword, specialty, status, region, page)
        names = {e.id: pool.links_of(session, e) for e in found.rows}
        codes = sorted({link.specialty_code for links in names.values() for link in links})
        specialty_names = specialties.names(session, codes, language(request))
        choices = specialties.active_choices(session)
    return render(request, "expert_pool/pool_list.html", found=found, links=names,
                  specialty_names=specialty_names, choices=choices,
                  mask_id=mask_id_number, is_staff=is_staff(request), statuses=pool.STATUS_LABELS,
                  query={"keyword": keyword, "specialty": specialty, "status": status,
                         "region": region})


@get("/experts", include_in_schema=False, guards=[VIEWERS])
async def expert_list(request: Request[Any, Any, Any], keyword: FromQuery[str] = "",
                      specialty: FromQuery[str] = "", status: FromQuery[str] = "",
                      region: FromQuery[str] = "", page: PageNo = 1) -> Template:
    return await blocking(_list, request, keyword[:100], specialty[:16], status[:16],
                          region[:64], page)


def _new(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        return form_page(request, session, action="/experts", heading="pool.new",
                         values={"pool": "platform", "sex": "male", "education": "bachelor",
                                 "expert_type": "technical"}, staff_form=True)


@get("/experts/new", include_in_schema=False, guards=[STAFF])
async def expert_new(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_new, request)


def _create(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            expert = pool.create_expert(session, actor_of(request), input_from_form(data))
            number = expert.number
    except UserError as error:
        with db.read_only() as session:
            return form_page(request, session, action="/experts", heading="pool.new",
                             values=submitted(data), staff_form=True, status=error.status,
                             error=error)
    return redirect(f"/experts/{number}?done=created")


@post("/experts", include_in_schema=False, guards=[STAFF])
async def expert_create(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_create, request, data)


def _detail(request: Request[Any, Any, Any], number: str, done: str | None = None,
            error: UserError | None = None) -> Template:
    lang = language(request)
    with db.read_only() as session:
        expert = find(session, number)
        context = detail_context(session, expert, lang)
        today = clock.legal_day(clock.now(session))
    return render(request, "expert_pool/pool_detail.html",
                  status_code=error.status if error else 200, done=done_key(done),
                  error=error.message(lang) if error else None,
                  error_field=error.field if error else None, is_staff=is_staff(request),
                  today=today, integrity_kinds=[IntegrityKind.REWARD.value, "penalty"],
                  **context)


@get("/experts/{number:str}", include_in_schema=False, guards=[VIEWERS])
async def expert_detail(request: Request[Any, Any, Any], number: FromPath[str],
                        done: FromQuery[str | None] = None) -> Template:
    return await blocking(_detail, request, number, done)


def _act(request: Request[Any, Any, Any], number: str, action: Action, done: str) -> Response[Any]:
    try:
        with db.transaction() as session:
            action(session, find(session, number))
    except UserError as error:
        if error.status == 404:
            raise
        return _detail(request, number, error=error)
    return redirect(f"/experts/{number}?done={done}")


def _edit(request: Request[Any, Any, Any], number: str) -> Template:
    with db.read_only() as session:
        expert = find(session, number)
        return form_page(request, session, action=f"/experts/{number}/edit", heading="pool.edit",
                         values=form_values(pool.input_of(session, expert)), staff_form=True,
                         cancel=f"/experts/{number}")


@get("/experts/{number:str}/edit", include_in_schema=False, guards=[STAFF])
async def expert_edit(request: Request[Any, Any, Any], number: FromPath[str]) -> Template:
    return await blocking(_edit, request, number)


def _update(request: Request[Any, Any, Any], number: str, data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            changed = pool.update_expert(session, actor_of(request), find(session, number),
                                         input_from_form(data))
    except UserError as error:
        if error.status == 404:
            raise
        with db.read_only() as session:
            return form_page(request, session, action=f"/experts/{number}/edit",
                             heading="pool.edit", values=submitted(data), staff_form=True,
                             status=error.status, error=error, cancel=f"/experts/{number}")
    return redirect(f"/experts/{number}?done={'saved' if changed else 'unchanged'}")


@post("/experts/{number:str}/edit", include_in_schema=False, guards=[STAFF])
async def expert_update(request: Request[Any, Any, Any], number: FromPath[str], data: Form) -> Response[Any]:
    return await blocking(_update, request, number, data)


def _status_action(request: Request[Any, Any, Any], action: str, data: dict[str, str]) -> Action:
    actor = actor_of(request)
    reason = data.get("reason", "")

    def run(session: Session, expert: Expert) -> None:
        if action == "penalize":
            pool_lifecycle.penalize(session, actor, expert, data.get("until", ""), reason,
                                    data.get("period_from", ""), data.get("basis", ""))
        elif action in pool_lifecycle.TRANSITIONS:
            getattr(pool_lifecycle, action)(session, actor, expert, reason)
        else:
            raise UserError("未知操作", "Unknown action", status=404, code="not_found")
    return run


@post("/experts/{number:str}/status/{action:str}", include_in_schema=False, guards=[STAFF])
async def expert_status(request: Request[Any, Any, Any], number: FromPath[str], action: FromPath[str],
                        data: Form) -> Response[Any]:
    return await blocking(_act, request, number, _status_action(request, action, data), "status")


@post("/experts/{number:str}/unavailability", include_in_schema=False, guards=[STAFF])
async def expert_unavailability_add(request: Request[Any, Any, Any], number: FromPath[str],
                                    data: Form) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_act, request, number, lambda s, e: pool_lifecycle.add_unavailability(
        s, actor, e, data.get("starts_on", ""), data.get("ends_on", ""), data.get("reason", "")),
        "unavailability")


@post("/experts/{number:str}/unavailability/{row_id:int}/delete", include_in_schema=False,
      guards=[STAFF])
async def expert_unavailability_remove(request: Request[Any, Any, Any], number: FromPath[str],
                                       row_id: RowId) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_act, request, number, lambda s, e: pool_lifecycle.remove_unavailability(
        s, actor, e, row_id), "unavailability")


def conflict_input(data: dict[str, str]) -> pool_lifecycle.ConflictInput:
    return pool_lifecycle.ConflictInput(
        data.get("kind", ""), data.get("organization_name", ""), data.get("credit_code", ""),
        data.get("started_on") or None, data.get("ended_on") or None, data.get("detail", ""))


@post("/experts/{number:str}/conflicts", include_in_schema=False, guards=[STAFF])
async def expert_conflict_add(request: Request[Any, Any, Any], number: FromPath[str],
                              data: Form) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_act, request, number, lambda s, e: pool_lifecycle.add_conflict(
        s, actor, e, conflict_input(data)), "conflict")


@post("/experts/{number:str}/conflicts/{row_id:int}/delete", include_in_schema=False,
      guards=[STAFF])
async def expert_conflict_remove(request: Request[Any, Any, Any], number: FromPath[str],
                                 row_id: RowId) -> Response[Any]:
    actor = actor_of(request)
    return await blocking(_act, request, number, lambda s, e: pool_lifecycle.remove_conflict(
        s, actor, e, row_id), "conflict")


def _integrity_action(request: Request[Any, Any, Any], data: dict[str, str]) -> Action:
    actor = actor_of(request)

    def run(session: Session, expert: Expert) -> None:
        kind = data.get("kind", "")
        if kind != IntegrityKind.REWARD.value:  # penalties go through "penalize" (status too)
            raise UserError("此处只登记奖励；处罚请使用“处罚”操作", "Record rewards here; use "
                            "penalize for penalties", field="kind")
        occurred = pool.parse_date(data.get("occurred_on", ""), "occurred_on", required=True)
        assert occurred is not None
        detail = data.get("detail", "").strip()
        if not detail or len(detail) > 2000:
            raise UserError("请填写情况（最多 2000 字）", "Describe it (≤ 2000 characters)",
                            field="detail")
        if occurred > clock.legal_day(clock.now(session)):
            raise UserError("日期不能晚于今天", "The date is in the future", field="occurred_on")
        pool.record_integrity(session, actor, expert, IntegrityKind(kind), occurred,
                              data.get("basis", "").strip(), detail)
    return run


@post("/experts/{number:str}/integrity", include_in_schema=False, guards=[STAFF])
async def expert_integrity(request: Request[Any, Any, Any], number: FromPath[str],
                           data: Form) -> Response[Any]:
    return await blocking(_act, request, number, _integrity_action(request, data), "integrity")


# --- change requests -----------------------------------------------------------------------


def _changes(request: Request[Any, Any, Any], done: str | None,
             error: UserError | None = None) -> Template:
    lang = language(request)
    with db.read_only() as session:
        rows = []
        for change, expert in pool_changes.pending_requests(session):
            current = form_values(pool.input_of(session, expert))
            proposed = form_values(pool_changes.proposed_input(session, expert, change))
            rows.append((change, expert, current, proposed))
    return render(request, "expert_pool/pool_changes.html", rows=rows, done=done_key(done),
                  status_code=error.status if error else 200,
                  error=error.message(lang) if error else None, mask_id=mask_id_number,
                  mask_mobile=mask_mobile)


@get("/experts/changes", include_in_schema=False, guards=[STAFF])
async def change_list(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_changes, request, done)


def _decide(request: Request[Any, Any, Any], request_id: int, data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            pool_changes.decide_change(session, actor_of(request), request_id,
                                       data.get("decision") == "approve", data.get("reason", ""))
    except UserError as error:
        if error.status == 404:
            raise
        return _changes(request, None, error)
    return redirect("/experts/changes?done=decided")


@post("/experts/changes/{request_id:int}/decide", include_in_schema=False, guards=[STAFF])
async def change_decide(request: Request[Any, Any, Any], request_id: RowId,
                        data: Form) -> Response[Any]:
    return await blocking(_decide, request, request_id, data)


ROUTES: list[Any] = [
    *pool_views_admin.ROUTES, *pool_views_me.ROUTES,
    expert_list, expert_new, expert_create, expert_detail, expert_edit, expert_update,
    expert_status, expert_unavailability_add, expert_unavailability_remove, expert_conflict_add,
    expert_conflict_remove, expert_integrity, change_list, change_decide,
]
