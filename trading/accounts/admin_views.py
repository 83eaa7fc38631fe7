"""Administrator pages: users and roles, organizations, disabling accounts, password resets
and the queue of forgotten-password requests. Every route is for administrators only.

Disabling and resetting go through a confirmation page whose form needs a ticked checkbox
(no JavaScript); every action ends on a page with a success message."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.accounts import admin
from trading.accounts import services as accounts
from trading.accounts.models import OrganizationKind, Role
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render, requires_role

ADMIN_ONLY = [requires_role(Role.ADMIN)]
# Success messages a redirect may name (a fixed set: the query cannot inject text).
DONE = {
    "roles": "users.roles_saved",
    "org_created": "users.org_created",
    "user_created": "users.user_created",
    "disabled": "users.disabled",
    "enabled": "users.enabled",
    "dismissed": "users.request_dismissed",
}


async def _form(request: Request[Any, Any, Any]) -> tuple[dict[str, str], list[str]]:
    """The posted fields (first value each) and every ``roles`` value."""
    form = await request.form()
    roles = [str(value) for value in form.getall("roles")] if "roles" in form else []
    fields = {key: str(form.get(key) or "")[:1000] for key in form if key != "roles"}
    return fields, roles


def _users_page(request: Request[Any, Any, Any], status_code: int = 200,
                error: UserError | None = None, values: dict[str, str] | None = None,
                form: str | None = None, done: str | None = None) -> Template:
    with db.read_only() as session:
        users = accounts.list_users(session)
        organizations = admin.list_organizations(session)
        requests = admin.open_requests(session)
    kept = {k: v for k, v in (values or {}).items() if "password" not in k and k != "_csrf_token"}
    return render(
        request, "trading/admin_users.html", status_code=status_code, users=users,
        roles=list(Role), kinds=list(OrganizationKind), organizations=organizations,
        requests=requests, notice_key=DONE.get(done or ""), values=kept, failed_form=form,
        error=error.message(language(request)) if error else None,
        error_field=error.field if error else None,
    )


@get("/admin/users", include_in_schema=False, guards=ADMIN_ONLY)
async def users_page(request: Request[Any, Any, Any], done: FromQuery[str | None] = None,
                     saved: FromQuery[bool] = False) -> Template:
    return await blocking(_users_page, request, 200, None, None, None,
                          "roles" if saved else done)


@post("/admin/users/{user_id:uuid}/roles", include_in_schema=False, guards=ADMIN_ONLY)
async def change_roles(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Response[Any]:
    _, chosen = await _form(request)
    return await blocking(_apply_roles, request, user_id, chosen)


def _apply_roles(request: Request[Any, Any, Any], user_id: uuid.UUID, chosen: list[str]) -> Response[Any]:
    try:
        roles = accounts.parse_roles(chosen)
        with db.transaction() as session:
            accounts.set_roles(session, actor_of(request), user_id, roles)
    except UserError as error:
        return _users_page(request, error.status, error)
    return redirect("/admin/users?done=roles")


@post("/admin/organizations", include_in_schema=False, guards=ADMIN_ONLY)
async def create_organization(request: Request[Any, Any, Any]) -> Response[Any]:
    data, _ = await _form(request)
    return await blocking(_create_organization, request, data)


def _create_organization(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any]:
    try:
        with db.transaction() as session:
            admin.create_organization(session, actor_of(request), data.get("org_name", ""),
                                      data.get("kind", ""), data.get("credit_code", ""))
    except UserError as error:
        return _users_page(request, error.status, error, data, "organization")
    return redirect("/admin/users?done=org_created")


@post("/admin/users", include_in_schema=False, guards=ADMIN_ONLY)
async def create_user(request: Request[Any, Any, Any]) -> Response[Any]:
    data, roles = await _form(request)
    return await blocking(_create_user, request, data, roles)


def _create_user(request: Request[Any, Any, Any], data: dict[str, str],
                 chosen: list[str]) -> Response[Any]:
    try:
        roles = accounts.parse_roles(chosen)
        with db.transaction() as session:
            admin.create_user(
                session, actor_of(request), username=data.get("username", ""),
                display_name=data.get("display_name", ""), roles=roles,
                organization_id=data.get("organization", ""),
                initial_password=data.get("password", ""), email=data.get("email", ""),
                mobile=data.get("mobile", ""),
            )
    except UserError as error:
        return _users_page(request, error.status, error, data, "user")
    return redirect("/admin/users?done=user_created")


def _confirm_page(request: Request[Any, Any, Any], user_id: uuid.UUID, action: str,
                  error: UserError | None = None) -> Template:
    with db.read_only() as session:
        target = accounts.get_user(session, user_id)
    return render(request, "trading/admin_confirm.html", status_code=error.status if error else 200,
                  target=target, action=action,
                  error=error.message(language(request)) if error else None)


@get("/admin/users/{user_id:uuid}/disable", include_in_schema=False, guards=ADMIN_ONLY)
async def confirm_disable(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_confirm_page, request, user_id, "disable")


@get("/admin/users/{user_id:uuid}/reset-password", include_in_schema=False, guards=ADMIN_ONLY)
async def confirm_reset(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_confirm_page, request, user_id, "reset-password")


def _unconfirmed() -> UserError:
    return UserError("请勾选确认后再提交", "Tick the confirmation box first", field="confirm")


@post("/admin/users/{user_id:uuid}/disable", include_in_schema=False, guards=ADMIN_ONLY)
async def disable_user(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Response[Any]:
    data, _ = await _form(request)
    return await blocking(_set_active, request, user_id, False, data.get("confirm") == "yes")


@post("/admin/users/{user_id:uuid}/enable", include_in_schema=False, guards=ADMIN_ONLY)
async def enable_user(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Response[Any]:
    return await blocking(_set_active, request, user_id, True, True)


def _set_active(request: Request[Any, Any, Any], user_id: uuid.UUID, active: bool,
                confirmed: bool) -> Response[Any]:
    try:
        if not confirmed:
            raise _unconfirmed()
        with db.transaction() as session:
            admin.set_active(session, actor_of(request), user_id, active)
    except UserError as error:
        if active or error.status == 404:
            return _users_page(request, error.status, error)
        return _confirm_page(request, user_id, "disable", error)
    return redirect("/admin/users?done=" + ("enabled" if active else "disabled"))


@post("/admin/users/{user_id:uuid}/reset-password", include_in_schema=False, guards=ADMIN_ONLY)
async def reset_password(request: Request[Any, Any, Any], user_id: FromPath[uuid.UUID]) -> Response[Any]:
    data, _ = await _form(request)
    return await blocking(_reset_password, request, user_id, data.get("confirm") == "yes")


def _reset_password(request: Request[Any, Any, Any], user_id: uuid.UUID,
                    confirmed: bool) -> Response[Any]:
    """The temporary password is shown in this answer only (never in a URL or the log)."""
    try:
        if not confirmed:
            raise _unconfirmed()
        with db.transaction() as session:
            issued = admin.reset_password(session, actor_of(request), user_id)
    except UserError as error:
        if error.status == 404:
            return _users_page(request, error.status, error)
        return _confirm_page(request, user_id, "reset-password", error)
    return render(request, "trading/admin_password_reset.html", issued=issued)


@post("/admin/reset-requests/{request_id:uuid}/dismiss", include_in_schema=False,
      guards=ADMIN_ONLY)
async def dismiss_request(request: Request[Any, Any, Any],
                          request_id: FromPath[uuid.UUID]) -> Response[Any]:
    data, _ = await _form(request)
    return await blocking(_dismiss, request, request_id, data.get("confirm") == "yes")


def _dismiss(request: Request[Any, Any, Any], request_id: uuid.UUID,
             confirmed: bool) -> Response[Any]:
    try:
        if not confirmed:
            raise _unconfirmed()
        with db.transaction() as session:
            admin.dismiss_request(session, actor_of(request), request_id)
    except UserError as error:
        return _users_page(request, error.status, error)
    return redirect("/admin/users?done=dismissed")


ROUTES = [
    users_page, change_roles, create_organization, create_user, confirm_disable, confirm_reset,
    disable_user,
    enable_user, reset_password, dismiss_request,
]
