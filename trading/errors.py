"""Errors a user can act on: a status, a reason in Chinese and English, and the field at fault."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class UserError(Exception):
    """Refused input or action; nothing was changed. Rendered as a page or problem details."""

    message_zh: str
    message_en: str
    status: int = 400
    field: str | None = None
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"

    def message(self, lang: str) -> str:
        return self.message_en if lang == "en" else self.message_zh


class NotFoundError(UserError):
    def __init__(self, what_zh: str, what_en: str) -> None:
        super().__init__(f"{what_zh}不存在", f"{what_en} not found", status=404, code="not_found")


class ConflictError(UserError):
    def __init__(self, message_zh: str, message_en: str, field: str | None = None) -> None:
        super().__init__(message_zh, message_en, status=409, field=field, code="conflict")


# --- transient failures: 503 with Retry-After, not 500 --------------------------------------

#: Seconds a client is told to wait before retrying after a transient failure.
RETRY_AFTER_SECONDS = 5

# SQLSTATE classes of PostgreSQL errors that go away by themselves: connection exception (08),
# transaction rollback — serialization failure, deadlock (40), insufficient resources (53),
# operator intervention — admin shutdown, cannot connect now (57), lock not available (55P03).
_TRANSIENT_SQLSTATE_CLASSES = ("08", "40", "53", "57")
_TRANSIENT_SQLSTATES = ("55P03",)
_SQLITE_TRANSIENT = ("database is locked", "database table is locked")


def _database_transient(error: BaseException) -> bool:
    from sqlalchemy import exc

    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True  # the connection was dropped under the statement
    if isinstance(error, exc.DisconnectionError | exc.TimeoutError):
        return True  # the pool could not hand out a live connection in time
    if not isinstance(error, exc.OperationalError):
        return False
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None)
    if isinstance(sqlstate, str):
        return sqlstate[:2] in _TRANSIENT_SQLSTATE_CLASSES or sqlstate in _TRANSIENT_SQLSTATES
    if type(original).__module__.startswith("psycopg"):
        return True  # no SQLSTATE: the client lost or never got the connection
    return any(text in str(original) for text in _SQLITE_TRANSIENT)


def _broker_transient(error: BaseException) -> bool:
    from kombu.exceptions import OperationalError as BrokerUnavailable

    if isinstance(error, BrokerUnavailable):
        return True
    try:
        import redis
    except ImportError:  # pragma: no cover - redis is a dependency
        return False
    return isinstance(error, redis.ConnectionError | redis.TimeoutError)


def transient_cause(error: BaseException) -> str | None:
    """``"database"`` or ``"broker"`` if ``error`` (or what caused it) is a failure that
    retrying later may cure; ``None`` for anything else (a bug: 500)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if _database_transient(current):
            return "database"
        if _broker_transient(current):
            return "broker"
        current = current.__cause__ or current.__context__
    return None
