"""Every JSON body is decoded here: bounded in size and nesting depth, UTF-8 or refused.

Litestar decodes a JSON body (``data: JSONBody[...]`` and ``request.json()``) through
``Request.json``; the app uses :class:`LimitedRequest` (``request_class``), so every route gets
the same checks before msgspec sees the bytes:

* size: at most the route's body limit (``request_max_body_size``; the app-wide default is
  ``GGZY_MAX_BODY_BYTES``) — 413;
* depth: arrays and objects nested at most :data:`MAX_DEPTH` levels, counted on the raw bytes
  outside strings before decoding (the decoder recurses per level) — 400;
* encoding: invalid UTF-8 — 400.

Each refusal is a :class:`trading.errors.UserError`, so it is answered as problem details (API)
or an error page, with the reason in Chinese and English and ``field`` ``body``.
"""

from __future__ import annotations

import re
from typing import Any

from litestar import Request
from litestar.exceptions import SerializationException
from litestar.types import Empty

from trading.errors import UserError

#: Deepest nesting of arrays/objects accepted in a JSON body (the API's own bodies use ≤ 5).
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_INNERMOST = re.compile(rb"\[\]|\{\}")


def too_deep(body: bytes, max_depth: int = MAX_DEPTH) -> bool:
    """Whether ``body`` nests arrays/objects deeper than ``max_depth`` (strings skipped).

    The brackets outside strings form a skeleton; each pass removes the innermost empty pairs,
    so a well-formed body of depth d is empty after d passes. A body still holding brackets
    after ``max_depth`` passes is too deep; one that stops shrinking is malformed (left to the
    decoder to name) unless it still opens more than ``max_depth`` levels in a row.
    """
    skeleton = _STRING.sub(b"", body).translate(None, delete=_NOT_BRACKET)
    for _ in range(max_depth):
        if not skeleton:
            return False
        reduced = _INNERMOST.sub(b"", skeleton)
        if reduced == skeleton:
            return re.search(rb"[\[{]{%d}" % (max_depth + 1), skeleton) is not None
        skeleton = reduced
    return bool(skeleton)


def _too_deep_error() -> UserError:
    return UserError(f"JSON 嵌套层数过多（最多 {MAX_DEPTH} 层）",
                     f"the JSON body is nested too deeply (at most {MAX_DEPTH} levels)",
                     field="body", code="json_too_deep")


def check_json_body(body: bytes, max_bytes: int | None) -> None:
    """Refuse a JSON body that is too large or too deeply nested (before decoding)."""
    if max_bytes is not None and len(body) > max_bytes:
        raise UserError(f"请求体过大（最多 {max_bytes} 字节）",
                        f"the request body is too large (at most {max_bytes} bytes)",
                        status=413, field="body", code="body_too_large")
    if too_deep(body):
        raise _too_deep_error()


class LimitedRequest(Request[Any, Any, Any]):
    """The app's request class: ``json()`` checks size, depth and encoding first."""

    async def json(self) -> Any:
        if self._json is not Empty or self._connection_state.json is not Empty:
            return await super().json()
        body = await self.body()
        check_json_body(body, self.route_handler.resolve_request_max_body_size())
        try:
            return await super().json()
        except UnicodeDecodeError:
            raise UserError("JSON 请求体不是有效的 UTF-8 文本", "the JSON body is not valid UTF-8",
                            field="body", code="invalid_json") from None
        except RecursionError:  # the scan above should have caught it; never a 500
            raise _too_deep_error() from None
        except SerializationException as error:
            raise UserError("JSON 请求体格式错误", f"the JSON body is malformed: {error.detail}",
                            field="body", code="invalid_json") from None
