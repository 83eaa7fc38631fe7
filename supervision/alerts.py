"""E-supervision alerts (R-52): every legal period is watched, yellow before, red after.

Other domains call ``services.watch_deadline`` in the transaction that creates (or moves) a
legal limit and ``services.resolve_deadline`` in the one that meets it. The transitions are
timed work on ``trading.jobs`` rather than a periodic scan: the dispatcher already delivers
exactly-once guarded jobs at their time, each transition is then logged at the moment it
happens, and an idle platform does no work. An alert has one live job at a time, its next
transition's (the yellow job schedules the red one): each job is logged when scheduled and
when done or cancelled, and most alerts are cleared before they turn yellow. Pages never
trust the stored state alone: they show the state computed against the database clock, so
an alert is red on time even while no worker runs.

Lock order: like ``jobs.schedule``, call these *before* your own ``record()``.
"""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Row, Table, func, insert, or_, select, update
from sqlalchemy.orm import Session

from supervision import services
from supervision.config import get_config
from supervision.models import SupervisionAlert
from trading import clock, jobs
from trading.audit import Actor
from trading.db import forget

YELLOW_JOB = "supervision.alert.yellow"
RED_JOB = "supervision.alert.red"
WATCHER = Actor.system("e-supervision")
ACTIVE = ("watching", "yellow", "red")
_ALERTS = cast(Table, SupervisionAlert.__table__)
_KIND = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")


class AlertKind(enum.StrEnum):
    """The legal periods the platform knows; a domain may watch others with its own kind."""

    INTAKE_LIMIT = "intake.time_limit"  # approval intake statutory time limits
    TENDER_PERIOD = "tender.period"  # bidding period, clarification deadlines
    PUBLICITY = "publicity.window"  # publicity of candidates, results
    CONTRACT = "contract.deadline"  # contract signing after the award
    COMPLAINT = "complaint.decision"  # decision on a complaint


@dataclass(frozen=True)
class Alert:
    id: int
    kind: str
    subject: str
    responsible_role: str
    label_zh: str
    label_en: str
    due_at: dt.datetime
    yellow_at: dt.datetime
    state: str  # stored: what has been logged so far
    effective_state: str  # against the database clock now
    cleared_at: dt.datetime | None
    resolution: str | None


def state_at(now: dt.datetime, yellow_at: dt.datetime, due_at: dt.datetime) -> str:
    if now >= due_at:
        return "red"
    return "yellow" if now >= yellow_at else "watching"


def watch_deadline(
    session: Session,
    kind: str,
    subject: str,
    responsible_role: str,
    due_at: dt.datetime,
    label_zh: str,
    label_en: str,
    margin: dt.timedelta | None = None,
    organization_id: str | None = None,
    new_subject: bool = False,
    now: dt.datetime | None = None,
) -> Alert:
    """Watch a legal limit (again: a live alert for (kind, subject) is moved, not doubled).
    ``new_subject``: the caller knows no alert of this kind can exist for the subject yet (it
    raises it once, under the subject's own lock), so none is looked up. ``now``: the
    database time the caller just read."""
    if not _KIND.match(kind):
        raise ValueError(f"alert kind {kind!r}: lower-case letters, digits, '.', '_'")
    if due_at.tzinfo is None:
        raise ValueError("due_at must be an aware datetime")
    now = now or clock.now(session)
    due_at = due_at.astimezone(dt.UTC)
    yellow_at = due_at - (get_config().yellow_margin if margin is None else margin)
    found = None if new_subject else _active(session, kind, subject)
    facts = {"responsible_role": responsible_role, "label_zh": label_zh, "label_en": label_en,
             "due_at": due_at, "yellow_at": yellow_at, "updated_at": now,
             "state": state_at(now, yellow_at, due_at)}
    if organization_id is not None:  # a move by a caller that does not know it keeps it
        facts["organization_id"] = organization_id
    row: SupervisionAlert | Row[Any]
    if found is None:  # one Core statement, read back whole (the ORM's flush cost more)
        row = session.connection().execute(insert(_ALERTS).returning(*_ALERTS.c), {
            "kind": kind, "subject": subject, "created_at": now, "organization_id": None,
            **facts}).one()
    else:
        row = found
        for name, value in facts.items():
            setattr(found, name, value)
        session.flush()
    _schedule(session, row, now, found is not None, created=found is None)
    services.record(session, WATCHER, "alert.watching" if found is None else "alert.moved",
                    subject, _body(row))
    return _view(row, now)


def resolve_deadline(session: Session, kind: str, subject: str, resolution: str = "", *,
                     now: dt.datetime | None = None) -> bool:
    """Clear the live alert of (kind, subject) with the resolving event; False if none.
    ``now``: the database time the caller just read.

    One guarded Core ``UPDATE … RETURNING`` finds and clears the alert (and one more its job):
    looking it up, locking it and flushing the change through the ORM were four statements
    and most of the Python of every draw's contribution (pyinstrument, 100,000 experts)."""
    now = now or clock.now(session)
    session.flush()  # an alert changed in this session is in the database before the UPDATE
    row = session.connection().execute(
        update(_ALERTS)
        .where(_ALERTS.c.kind == kind, _ALERTS.c.subject == subject,
               _ALERTS.c.state.in_(ACTIVE))
        .values(state="cleared", cleared_at=now, updated_at=now,
                resolution=resolution[:200] or None)
        .returning(*_ALERTS.c)).one_or_none()
    if row is None:
        return False
    forget(session, SupervisionAlert, row.id)  # a loaded alert must not stay "watching"
    was = state_at(now, row.yellow_at, row.due_at)
    jobs.cancel_any(session, (YELLOW_JOB, RED_JOB), _job_subject(row.id), now=now)
    services.record(session, WATCHER, "alert.cleared", subject,
                    {**_body(row), "state_when_cleared": was, "resolution": row.resolution})
    return True


def refresh_alert(session: Session, alert_id: int) -> str | None:
    """Bring one alert's stored state up to the clock, logging the change (the jobs' body)."""
    row = session.get(SupervisionAlert, alert_id, with_for_update=True, populate_existing=True)
    if row is None or row.state == "cleared":
        return None
    now = clock.now(session)
    new = state_at(now, row.yellow_at, row.due_at)
    if new != row.state and ACTIVE.index(new) > ACTIVE.index(row.state):
        row.state, row.updated_at = new, now
        session.flush()
        _schedule(session, row, now, moved=False)
        services.record(session, WATCHER, f"alert.{new}", row.subject, _body(row))
    return row.state


def list_alerts(session: Session, roles: frozenset[str] | None = None,
                include_cleared: bool = False, limit: int = 500,
                organization_id: str | None = None) -> list[Alert]:
    """Alerts, the most urgent first; ``roles`` limits them to those the roles answer for, and
    then to alerts of no organization or of ``organization_id`` (the caller's)."""
    query = select(SupervisionAlert).order_by(SupervisionAlert.due_at).limit(limit)
    if not include_cleared:
        query = query.where(SupervisionAlert.state.in_(ACTIVE))
    if roles is not None:
        query = query.where(SupervisionAlert.responsible_role.in_(sorted(roles)))
        if organization_id is None:
            query = query.where(SupervisionAlert.organization_id.is_(None))
        else:
            query = query.where(or_(SupervisionAlert.organization_id.is_(None),
                                    SupervisionAlert.organization_id == organization_id))
    now = clock.now(session)
    found = [_view(row, now) for row in session.scalars(query)]
    order = {"red": 0, "yellow": 1, "watching": 2, "cleared": 3}
    return sorted(found, key=lambda a: (order[a.effective_state], a.due_at))


def count_by_state(session: Session) -> dict[str, int]:
    now = clock.now(session)
    counts = dict.fromkeys(("watching", "yellow", "red", "cleared"), 0)
    rows = session.execute(select(SupervisionAlert.state, SupervisionAlert.yellow_at,
                                  SupervisionAlert.due_at).where(SupervisionAlert.state.in_(ACTIVE)))
    for row in rows:
        counts[state_at(now, row.yellow_at, row.due_at)] += 1
    counts["cleared"] = session.scalar(select(func.count()).select_from(SupervisionAlert).where(
        SupervisionAlert.state == "cleared")) or 0
    return counts


def _active(session: Session, kind: str, subject: str) -> SupervisionAlert | None:
    query = select(SupervisionAlert).where(
        SupervisionAlert.kind == kind, SupervisionAlert.subject == subject,
        SupervisionAlert.state.in_(ACTIVE)).with_for_update()
    return session.scalars(query).one_or_none()


def _job_subject(alert_id: int) -> str:
    return f"alert:{alert_id}"


def _next_job(row: SupervisionAlert | Row[Any], now: dt.datetime) -> tuple[str, dt.datetime] | None:
    """The transition still ahead of the clock: yellow, else red, else none."""
    if row.yellow_at > now:
        return YELLOW_JOB, row.yellow_at
    if row.due_at > now:
        return RED_JOB, row.due_at
    return None


def _schedule(session: Session, row: SupervisionAlert | Row[Any], now: dt.datetime, moved: bool,
              created: bool = False) -> None:
    """Schedule the next transition; a moved alert's other job is cancelled (a new alert, or
    one just turned yellow by its own job, has no other live job; a ``created`` one has none)."""
    upcoming = _next_job(row, now)
    if upcoming is not None:
        jobs.schedule(session, upcoming[0], _job_subject(row.id), upcoming[1], {"alert_id": row.id},
                      now=now, new_subject=created)
    if moved:
        others = [kind for kind in (YELLOW_JOB, RED_JOB) if upcoming is None or kind != upcoming[0]]
        jobs.cancel_any(session, others, _job_subject(row.id), now=now)


def _body(row: SupervisionAlert | Row[Any]) -> dict[str, object]:  # a Row: read back by Core
    return {"alert_id": row.id, "kind": row.kind, "state": row.state,
            "responsible_role": row.responsible_role, "due_at": services.format_time(row.due_at),
            "yellow_at": services.format_time(row.yellow_at), "label": row.label_zh}


def _view(row: SupervisionAlert | Row[Any], now: dt.datetime) -> Alert:
    effective = "cleared" if row.state == "cleared" else state_at(now, row.yellow_at, row.due_at)
    return Alert(row.id, row.kind, row.subject, row.responsible_role, row.label_zh, row.label_en,
                 row.due_at, row.yellow_at, row.state, effective, row.cleared_at, row.resolution)
