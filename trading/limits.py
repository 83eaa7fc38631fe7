"""One request-size policy, applied before anything reads a request body.

Litestar's CSRF middleware parses a form body (``request.form()``) before any guard runs, and a
route declared with ``request_max_body_size=None`` (the streamed bid uploads) let it read an
anonymous 300 MiB body whole. Instead of trusting every route to declare a limit, this
middleware decides the limit of every request itself, from what is known before the body:

* the route's declared ``request_max_body_size`` (the app-wide default is
  ``GGZY_MAX_BODY_BYTES``, 1 MiB); a route declared unlimited (``None``) is a streamed upload and
  gets the bid ceiling (``GGZY_MAX_BID_BYTES``) plus framing — never "unlimited";
* anyone not signed in gets at most the default: only a known user can send a large body;
* a url-encoded body is parsed in memory whole, so it never gets more than the default.

``Content-Length`` is checked before the body is touched; a body without one (chunked) is
counted as it arrives and refused at the first byte past the limit, so the server never holds
more than one chunk beyond it. The answer is a 413 problem (JSON) or the error page, with the
limit as the reason; the rest of the body is never read.

The request *head* is bounded by the HTTP server (``trading.http_server``), not here: by the
time the app sees a request, its headers are already parsed.
"""

from __future__ import annotations

import os
from typing import Any

from litestar.enums import ScopeType
from litestar.handlers import HTTPRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from trading.errors import UserError
from trading.settings import get_settings

# GGZY_MAX_BID_BYTES belongs to the bidding domain (bidding.config), which the core may not
# import; it is read the same way here (per call, so tests may change it).
DEFAULT_MAX_BID_BYTES = 100 * 1024 * 1024
# Multipart boundaries and part headers around a streamed file.
FRAMING_BYTES = 1024 * 1024


def streamed_limit() -> int:
    """The ceiling of a route that streams its body (declared ``request_max_body_size=None``)."""
    raw = os.environ.get("GGZY_MAX_BID_BYTES", "").strip()
    return (int(raw) if raw.isascii() and raw.isdigit() else DEFAULT_MAX_BID_BYTES) + FRAMING_BYTES


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def body_limit(scope: Scope) -> int:
    """The most body bytes this request may send (see the module's docstring)."""
    default = get_settings().max_body_bytes
    handler = scope.get("route_handler")
    if not isinstance(handler, HTTPRouteHandler):
        return default
    declared = handler.resolve_request_max_body_size()
    limit = streamed_limit() if declared is None else int(declared)
    content_type = (_header(scope, b"content-type") or b"").split(b";")[0].strip().lower()
    if scope.get("user") is None or content_type == b"application/x-www-form-urlencoded":
        return min(limit, default)
    return limit


class RequestTooLarge(UserError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"请求体超过此地址的大小上限 {limit} 字节，未被读取",
            f"The request body exceeds this address's limit of {limit} bytes and was not read",
            status=413, field="body", code="request_too_large",
        )


class BadContentLength(UserError):
    def __init__(self) -> None:
        super().__init__("Content-Length 请求头无效", "The Content-Length header is not valid",
                         status=400, field="content-length", code="bad_content_length")


class RequestSizeMiddleware(ASGIMiddleware):
    """Refuses a body past ``body_limit`` before it is read (413); see the module docstring.

    Placed right after authentication (which reads only headers) and before Litestar's CSRF
    middleware, which Litestar always nests inside the app's middleware list.
    """

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        limit = body_limit(scope)
        announced = _header(scope, b"content-length")
        if announced is not None:
            if not (announced.strip().isascii() and announced.strip().isdigit()):
                raise BadContentLength()
            if int(announced) > limit:
                raise RequestTooLarge(limit)
        received = 0

        async def bounded_receive() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise RequestTooLarge(limit)
            return message

        await next_app(scope, bounded_receive, send)
