"""Pages of complaints (City §41): an applicant files one, staff assign and answer it within the
limit, regulators see them all."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.intake import complaints, forms, ratings, refusals
from trading.intake.application_views import APPLICANTS, SIGNED_IN, STAFF
from trading.intake.decision_views import Form
from trading.intake.models import Application
from trading.web import actor_of, current_user, language, redirect, render, requires_role

OVERSEERS = requires_role(Role.STAFF, Role.REGULATOR)
DONE = ("filed", "assigned", "answered")
MAX_BODY = 32 * 1024


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def _values(data: Mapping[str, Any]) -> dict[str, str]:
    return {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}


@get("/intake/complaints", include_in_schema=False, guards=[SIGNED_IN])
async def list_page(request: Request[Any, Any, Any]) -> Template:
    return await refusals.call(request, _list_page)


def _list_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        found = complaints.listed(session, _user(request))
        return render(request, "intake/complaints.html", complaints=found,
                      left={c.id: ratings.days_left(session, c.answer_due_day) for c in found})


def _new(request: Request[Any, Any, Any], values: Mapping[str, Any],
         error: UserError | None = None) -> Template:
    return render(request, "intake/complaint_new.html", status_code=error.status if error else 200,
                  values=values, error=error.message(language(request)) if error else None,
                  error_field=error.field if error else None,
                  days=complaints.ANSWER_DAYS)


@get("/intake/complaints/new", include_in_schema=False, guards=[APPLICANTS])
async def new_page(request: Request[Any, Any, Any],
                   tracking: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _new, {"tracking_number": (tracking or "")[:32]})


@post("/intake/complaints", include_in_schema=False, guards=[APPLICANTS],
      request_max_body_size=MAX_BODY)
async def file_complaint(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await refusals.call(request, _file, data)


def _file(request: Request[Any, Any, Any], data: Mapping[str, Any]) -> Response[Any]:
    try:
        with db.transaction() as session:
            filed = complaints.file(
                session, actor_of(request), _user(request),
                forms.text(data, "tracking_number", 32),
                forms.text(data, "subject", complaints.MAX_SUBJECT + 1),
                forms.text(data, "content", complaints.MAX_TEXT + 1))
    except UserError as error:
        if error.status == 403:
            raise
        return _new(request, _values(data), error)
    return redirect(f"/intake/complaints/{filed.number}?done=filed")


def _detail(request: Request[Any, Any, Any], number: str, done: str | None = None,
            error: UserError | None = None) -> Template:
    with db.read_only() as session:
        complaint = complaints.complaint_for(session, _user(request), number)
        staff = complaints.staff_members(session)
        names = {u.id: u.display_name for u in staff}
        tracking = None
        if complaint.application_id is not None:
            found = session.get(Application, complaint.application_id)
            tracking = found.tracking_number if found else None
        return render(request, "intake/complaint.html", status_code=error.status if error else 200,
                      complaint=complaint, staff=staff, names=names, tracking=tracking,
                      left=ratings.days_left(session, complaint.answer_due_day),
                      done=done if done in DONE else None,
                      error=error.message(language(request)) if error else None)


@get("/intake/complaints/{number:str}", include_in_schema=False, guards=[SIGNED_IN])
async def detail_page(request: Request[Any, Any, Any], number: FromPath[str],
                      done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _detail, number[:32], done)


@post("/intake/complaints/{number:str}/assign", include_in_schema=False, guards=[STAFF],
      request_max_body_size=MAX_BODY)
async def assign(request: Request[Any, Any, Any], number: FromPath[str],
                 data: Form) -> Response[Any]:
    return await refusals.call(request, _assign, number[:32], data)


def _assign(request: Request[Any, Any, Any], number: str, data: Mapping[str, Any]) -> Response[Any]:
    try:
        with db.transaction() as session:
            complaints.assign(session, actor_of(request), _user(request), number,
                              forms.text(data, "assignee", 64))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _detail(request, number, error=error)
    return redirect(f"/intake/complaints/{number}?done=assigned")


@post("/intake/complaints/{number:str}/answer", include_in_schema=False, guards=[STAFF],
      request_max_body_size=MAX_BODY)
async def answer(request: Request[Any, Any, Any], number: FromPath[str],
                 data: Form) -> Response[Any]:
    return await refusals.call(request, _answer, number[:32], data)


def _answer(request: Request[Any, Any, Any], number: str, data: Mapping[str, Any]) -> Response[Any]:
    try:
        with db.transaction() as session:
            complaints.answer(session, actor_of(request), _user(request), number,
                              forms.text(data, "answer", complaints.MAX_TEXT + 1))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _detail(request, number, error=error)
    return redirect(f"/intake/complaints/{number}?done=answered")


ROUTES = [list_page, new_page, file_complaint, detail_page, assign, answer]
