"""Web plumbing shared by every domain: who is asking, role guards, errors, page rendering.

HTML pages authenticate with the session cookie (and are CSRF-protected); the JSON API under
``/api/`` authenticates only with bearer tokens, so a browser's cookie can never drive the API.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar

import anyio
from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.enums import ScopeType
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from trading import audit, clock, db, denials, server_errors
from trading.accounts import services as accounts
from trading.accounts import token_cache
from trading.accounts.services import CurrentUser
from trading.errors import RETRY_AFTER_SECONDS, UserError, transient_cause
from trading.i18n import normalize_language, translate
from trading.settings import get_settings

logger = logging.getLogger("ggzy.web")
T = TypeVar("T")

SESSION_COOKIE = "ggzy_session"
LANG_COOKIE = "ggzy_lang"
API_PREFIX = "/api/"

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
# The interactive API docs load their own scripts and styles inline.
DOCS_CSP = "default-src 'self' 'unsafe-inline' data:; frame-ancestors 'none'"


async def blocking(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """Run synchronous database work off the event loop (the services are synchronous)."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


def limit_threads() -> None:
    """An ``on_startup`` hook: size this worker's thread pool (``GGZY_WEB_THREADS``)."""
    anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().web_threads


def is_api(path: str) -> bool:
    return path.startswith(API_PREFIX)


def client_ip(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    client = connection.client
    return client.host if client else None


def language(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    """Chinese first: English only when the visitor chose it (switch link or ``?lang=en``)."""
    requested = connection.query_params.get("lang") or connection.cookies.get(LANG_COOKIE)
    return normalize_language(requested, get_settings().default_language)


def current_user(connection: ASGIConnection[Any, Any, Any, Any]) -> CurrentUser | None:
    user = connection.scope.get("user")
    return user if isinstance(user, CurrentUser) else None


def actor_of(connection: ASGIConnection[Any, Any, Any, Any]) -> audit.Actor:
    user = current_user(connection)
    ip = client_ip(connection)
    return user.actor(ip) if user else audit.Actor(user_id=None, role="public", ip=ip)


def _lookup_user(token: str, via_api: bool) -> CurrentUser | None:
    with db.read_only() as session:
        if not via_api:
            user = accounts.user_for_web_session(session, token)
            return CurrentUser.of(user) if user else None
        found = token_cache.lookup(session, token)
    if found is None:
        return None
    current, left = found
    token_cache.remember(token, current, token_cache.TTL_SECONDS if left is None else left)
    return current


class AuthenticationMiddleware(ASGIMiddleware):
    """Puts the request's user (or None) into the scope; guards decide what it may do."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        via_api = is_api(path)
        token = _credential(scope, via_api=via_api)
        # An API token seen in the last seconds needs no database (and no thread): see
        # trading.accounts.token_cache for how stale that may be.
        user = token_cache.recall(token) if token and via_api else None
        if user is None and token:
            user = await anyio.to_thread.run_sync(_lookup_user, token, via_api)
        scope["user"] = user
        await next_app(scope, receive, send)


def _credential(scope: Scope, via_api: bool) -> str | None:
    headers = dict(scope["headers"])
    if via_api:
        value = headers.get(b"authorization", b"").decode("latin-1")
        scheme, _, token = value.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None
    for part in headers.get(b"cookie", b"").decode("latin-1").split(";"):
        name, _, value = part.strip().partition("=")
        if name == SESSION_COOKIE and value:
            return value
    return None


_ENCODED_SECURITY_HEADERS = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]
_ENCODED_DOCS_HEADERS = [
    (k.encode(), (DOCS_CSP if k == "content-security-policy" else v).encode())
    for k, v in SECURITY_HEADERS.items()
]


def secure_cookies(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    """Whether cookies get the Secure flag (``GGZY_SECURE_COOKIES``): always when set to 1 or
    when the public address is https; with ``auto`` also when this request came over HTTPS —
    directly or, from a trusted proxy, by X-Forwarded-Proto (``trading.proxy``)."""
    settings = get_settings()
    if settings.secure_cookies == "0":
        return False
    return settings.cookies_always_secure or connection.scope.get("scheme") == "https"


_NO_STORE = (b"cache-control", b"no-store")
_PRIVATE_PREFIXES = (API_PREFIX, "/account")


def _private(scope: Scope) -> bool:
    """Answers no shared or browser cache may keep: anything for a signed-in user (pages show
    their data; /account shows a new API token) and every /account and API answer."""
    return scope.get("user") is not None or scope["path"].startswith(_PRIVATE_PREFIXES)


async def add_security_headers(message: Message, scope: Scope) -> None:
    """A ``before_send`` hook: unlike route middleware it also covers 404 and 405 answers.

    No handler sets these headers, so appending pre-encoded pairs is enough; setting them one by
    one through MutableScopeHeaders rescans the header list each time (measurable on hot pages).
    Cache-Control is the exception: a private answer replaces whatever the handler set.
    """
    if message["type"] != "http.response.start":
        return
    extra = _ENCODED_DOCS_HEADERS if scope["path"].startswith("/schema") else _ENCODED_SECURITY_HEADERS
    headers = [*message.get("headers", ()), *extra]
    if _private(scope):
        headers = [h for h in headers if h[0].lower() != b"cache-control"]
        headers.append(_NO_STORE)
    hsts = get_settings().hsts_seconds
    if hsts:
        headers.append((b"strict-transport-security",
                        f"max-age={hsts}; includeSubDomains".encode()))
    message["headers"] = headers


Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]


def requires_role(*roles: str) -> Guard:
    """A guard letting through users holding any of ``roles`` (none given: any signed-in user).

    A coroutine although it never awaits: Litestar runs a plain function guard in a worker
    thread (``AsyncCallable``), a thread hop on every guarded request for an in-memory check
    (py-spy over a bid upload: about 5 % of a web worker's interpreter-lock time)."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        user = current_user(connection)
        if user is None:
            raise NotAuthorizedException("authentication required")
        if roles and not user.has_any(roles):
            raise PermissionDeniedException(f"requires one of the roles: {', '.join(roles)}")

    return guard


def render(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    return Template(template_name=template, context=page_context(request, context),
                    status_code=status_code)


def page_context(request: Request[Any, Any, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    return {"user": current_user(request), "lang": language(request), **_server_clock(), **extra}


def _database_now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)


def _server_clock() -> dict[str, Any]:
    """The database time at render, which the header clock then keeps ticking."""
    try:
        now = clock.display_now(_database_now)
    except Exception:  # an error page must render even when the database is down
        now = dt.datetime.now(dt.UTC)
    return {"server_epoch_ms": int(now.timestamp() * 1000), "server_iso": now.isoformat(),
            "server_local": clock.format_local(now), "test_clock": get_settings().test_clock}


def redirect(path: str) -> Redirect:
    return Redirect(path=path, status_code=303)


# ---------------------------------------------------------------- errors
def _wants_json(request: Request[Any, Any, Any]) -> bool:
    if is_api(request.url.path) or request.url.path == "/healthz":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _problem(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
             **extra: Any) -> Response[dict[str, Any]]:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return Response(content=body, status_code=status, media_type="application/problem+json",
                    headers=headers)


_FIELD_IN_MESSAGE = re.compile(r"(?:at `\$\.([\w.\[\]]+)`|required field `(\w+)`)")


def _validation_errors(error: ValidationException) -> list[dict[str, str]]:
    """Name the field at fault; msgspec puts body fields in the message, not in ``key``."""
    found = error.extra if isinstance(error.extra, list) else []
    errors = []
    for item in found:
        if not isinstance(item, dict):
            continue
        message = str(item.get("message", ""))
        named = _FIELD_IN_MESSAGE.search(message)
        field = next((g for g in named.groups() if g), None) if named else None
        errors.append({"field": field or str(item.get("key") or item.get("source") or "body"),
                       "reason": message})
    return errors


def _record_denial(request: Request[Any, Any, Any], reason: str) -> None:
    """Count the refusal (trading.denials): counters, an alert past a threshold and at most an
    hourly summary entry in the log — never one log entry per refusal (issue 10, item 6)."""
    route = f"{request.method} {request.scope.get('path_template') or request.url.path}"
    try:
        denials.count(denials.Denial(route=route, actor=actor_of(request), reason=reason or ""))
    except Exception:  # the refusal itself must still reach the user
        logger.exception("could not count an access denial")


def handle_user_error(request: Request[Any, Any, Any], error: UserError) -> Response[Any]:
    lang = language(request)
    if _wants_json(request):
        return _problem(
            error.status, error.code, error.message(lang),
            errors=[{"field": error.field or "", "reason": error.message(lang)}],
            message_zh=error.message_zh, message_en=error.message_en,
        )
    return _error_page(request, error.status, error.message(lang))


def handle_http_error(request: Request[Any, Any, Any], error: HTTPException) -> Response[Any]:
    status = error.status_code
    server_errors.report(request.method, request.url.path, status, error)
    lang = language(request)
    if status == 403:
        _record_denial(request, error.detail)
    if status == 401 and not _wants_json(request):
        return Redirect(path=f"/login?next={request.url.path}", status_code=303)
    if _wants_json(request):
        extra: dict[str, Any] = {}
        if isinstance(error, ValidationException):
            extra["errors"] = _validation_errors(error)
        detail = translate(f"error.{status}", lang) if status in (401, 403, 404) else error.detail
        # error.headers carries e.g. the Allow header of a 405 (RFC 9110 requires it).
        return _problem(status, error.detail or str(status), detail, headers=error.headers,
                        **extra)
    message = translate(f"error.{status}", lang) if status in (401, 403, 404) else error.detail
    return _error_page(request, status, message)


def handle_server_error(request: Request[Any, Any, Any], error: Exception) -> Response[Any]:
    cause = transient_cause(error)
    if cause is not None:
        return _unavailable(request, error, cause)
    server_errors.report(request.method, request.url.path, 500, error)
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    lang = language(request)
    if _wants_json(request):
        return _problem(500, "internal_error", translate("error.500", lang))
    return _error_page(request, 500, translate("error.500", lang))


def _unavailable(request: Request[Any, Any, Any], error: Exception, cause: str) -> Response[Any]:
    """A transient database or broker failure: 503 and Retry-After, so the client retries
    (after checking, for a bid, whether it landed) instead of giving up on a 500."""
    server_errors.report(request.method, request.url.path, 503, error)
    logger.warning("%s unavailable on %s %s: %s: %s", cause, request.method, request.url.path,
                   type(error).__name__, error)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    key = f"error.503.{cause}"
    if _wants_json(request):
        return _problem(503, f"{cause}_unavailable", translate(key, language(request)),
                        headers=headers, retry_after=RETRY_AFTER_SECONDS,
                        message_zh=translate(key, "zh-CN"), message_en=translate(key, "en"))
    page = _error_page(request, 503, translate(key, language(request)))
    page.headers.update(headers)
    return page


def _error_page(request: Request[Any, Any, Any], status: int, message: str) -> Response[Any]:
    return render(request, "trading/error.html", status_code=status, status=status, message=message)
