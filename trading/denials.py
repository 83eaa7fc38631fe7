"""Access denials are counted and alerted on, not logged one entry each (issue 10, item 6).

Every 403 used to append an ``access.denied`` entry to the permanent, append-only log, so
anyone could flood it (19,228 of 19,665 entries after one round of testing). Now a denial
adds one to a counter row keyed by (hour, route template, actor, address) in
``access_denial_count`` — a table that may be pruned — and to the hour's total in
``access_denial_window``. The log gets at most:

- one ``access.denied_summary`` per hour that saw denials (written by the first denial of a
  later hour, or by ``summarise_due``): the hour, the total, how many routes, actors and
  addresses, and the busiest counters;
- one e-supervision alert per hour (kind ``access.denials``, subject ``access/denials/<hour>``,
  red at once, for administrators; regulators see every alert) when the hour's denials pass
  ``GGZY_DENIAL_ALERT_THRESHOLD`` (default 100), which logs its own ``alert.watching``.

A denial is counted in its own short transaction that never takes the log's head lock, so a
flood of refusals costs one small upsert each and cannot grow the log. With
``GGZY_DENIAL_FLUSH_EVERY=N`` (default 1) a web worker adds up N refusals in memory and writes
them in one transaction (``flush``; at most N-1 counts are lost if the worker dies).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import threading
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import BigInteger, Boolean, String, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import audit, clock, db
from trading.audit import Actor
from trading.db import Base, UTCDateTime

logger = logging.getLogger("ggzy.denials")

WINDOW = dt.timedelta(hours=1)
DEFAULT_THRESHOLD = 100
SUMMARY_ACTION = "access.denied_summary"
ALERT_KIND = "access.denials"
ALERT_ROLE = "admin"
TOP = 10
ANONYMOUS = "anonymous"
COUNTER = Actor.system("access-control")


class DenialCount(Base):
    """How often one actor from one address was refused one route in one hour."""

    __tablename__ = "access_denial_count"

    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    route: Mapped[str] = mapped_column(String(200), primary_key=True)
    actor: Mapped[str] = mapped_column(String(64), primary_key=True)  # user id or "anonymous"
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    last_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(200))  # the latest refusal's reason


class DenialWindow(Base):
    """One hour's total, and whether its alert and its summary entry were made."""

    __tablename__ = "access_denial_window"

    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime(), primary_key=True)
    total: Mapped[int] = mapped_column(BigInteger)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    summarised: Mapped[bool] = mapped_column(Boolean, default=False)


@dataclass(frozen=True)
class Denial:
    route: str  # "GET /api/v1/tenders/{tender_id:uuid}/downloads": the template, not the path
    actor: Actor
    reason: str


def threshold() -> int:
    value = os.environ.get("GGZY_DENIAL_ALERT_THRESHOLD", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else DEFAULT_THRESHOLD


def window_of(moment: dt.datetime) -> dt.datetime:
    utc = moment.astimezone(dt.UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


Key = tuple[str, str, str]  # route, actor, address
_pending: Counter[Key] = Counter()
_reasons: dict[Key, str] = {}
_lock = threading.Lock()


def flush_every() -> int:
    value = os.environ.get("GGZY_DENIAL_FLUSH_EVERY", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else 1


def count(denial: Denial) -> None:
    """Count one refusal; written at once, or with the next ``flush_every()``-th one."""
    key = (denial.route[:200], (denial.actor.user_id or ANONYMOUS)[:64],
           (denial.actor.ip or "")[:64])
    with _lock:
        _pending[key] += 1
        _reasons[key] = denial.reason[:200]
        due = sum(_pending.values()) >= flush_every()
    if due:
        flush()


def flush() -> None:
    """Write the counts held in memory (own transaction; a lost race on a new row: retried)."""
    with _lock:
        batch, reasons = dict(_pending), dict(_reasons)
        _pending.clear()
        _reasons.clear()
    if not batch:
        return
    for attempt in (1, 2):
        try:
            with db.transaction() as session:
                count_in(session, batch, reasons)
            return
        except IntegrityError:
            if attempt == 2:
                raise


def count_in(session: Session, batch: dict[Key, int], reasons: dict[Key, str]) -> None:
    now = clock.now(session)
    window = window_of(now)
    for key, added in batch.items():
        reason = reasons.get(key, "")
        bumped = session.execute(
            update(DenialCount)
            .where(DenialCount.window_start == window, DenialCount.route == key[0],
                   DenialCount.actor == key[1], DenialCount.address == key[2])
            .values(count=DenialCount.count + added, last_at=now, reason=reason)
            .execution_options(synchronize_session=False))
        if bumped.rowcount == 0:  # type: ignore[attr-defined]
            session.add(DenialCount(window_start=window, route=key[0], actor=key[1],
                                    address=key[2], count=added, last_at=now, reason=reason))
    total = _bump_window(session, window, sum(batch.values()))
    session.flush()
    summarise_due(session, before=window)
    if total >= threshold():
        _alert_once(session, window, total, now)


def _bump_window(session: Session, window: dt.datetime, added: int) -> int:
    bumped = session.execute(
        update(DenialWindow).where(DenialWindow.window_start == window)
        .values(total=DenialWindow.total + added).execution_options(synchronize_session=False))
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.add(DenialWindow(window_start=window, total=added, alerted=False,
                                 summarised=False))
        session.flush()
        return added
    return session.scalar(select(DenialWindow.total)
                          .where(DenialWindow.window_start == window)) or 0


def _alert_once(session: Session, window: dt.datetime, total: int, now: dt.datetime) -> None:
    claimed = session.execute(
        update(DenialWindow).where(DenialWindow.window_start == window,
                                   DenialWindow.alerted.is_(False))
        .values(alerted=True).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return  # this hour's alert exists already
    top = busiest(session, window, 1)
    who = f"{top[0].route} · {top[0].actor} · {top[0].address or '-'}" if top else ""
    hour = window.strftime("%Y-%m-%dT%H:00Z")
    audit.watch_deadline(
        session, ALERT_KIND, f"access/denials/{hour}", ALERT_ROLE, now,
        f"访问拒绝异常：{hour} 起一小时内已拒绝 {total} 次（阈值 {threshold()}），最多：{who}",
        f"Access denials: {total} refusals in the hour from {hour} (threshold {threshold()}); "
        f"most: {who}")


def busiest(session: Session, window: dt.datetime, limit: int = TOP) -> list[DenialCount]:
    return list(session.scalars(select(DenialCount).where(DenialCount.window_start == window)
                                .order_by(DenialCount.count.desc(), DenialCount.route)
                                .limit(limit)))


def summarise_due(session: Session, before: dt.datetime | None = None) -> int:
    """Log one ``access.denied_summary`` for each finished hour not yet summarised; return how
    many. Guarded, so concurrent callers never summarise an hour twice."""
    if before is None:
        before = window_of(clock.now(session))
    due = list(session.scalars(select(DenialWindow.window_start).where(
        DenialWindow.window_start < before, DenialWindow.summarised.is_(False))
        .order_by(DenialWindow.window_start)))
    written = 0
    for window in due:
        claimed = session.execute(
            update(DenialWindow).where(DenialWindow.window_start == window,
                                       DenialWindow.summarised.is_(False))
            .values(summarised=True).execution_options(synchronize_session=False))
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            continue
        audit.record(session, COUNTER, SUMMARY_ACTION, "access/denials", _summary(session, window))
        written += 1
    return written


def _summary(session: Session, window: dt.datetime) -> dict[str, object]:
    where = DenialCount.window_start == window
    total, routes, actors, addresses = session.execute(select(
        func.coalesce(func.sum(DenialCount.count), 0), func.count(func.distinct(DenialCount.route)),
        func.count(func.distinct(DenialCount.actor)),
        func.count(func.distinct(DenialCount.address))).where(where)).one()
    return {
        "window_start": window.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "window_end": (window + WINDOW).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "total": int(total), "routes": int(routes), "actors": int(actors),
        "addresses": int(addresses),
        "busiest": [{"route": c.route, "actor": c.actor, "address": c.address, "count": c.count,
                     "reason": c.reason} for c in busiest(session, window)],
    }


def total_denials(session: Session, route_prefix: str | None = None) -> int:
    """How many refusals were counted (all hours), optionally for routes starting so."""
    query = select(func.coalesce(func.sum(DenialCount.count), 0))
    if route_prefix is not None:
        query = query.where(DenialCount.route.startswith(route_prefix, autoescape=True))
    return int(session.scalar(query) or 0)


def counted(session: Session) -> list[DenialCount]:
    """Every counter row, newest hour first (tests and the operator)."""
    return list(session.scalars(select(DenialCount).order_by(DenialCount.window_start.desc(),
                                                             DenialCount.count.desc())))
