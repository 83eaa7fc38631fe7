"""The OpenAPI document tells the truth about errors: every API operation lists the statuses it
can answer with, each as ``application/problem+json`` with one ``ProblemDetails`` schema (what
``trading.web`` actually sends), instead of Litestar's generic 400 body that we never send.

Which statuses an operation can answer follows from its shape, not from a second list kept by
hand: 400 and 413 for any request (bad parameters, body over its size limit), 401 and 403 when it
is behind a guard (it has the bearer scheme), 404 when what it names does not exist, 405 for a
method the path does not take, 409 and 422 for a request that changes something, 429 where the
caller may be throttled, 503 for any (the database or the broker briefly away: retry after the
``Retry-After`` seconds), 500 never documented (the test suite fails on any).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Reference,
    Schema,
)

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM = "ProblemDetails"  # the name bidding.openapi gives the same struct
MUTATING = ("post", "put", "patch", "delete")
# Reads that refuse an address after too many misses (429): public look-ups by a code.
THROTTLED_READS = frozenset({"lookupApplicationProgress"})
DESCRIPTIONS = {
    "400": "Bad request: a parameter or the body is malformed or out of range",
    "401": "Authentication required (a bearer token)",
    "403": "The token's user may not do this",
    "404": "Not found (or not visible to the caller)",
    "405": "Method not allowed (the Allow header lists the allowed ones)",
    "409": "Conflict with the current state (e.g. after the deadline)",
    "413": "The body is larger than this operation accepts",
    "422": "The request is well-formed but refused (the reason is in detail and errors)",
    "429": "Too many attempts; retry later",
    "503": "The database or the task queue is briefly unavailable; nothing was done, retry "
           "after the seconds in the Retry-After header (title database_unavailable or "
           "broker_unavailable)",
}


def problem_schema() -> Schema:
    text = Schema(type=OpenAPIType.STRING)
    error = Schema(type=OpenAPIType.OBJECT, required=["field", "reason"],
                   properties={"field": text, "reason": text})
    return Schema(
        type=OpenAPIType.OBJECT, required=["type", "title", "status", "detail"],
        description="RFC 9457 problem details; `title` is a stable code, `detail` the reason in "
                    "the caller's language, message_zh/message_en both languages",
        properties={"type": text, "title": text,
                    "status": Schema(type=OpenAPIType.INTEGER, minimum=400, maximum=599),
                    "detail": text, "errors": Schema(type=OpenAPIType.ARRAY, items=error),
                    "message_zh": text, "message_en": text})


def _statuses(method: str, operation: Any) -> list[str]:
    # 404 for every operation: a path names something, and a query or body may name a
    # checkpoint, notice or tender that does not exist (or that the caller may not see).
    statuses = ["400", "404", "405", "413", "503"]
    if operation.security:
        statuses += ["401", "403"]
    if method in MUTATING:
        statuses += ["409", "422", "429"]
    if operation.operation_id in THROTTLED_READS:
        statuses.append("429")
    return sorted(set(statuses))


def document_errors(app: Litestar) -> None:
    """Rewrite the cached OpenAPI document of ``app`` once, at start-up."""
    schema = app.openapi_schema
    components = schema.components
    if components.schemas is None:
        components.schemas = {}
    components.schemas.setdefault(PROBLEM, problem_schema())
    content = {PROBLEM_MEDIA_TYPE: OpenAPIMediaType(
        schema=Reference(ref=f"#/components/schemas/{PROBLEM}"))}
    for path, item in (schema.paths or {}).items():
        if not path.startswith("/api/"):
            continue
        for method in ("get", "put", "post", "delete", "patch"):
            operation = getattr(item, method, None)
            if operation is None:
                continue
            responses = operation.responses or {}
            for status in _statuses(method, operation):
                if status not in responses or status == "400" or _is_generic(responses[status]):
                    responses[status] = OpenAPIResponse(description=DESCRIPTIONS[status],
                                                        content=dict(content))
            operation.responses = responses


def _is_generic(response: Any) -> bool:
    """Litestar's own error bodies (``status_code``/``detail``/``extra``), which we never send."""
    media = (getattr(response, "content", None) or {}).get("application/json")
    found = getattr(media, "schema", None)
    return found is not None and "status_code" in (getattr(found, "properties", None) or {})
