"""Who an API token belongs to, remembered per process for at most ``TTL_SECONDS``.

A bidder at the deadline sends one upload after another with the same token; looking the token
up in the database for each (two statements and a thread hop) was a measurable share of a
receipt's cost. The bound on staleness: a token revoked, an account disabled or its roles or
organization changed in *another* process stop (or change) working within ``TTL_SECONDS``; in
this process at once, because any flush that touches an account, a role, a token or an
organization forgets everything remembered. Only valid tokens are remembered (an unknown or
revoked one is looked up every time), and never past the token's own expiry.
"""

from __future__ import annotations

import hashlib
import threading
import time
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from trading import clock
from trading.accounts.models import ApiToken, Organization, User, UserRole
from trading.accounts.services import CurrentUser, token_digest

TTL_SECONDS = 2.0
ACCOUNT_TYPES = (User, UserRole, ApiToken, Organization)

_lock = threading.Lock()
_remembered: dict[bytes, tuple[float, CurrentUser]] = {}  # token digest -> (until, user)


_TOKENS, _USERS = ApiToken.__table__.c, User.__table__.c
_ORGS, _ROLES = Organization.__table__.c, UserRole.__table__.c
# One statement, one row per role (Core, built once: no ORM objects, no cache key per call).
_HOLDER = (
    select(_TOKENS.revoked_at, _TOKENS.expires_at, _USERS.id, _USERS.username,
           _USERS.display_name, _USERS.is_active, _USERS.organization_id, _ORGS.name,
           _ORGS.kind, _ROLES.role)
    .select_from(ApiToken.__table__.join(User.__table__, _USERS.id == _TOKENS.user_id)
                 .outerjoin(Organization.__table__, _ORGS.id == _USERS.organization_id)
                 .outerjoin(UserRole.__table__, _ROLES.user_id == _USERS.id))
    .where(_TOKENS.token_hash == bindparam("digest"))
)


def lookup(session: Session, token: str) -> tuple[CurrentUser, float | None] | None:
    """The user of a valid API token and the seconds before the token expires (None: it does
    not); None when the token is unknown, revoked, expired or its account disabled. The same
    rules as ``accounts.user_for_api_token``, in one statement."""
    rows = session.connection().execute(_HOLDER, {"digest": token_digest(token)}).all()
    if not rows:
        return None
    first = rows[0]
    if first.revoked_at is not None or not first.is_active:
        return None
    left: float | None = None
    if first.expires_at is not None:
        left = (first.expires_at - clock.now(session)).total_seconds()
        if left <= 0:
            return None
    user = CurrentUser(id=first.id, username=first.username, display_name=first.display_name,
                       roles=frozenset(row.role for row in rows if row.role is not None),
                       organization_id=first.organization_id, organization_name=first.name,
                       organization_kind=first.kind)
    return user, left


def _key(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def recall(token: str) -> CurrentUser | None:
    """The user remembered for ``token``, or None (then look it up)."""
    found = _remembered.get(_key(token))
    if found is None:
        return None
    until, user = found
    if time.monotonic() >= until:
        with _lock:
            _remembered.pop(_key(token), None)
        return None
    return user


def remember(token: str, user: CurrentUser, seconds: float = TTL_SECONDS) -> None:
    """Remember a valid token's user for ``seconds`` (at most ``TTL_SECONDS``)."""
    seconds = min(seconds, TTL_SECONDS)
    if seconds <= 0:
        return
    with _lock:
        if len(_remembered) > 10_000:  # many distinct tokens: start again rather than grow
            _remembered.clear()
        _remembered[_key(token)] = (time.monotonic() + seconds, user)


def forget_all() -> None:
    with _lock:
        _remembered.clear()


@event.listens_for(Session, "after_flush")
def _forget_on_account_change(session: Session, _context: Any) -> None:
    # Before the commit, too: a lookup between this flush and the commit reads the old rows
    # and may remember them, but for TTL_SECONDS at most.
    if _remembered and any(isinstance(obj, ACCOUNT_TYPES)
                           for obj in (*session.new, *session.dirty, *session.deleted)):
        forget_all()
