"""Log-in throttling that slows guesses without locking the right user out.

The old rule refused every log-in to an account after five wrong passwords from anywhere, so
a competitor could keep a bidder out of the platform before a deadline. Failures are now
counted (in ``login_failure``, so every web worker sees them) per *bucket*: the client address,
or ``device:<id>`` for a browser that logged in as this user before (``devices``).

* A bucket that failed ``login_max_failures_per_account`` times for an account in the window
  is refused for that account until its oldest failure leaves the window.
* From an unknown device, also: an address that failed ``login_max_failures_per_address``
  times (any accounts) is refused; and once the account has that many failures from unknown
  devices, each further attempt waits a delay that doubles with every failure (capped), so a
  flood from many addresses gets one guess per delay.
* A known device is judged only by its own bucket: no flood from elsewhere reaches it.

Refused attempts check no password and are not logged one by one; the log gets each real
failure (bounded by the limits above) and one ``account.login_throttled`` entry when a limit
is reached.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from trading import audit
from trading.accounts.models import LoginFailure
from trading.audit import Actor
from trading.settings import get_settings

logger = logging.getLogger("ggzy.accounts")
DEVICE_PREFIX = "device:"
MAX_DELAY_SECONDS = 300


def bucket_of(ip: str | None, device_id: str | None) -> str:
    return f"{DEVICE_PREFIX}{device_id}" if device_id else (ip or "unknown")[:64]


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(seconds=get_settings().login_failure_window_seconds)


def _failures(session: Session, since: dt.datetime,
              *conditions: ColumnElement[bool]) -> tuple[int, dt.datetime | None, dt.datetime | None]:
    """(count, oldest, newest) of the failures matching ``conditions`` since ``since``."""
    row = session.execute(
        select(func.count(), func.min(LoginFailure.at), func.max(LoginFailure.at))
        .where(LoginFailure.at >= since, *conditions)
    ).one()
    return int(row[0] or 0), row[1], row[2]


def _unknown_devices(key: str) -> tuple[ColumnElement[bool], ...]:
    return (LoginFailure.username == key, LoginFailure.address.not_like(f"{DEVICE_PREFIX}%"))


def _seconds_left(until: dt.datetime, now: dt.datetime) -> int:
    return max(1, int((until - now).total_seconds() + 0.999))


def wait_seconds(session: Session, key: str, bucket: str, now: dt.datetime) -> int:
    """Seconds this attempt must wait (0: check the password)."""
    settings = get_settings()
    since = _window_start(now)
    window = dt.timedelta(seconds=settings.login_failure_window_seconds)
    limit = settings.login_max_failures_per_account
    count, oldest, _ = _failures(session, since, LoginFailure.username == key,
                                 LoginFailure.address == bucket)
    if count >= limit and oldest is not None:
        return _seconds_left(oldest + window, now)
    if bucket.startswith(DEVICE_PREFIX):
        return 0
    count, oldest, _ = _failures(session, since, LoginFailure.address == bucket)
    if count >= settings.login_max_failures_per_address and oldest is not None:
        return _seconds_left(oldest + window, now)
    count, _, newest = _failures(session, since, *_unknown_devices(key))
    if count >= limit and newest is not None:
        delay = dt.timedelta(seconds=min(2 ** (count - limit), MAX_DELAY_SECONDS))
        if newest + delay > now:
            return _seconds_left(newest + delay, now)
    return 0


def refused(key: str, bucket: str, seconds: int) -> None:
    """A throttled attempt: counted in the process log, not in the supervision log."""
    logger.info("log-in throttled for %r from %s (%d s)", key, bucket, seconds)


def record_failure(session: Session, key: str, bucket: str, ip: str | None,
                   now: dt.datetime) -> None:
    """Store a failure and log it; log ``account.login_throttled`` once when a limit is hit."""
    settings = get_settings()
    session.add(LoginFailure(username=key, address=bucket, at=now))
    session.flush()
    actor = Actor(None, "public", ip)
    audit.record(session, actor, "account.login_failed", f"login/{key}", {"username": key})
    since = _window_start(now)
    limit = settings.login_max_failures_per_account
    reached = []
    if _failures(session, since, LoginFailure.username == key,
                 LoginFailure.address == bucket)[0] == limit:
        reached.append("account_and_source")
    if not bucket.startswith(DEVICE_PREFIX):
        if _failures(session, since, LoginFailure.address == bucket)[0] == \
                settings.login_max_failures_per_address:
            reached.append("address")
        if _failures(session, since, *_unknown_devices(key))[0] == limit:
            reached.append("account_from_unknown_devices")
    if reached:
        audit.record(session, actor, "account.login_throttled", f"login/{key}",
                     {"username": key, "limits": reached})


# ---------------------------------------------------------------- forgotten-password requests
# Requests are counted in the same table with prefixed keys, so they never mix with log-in
# failures: at most ``login_max_failures_per_account`` requests per username and
# ``login_max_failures_per_address`` per address in the window, whether or not the account
# exists (the limit itself must not reveal that).
RESET_PREFIX = "reset:"


def _reset_keys(key: str, ip: str | None) -> tuple[str, str]:
    return (RESET_PREFIX + key)[:64], (RESET_PREFIX + (ip or "unknown"))[:64]


def reset_request_wait(session: Session, key: str, ip: str | None, now: dt.datetime) -> int:
    """Seconds before another forgotten-password request is accepted (0: now)."""
    settings = get_settings()
    since = _window_start(now)
    window = dt.timedelta(seconds=settings.login_failure_window_seconds)
    username, address = _reset_keys(key, ip)
    for condition, limit in ((LoginFailure.username == username,
                              settings.login_max_failures_per_account),
                             (LoginFailure.address == address,
                              settings.login_max_failures_per_address)):
        count, oldest, _ = _failures(session, since, condition)
        if count >= limit and oldest is not None:
            logger.info("reset request throttled for %r", key)
            return _seconds_left(oldest + window, now)
    return 0


def record_reset_request(session: Session, key: str, ip: str | None, now: dt.datetime) -> None:
    username, address = _reset_keys(key, ip)
    session.add(LoginFailure(username=username, address=address, at=now))
