"""A refusal decided by the service (another organisation's application, library entry or
complaint: 403) is counted like a refusal by a role guard (``trading.denials``), in its own
transaction once the service's has ended (SQLite has one writer at a time)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from litestar import Request

from trading import denials
from trading.errors import UserError
from trading.web import actor_of, blocking

T = TypeVar("T")


def count(request: Request[Any, Any, Any], error: UserError) -> None:
    route = f"{request.method} {request.scope.get('path_template') or request.url.path}"
    denials.count(denials.Denial(route=route, actor=actor_of(request), reason=error.message_en))


async def call(request: Request[Any, Any, Any], fn: Callable[..., T], *args: Any) -> T:
    """``blocking(fn, request, *args)``, counting a 403 it raises."""
    try:
        return await blocking(fn, request, *args)
    except UserError as error:
        if error.status == 403 or error.status == 429:
            await blocking(count, request, error)
        raise
