"""HTML pages for log-in, bidder registration, the user's workspace, tokens and role admin."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template

from trading import db
from trading.accounts import admin, devices
from trading.accounts import services as accounts
from trading.errors import UserError
from trading.i18n import translate
from trading.web import (
    SESSION_COOKIE,
    actor_of,
    blocking,
    client_ip,
    current_user,
    language,
    redirect,
    render,
    requires_role,
    secure_cookies,
)

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths, so the log-in form cannot bounce users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/home"


def _form_error(request: Request[Any, Any, Any], template: str, error: UserError,
                values: dict[str, str]) -> Template:
    kept = {k: v for k, v in values.items() if "password" not in k and k != "_csrf_token"}
    return render(request, template, status_code=error.status, error=error.message(language(request)),
                  error_field=error.field, values=kept)


@get("/login", include_in_schema=False)
async def login_page(request: Request[Any, Any, Any], next: FromQuery[str | None] = None) -> Template:
    return await blocking(_login_page, request, next)


def _login_page(request: Request[Any, Any, Any], next: str | None = None) -> Template:
    return render(request, "trading/login.html", values={}, next=_safe_next(next))


@post("/login", include_in_schema=False)
async def login_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_login_submit, request, data)


def _login_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    ip = client_ip(request)
    device_cookie = request.cookies.get(devices.DEVICE_COOKIE)
    refused: UserError | None = None
    with db.transaction() as session:
        try:
            user = accounts.authenticate(
                session, data.get("username", ""), data.get("password", ""), ip, device_cookie
            )
        except UserError as error:
            refused = error  # commit the recorded failure, then answer
        else:
            must_change = user.must_change_password
            if not must_change:
                token = accounts.start_web_session(session, user, ip)
            user_id, username = user.id, user.username
    if refused is not None:
        return _form_error(request, "trading/login.html", refused, data)
    if must_change:  # an initial or temporary password: no session before a new one is set
        return _change_password_page(request, username, data.get("next"))
    return _signed_in(request, token, user_id, device_cookie, data.get("next"))


def _signed_in(request: Request[Any, Any, Any], token: str, user_id: uuid.UUID,
               device_cookie: str | None, next_path: str | None) -> Response[Any]:
    response = Redirect(path=_safe_next(next_path), status_code=303)
    secure = secure_cookies(request)
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="lax", path="/",
        secure=secure, max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
    )
    # This browser now proves it logged in as the user: a wrong-password flood from other
    # addresses will not hold it back (trading.accounts.throttle).
    response.set_cookie(
        devices.DEVICE_COOKIE, devices.issue(user_id, device_cookie), httponly=True,
        samesite="lax", path="/login", secure=secure, max_age=devices.DEVICE_COOKIE_SECONDS,
    )
    return response


@post("/logout", include_in_schema=False)
async def logout(request: Request[Any, Any, Any]) -> Redirect:
    return await blocking(_logout, request)


def _logout(request: Request[Any, Any, Any]) -> Redirect:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with db.transaction() as session:
            accounts.end_web_session(session, token, actor_of(request))
    response = redirect("/")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@get("/register", include_in_schema=False)
async def register_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_register_page, request)


def _register_page(request: Request[Any, Any, Any]) -> Template:
    return render(request, "trading/register.html", values={})


@post("/register", include_in_schema=False)
async def register_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_register_submit, request, data)


def _register_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    try:
        if data.get("password", "") != data.get("password_again", ""):
            raise UserError("两次输入的密码不一致", "The two passwords differ", field="password_again")
        with db.transaction() as session:
            user = accounts.register_bidder(
                session, client_ip(request),
                org_name=data.get("org_name", ""), credit_code=data.get("credit_code", ""),
                username=data.get("username", ""), display_name=data.get("display_name", ""),
                password=data.get("password", ""),
            )
            admin.set_contact(user, data.get("email", ""), data.get("mobile", ""))
    except UserError as error:
        return _form_error(request, "trading/register.html", error, data)
    return render(request, "trading/login.html", values={"username": data.get("username", "")},
                  next="/home", notice=translate("register.done", language(request)))


@get("/home", include_in_schema=False, guards=[requires_role()])
async def workspace(request: Request[Any, Any, Any],
                    password_changed: FromQuery[bool] = False) -> Template:
    return await blocking(_workspace, request, password_changed)


def _workspace(request: Request[Any, Any, Any], password_changed: bool = False) -> Template:
    return render(request, "trading/home.html", password_changed=password_changed)


@get("/account", include_in_schema=False, guards=[requires_role()])
async def account_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_account_page, request)


def _account_page(request: Request[Any, Any, Any]) -> Template:
    """The user's tokens. A new token is shown only in the answer to the POST that created it
    (from server-side state, never from the URL, which anyone can write and which stays in
    histories and logs); query parameters such as ``created_token`` are ignored."""
    user = current_user(request)
    assert user is not None
    with db.read_only() as session:
        tokens = accounts.list_api_tokens(session, user.id)
    return render(request, "trading/account.html", tokens=tokens, created_token=None)


@post("/account/tokens", include_in_schema=False, guards=[requires_role()])
async def create_token(request: Request[Any, Any, Any], data: Form) -> Template:
    return await blocking(_create_token, request, data)


def _create_token(request: Request[Any, Any, Any], data: Form) -> Template:
    user = current_user(request)
    assert user is not None
    token: str | None = None
    message: str | None = None
    try:
        with db.transaction() as session:
            token = accounts.create_api_token(
                session, actor_of(request), user.id, data.get("name", "")
            )
    except UserError as error:
        message = error.message(language(request))
    with db.read_only() as session:
        tokens = accounts.list_api_tokens(session, user.id)
    return render(request, "trading/account.html", tokens=tokens, created_token=token,
                  error=message, status_code=400 if message else 200)


@post("/account/tokens/{token_id:uuid}/revoke", include_in_schema=False,
      guards=[requires_role()])
async def revoke_token(request: Request[Any, Any, Any], token_id: FromPath[uuid.UUID]) -> Redirect:
    return await blocking(_revoke_token, request, token_id)


def _revoke_token(request: Request[Any, Any, Any], token_id: uuid.UUID) -> Redirect:
    user = current_user(request)
    assert user is not None
    with db.transaction() as session:
        accounts.revoke_api_token(session, actor_of(request), user.id, token_id)
    return redirect("/account")


def _change_password_page(request: Request[Any, Any, Any], username: str, next_path: str | None,
                          error: UserError | None = None) -> Template:
    return render(
        request, "trading/change_password.html", status_code=error.status if error else 200,
        values={"username": username}, next=_safe_next(next_path),
        error=error.message(language(request)) if error else None,
        error_field=error.field if error else None,
    )


@post("/login/password", include_in_schema=False)
async def change_password_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_change_password_submit, request, data)


def _change_password_submit(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    """Log in with the initial or temporary password and set a new one in one step."""
    ip = client_ip(request)
    device_cookie = request.cookies.get(devices.DEVICE_COOKIE)
    username = data.get("username", "")[:64]
    refused: UserError | None = None
    with db.transaction() as session:
        try:
            user = accounts.authenticate(session, username, data.get("password", ""), ip,
                                         device_cookie)
        except UserError as error:
            refused = error  # commit the recorded failure, then answer
        else:
            user_id = user.id
    if refused is not None:
        return _change_password_page(request, username, data.get("next"), refused)
    try:
        with db.transaction() as session:
            user = accounts.get_user(session, user_id)
            admin.change_own_password(session, user, data.get("password", ""),
                                      data.get("new_password", ""),
                                      data.get("new_password_again", ""), ip)
            token = accounts.start_web_session(session, user, ip)
    except UserError as error:
        return _change_password_page(request, username, data.get("next"), error)
    target = _safe_next(data.get("next"))
    return _signed_in(request, token, user_id, device_cookie,
                      "/home?password_changed=true" if target == "/home" else target)


@get("/login/forgot", include_in_schema=False)
async def forgot_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_forgot_page, request)


def _forgot_page(request: Request[Any, Any, Any]) -> Template:
    return render(request, "trading/forgot_password.html", values={})


@post("/login/forgot", include_in_schema=False)
async def forgot_submit(request: Request[Any, Any, Any], data: Form) -> Template:
    return await blocking(_forgot_submit, request, data)


def _forgot_submit(request: Request[Any, Any, Any], data: Form) -> Template:
    """The same answer for every username: the form never tells which accounts exist."""
    try:
        with db.transaction() as session:
            admin.file_reset_request(session, client_ip(request), data.get("username", ""),
                                     data.get("contact", ""))
    except UserError as error:
        return _form_error(request, "trading/forgot_password.html", error, data)
    return render(request, "trading/forgot_password.html", values={}, filed=True)


ROUTES = [
    login_page, login_submit, logout, register_page, register_submit, workspace,
    account_page, create_token, revoke_token, change_password_submit, forgot_page,
    forgot_submit,
]
