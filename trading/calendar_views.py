"""The working-day calendar page: staff read it, admins maintain the overrides (R-00c)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Template

from trading import calendar, clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _parse_day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError as error:
        raise UserError("日期格式应为 YYYY-MM-DD", "Dates must look like YYYY-MM-DD",
                        field="day") from error


def _is_admin(request: Request[Any, Any, Any]) -> bool:
    user = current_user(request)
    return user is not None and Role.ADMIN.value in user.roles


def _page(request: Request[Any, Any, Any], year: int | None, status: int = 200,
          error: str | None = None, saved: bool = False) -> Template:
    with db.read_only() as session:
        year = year or clock.to_local(clock.now(session)).year
        overrides = calendar.list_overrides(session, year)
        known = calendar.is_year_known(session, year)
    return render(request, "trading/calendar.html", status_code=status, year=year,
                  overrides=overrides, known=known, error=error, saved=saved,
                  can_edit=_is_admin(request))


@get("/admin/calendar", include_in_schema=False, guards=[requires_role(Role.ADMIN, Role.STAFF)])
async def calendar_page(request: Request[Any, Any, Any], year: FromQuery[int | None] = None,
                        saved: FromQuery[bool] = False) -> Template:
    return await blocking(_page, request, year, saved=saved)


def _change(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        day = _parse_day(data.get("day", ""))
        with db.transaction() as session:
            if data.get("action") == "remove":
                calendar.remove_override(session, actor_of(request), day)
            else:
                working = data.get("is_working_day") == "1"
                calendar.set_override(session, actor_of(request), day, working,
                                      data.get("note", ""))
    except UserError as error:
        return _page(request, None, status=error.status, error=error.message(language(request)))
    return redirect(f"/admin/calendar?year={day.year}&saved=true")


@post("/admin/calendar", include_in_schema=False, guards=[requires_role(Role.ADMIN)])
async def change_calendar(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_change, request, data)


ROUTES = [calendar_page, change_calendar]
