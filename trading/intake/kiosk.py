"""The self-service kiosk (自助终端, issue 12 part 2): the same pages as online, entered at
``/intake/kiosk``. A cookie marks the terminal's browser: the base page then hides the header
menus, enlarges buttons and loads a page timer (``/static/intake-kiosk.js``, no inline script:
the CSP allows scripts from /static only) that signs the user out after ``IDLE_SECONDS``
without a touch. On the server a session opened at a kiosk ends ``SESSION_MINUTES`` after the
user reaches the kiosk page, whatever the browser does."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.response import Template

from trading import audit, clock, db
from trading.accounts import services as accounts
from trading.web import (
    SESSION_COOKIE,
    actor_of,
    blocking,
    current_user,
    redirect,
    render,
    secure_cookies,
)

COOKIE = "ggzy_kiosk"
IDLE_SECONDS = 120  # the page timer (data-kiosk-idle in the base page)
SESSION_MINUTES = 10
COOKIE_SECONDS = 365 * 24 * 3600  # the terminal stays a kiosk until switched back


def _enter(request: Request[Any, Any, Any]) -> Template:
    user = current_user(request)
    token = request.cookies.get(SESSION_COOKIE)
    minutes = None
    if user is not None and token:
        with db.transaction() as session:
            until = clock.now(session) + dt.timedelta(minutes=SESSION_MINUTES)
            if accounts.shorten_web_session(session, token, until):
                audit.record(session, actor_of(request), "intake.kiosk_session",
                             f"user/{user.id}", {"ends_at": until.isoformat()})
                minutes = SESSION_MINUTES
    page = render(request, "intake/kiosk.html", minutes=minutes, idle=IDLE_SECONDS,
                  kiosk_mode=True)
    page.cookies.append(_cookie("1", COOKIE_SECONDS, secure_cookies(request)))
    return page


def _cookie(value: str, max_age: int, secure: bool) -> Cookie:
    return Cookie(key=COOKIE, value=value, path="/", httponly=True, samesite="lax",
                  max_age=max_age, secure=secure)


@get("/intake/kiosk", include_in_schema=False)
async def kiosk_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_enter, request)


@post("/intake/kiosk/exit", include_in_schema=False, request_max_body_size=4096)
async def kiosk_exit(request: Request[Any, Any, Any]) -> Response[Any]:
    """Switch this browser back to the ordinary pages (the terminal's maintainer)."""
    response = redirect("/intake")
    response.delete_cookie(COOKIE, path="/")
    return response


ROUTES = [kiosk_page, kiosk_exit]
