"""Who works for which department (issue 12, part 7, in part): the administrator ties staff
accounts to departments and marks a department's responsible person (who approves an
extension, R-05). Staff then see and decide their own departments' tasks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Template
from sqlalchemy import select

from trading import db
from trading.accounts.models import Role, User, UserRole
from trading.errors import UserError
from trading.intake import completion, forms
from trading.intake.models import Department
from trading.web import actor_of, blocking, language, redirect, render, requires_role

ADMIN = requires_role(Role.ADMIN)
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_FORM = 4 * 1024
DONE = ("assigned", "unassigned")


@get("/intake/manage/staff", include_in_schema=False, guards=[ADMIN])
async def staff_page(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_page, request, done)


def _page(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None) -> Template:
    with db.read_only() as session:
        staff = list(session.scalars(select(User).join(UserRole, UserRole.user_id == User.id).where(
            UserRole.role == Role.STAFF.value).order_by(User.username).limit(500)))
        names = {u.id: u.display_name for u in staff}
        return render(request, "intake/staff.html", status_code=error.status if error else 200,
                      staff=staff, names=names, assignments=completion.assignments(session),
                      departments=list(session.scalars(select(Department).order_by(
                          Department.code))),
                      done=done if done in DONE else None,
                      error=error.message(language(request)) if error else None)


def _staff_user(data: Mapping[str, Any]) -> User:
    username = forms.text(data, "username", 64)
    with db.read_only() as session:
        user = session.scalar(select(User).join(UserRole, UserRole.user_id == User.id).where(
            User.username == username, UserRole.role == Role.STAFF.value))
        if user is None:
            raise UserError("请选择一个工作人员账号", "Choose a staff account", field="username")
        session.expunge(user)
        return user


@post("/intake/manage/staff", include_in_schema=False, guards=[ADMIN],
      request_max_body_size=MAX_FORM)
async def assign(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_assign, request, data)


def _assign(request: Request[Any, Any, Any], data: Mapping[str, Any]) -> Response[Any]:
    try:
        user = _staff_user(data)
        with db.transaction() as session:
            completion.assign(session, actor_of(request), user.id,
                              forms.text(data, "department", 32), data.get("head") == "1")
    except UserError as error:
        return _page(request, error=error)
    return redirect("/intake/manage/staff?done=assigned")


@post("/intake/manage/staff/remove", include_in_schema=False, guards=[ADMIN],
      request_max_body_size=MAX_FORM)
async def unassign(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_unassign, request, data)


def _unassign(request: Request[Any, Any, Any], data: Mapping[str, Any]) -> Response[Any]:
    try:
        if data.get("confirm") != "1":
            raise UserError("请勾选确认后再移除", "Tick the confirmation to remove", field="confirm")
        user = _staff_user(data)
        with db.transaction() as session:
            completion.unassign(session, actor_of(request), user.id,
                                forms.text(data, "department", 32))
    except UserError as error:
        return _page(request, error=error)
    return redirect("/intake/manage/staff?done=unassigned")


ROUTES = [staff_page, assign, unassign]
