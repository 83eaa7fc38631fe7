"""Pages and JSON of time-limited completion: start and end an excluded period (R-06), request
and approve the one extension (R-05), department decisions in parallel (City §26), the staff
task list of one's own departments, and the progress as JSON."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

import msgspec
from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import UserError
from trading.intake import applications, completion, forms, refusals
from trading.intake.models import Application, ExcludedKind
from trading.web import actor_of, blocking, current_user, redirect, render, requires_role

STAFF = requires_role(Role.STAFF)
SIGNED_IN = requires_role()
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_FORM = 16 * 1024
DONE = ("period_started", "period_ended", "extension_requested", "extension_decided",
        "task_decided")


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def context(session: Session, user: CurrentUser | None,
            application: Application) -> dict[str, Any]:
    """What the staff review page and the applicant's receipt show about completion."""
    state = completion.clock_for(session, application)
    if state is None:
        return {"completion": None}
    mine = completion.departments_of(session, user) if user else []
    return {"completion": completion.completion_of(session, application), "clock": state,
            "periods": completion.periods_of(session, application),
            "tasks": sorted(completion.tasks_of(session, application),
                            key=lambda t: t.department.code),
            "my_departments": {d.department.code for d in mine},
            "head_of_item": any(d.head and d.department_id == application.item.department_id
                                for d in mine),
            "excluded_kinds": [k for k in ExcludedKind if k.value in application.item.excluded_kinds]}


def _act(request: Request[Any, Any, Any], tracking: str, done: str,
         action: Callable[[Session, Actor, CurrentUser], object]) -> Response[Any]:
    try:
        with db.transaction() as session:
            action(session, actor_of(request), _user(request))
    except UserError as error:
        if error.status in (403, 404):
            raise
        from trading.intake.decision_views import review

        return review(request, tracking, error=error)
    return redirect(f"/intake/staff/applications/{tracking}?done={done}")


@post("/intake/staff/applications/{tracking:str}/periods", include_in_schema=False,
      guards=[STAFF], request_max_body_size=MAX_FORM)
async def start_period(request: Request[Any, Any, Any], tracking: FromPath[str],
                       data: Form) -> Response[Any]:
    return await refusals.call(request, _start_period, tracking[:32], data)


def _start_period(request: Request[Any, Any, Any], tracking: str,
                  data: Mapping[str, Any]) -> Response[Any]:
    def action(session: Session, actor: Actor, user: CurrentUser) -> object:
        kind = forms.choice(data, "kind", ExcludedKind)
        return completion.start_period(session, actor, user, tracking, kind,
                                       forms.text(data, "reason", completion.MAX_TEXT))
    return _act(request, tracking, "period_started", action)


@post("/intake/staff/applications/{tracking:str}/periods/end", include_in_schema=False,
      guards=[STAFF], request_max_body_size=MAX_FORM)
async def end_period(request: Request[Any, Any, Any], tracking: FromPath[str],
                     data: Form) -> Response[Any]:
    return await refusals.call(request, _end_period, tracking[:32], data)


def _end_period(request: Request[Any, Any, Any], tracking: str,
                data: Mapping[str, Any]) -> Response[Any]:
    def action(session: Session, actor: Actor, user: CurrentUser) -> object:
        return completion.end_period(session, actor, user, tracking,
                                     forms.text(data, "reason", completion.MAX_TEXT))
    return _act(request, tracking, "period_ended", action)


@post("/intake/staff/applications/{tracking:str}/extension", include_in_schema=False,
      guards=[STAFF], request_max_body_size=MAX_FORM)
async def request_extension(request: Request[Any, Any, Any], tracking: FromPath[str],
                            data: Form) -> Response[Any]:
    return await refusals.call(request, _request_extension, tracking[:32], data)


def _request_extension(request: Request[Any, Any, Any], tracking: str,
                       data: Mapping[str, Any]) -> Response[Any]:
    def action(session: Session, actor: Actor, user: CurrentUser) -> object:
        days = forms.whole_number(data, "days", 1, completion.MAX_EXTENSION_DAYS)
        return completion.request_extension(session, actor, user, tracking, days,
                                            forms.text(data, "reason", completion.MAX_TEXT))
    return _act(request, tracking, "extension_requested", action)


@post("/intake/staff/applications/{tracking:str}/extension/decision", include_in_schema=False,
      guards=[STAFF], request_max_body_size=MAX_FORM)
async def decide_extension(request: Request[Any, Any, Any], tracking: FromPath[str],
                           data: Form) -> Response[Any]:
    return await refusals.call(request, _decide_extension, tracking[:32], data)


def _decide_extension(request: Request[Any, Any, Any], tracking: str,
                      data: Mapping[str, Any]) -> Response[Any]:
    def action(session: Session, actor: Actor, user: CurrentUser) -> object:
        answer = forms.text(data, "approve", 8)
        if answer not in ("yes", "no"):
            raise UserError("请选择批准或不批准", "Choose approve or refuse", field="approve")
        return completion.decide_extension(session, actor, user, tracking, answer == "yes")
    return _act(request, tracking, "extension_decided", action)


@post("/intake/staff/applications/{tracking:str}/tasks", include_in_schema=False,
      guards=[STAFF], request_max_body_size=MAX_FORM)
async def decide_task(request: Request[Any, Any, Any], tracking: FromPath[str],
                      data: Form) -> Response[Any]:
    return await refusals.call(request, _decide_task, tracking[:32], data)


def _decide_task(request: Request[Any, Any, Any], tracking: str,
                 data: Mapping[str, Any]) -> Response[Any]:
    def action(session: Session, actor: Actor, user: CurrentUser) -> object:
        return completion.decide_task(
            session, actor, user, tracking, forms.text(data, "department", 32),
            forms.text(data, "decision", 16), forms.text(data, "reasons", completion.MAX_TEXT),
            forms.text(data, "overdue_reason", completion.MAX_TEXT))
    return _act(request, tracking, "task_decided", action)


@get("/intake/staff/tasks", include_in_schema=False, guards=[STAFF])
async def tasks_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_tasks_page, request)


def _tasks_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        rows = completion.staff_tasks(session, _user(request))
        running = completion.in_progress(session, _user(request))
        left = {a.id: completion.clock_for(session, a)
                for a in [*(a for a, _ in rows), *running]}
        return render(request, "intake/tasks.html", rows=rows, left=left, running=running,
                      departments=completion.departments_of(session, _user(request)))


class PeriodOut(msgspec.Struct):
    kind: str
    started_day: str
    ended_day: str | None


class TaskOut(msgspec.Struct):
    department: str
    department_name: str
    decision: str | None


class Progress(msgspec.Struct):
    tracking_number: str
    status: str
    due_day: str | None
    remaining_working_days: int | None
    paused: bool
    provisional: bool
    extension_days: int
    periods: list[PeriodOut]
    tasks: list[TaskOut]
    result_number: str | None


@get("/api/v1/intake/applications/{tracking:str}/progress", operation_id="getApplicationProgress",
     summary="An accepted application's completion: due day, working days left, excluded "
             "periods, department decisions", guards=[SIGNED_IN])
async def progress(request: Request[Any, Any, Any], tracking: FromPath[str]) -> Progress:
    return await blocking(_progress, _user(request), tracking[:32])


def _progress(user: CurrentUser, tracking: str) -> Progress:
    with db.read_only() as session:
        application = applications.application_for(session, user, tracking)
        state = completion.clock_for(session, application)
        done = completion.completion_of(session, application)
        return Progress(
            tracking_number=application.tracking_number, status=application.status,
            due_day=state.due_day.isoformat() if state and state.due_day else None,
            remaining_working_days=state.remaining if state else None,
            paused=bool(state and state.paused), provisional=bool(state and state.provisional),
            extension_days=done.extension_days if done else 0,
            periods=[PeriodOut(p.kind, p.started_day.isoformat(),
                               p.ended_day.isoformat() if p.ended_day else None)
                     for p in completion.periods_of(session, application)],
            tasks=[TaskOut(t.department.code, t.department.name_zh, t.decision)
                   for t in completion.tasks_of(session, application)],
            result_number=done.result_number if done else None)


ROUTES = [start_period, end_period, request_extension, decide_extension, decide_task,
          tasks_page, progress]
