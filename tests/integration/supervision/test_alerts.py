"""E-supervision alerts: watching → yellow → red → cleared against the database clock, each
transition a guarded job (trading.jobs) and a log entry."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from supervision import alerts, services
from supervision import tasks as _tasks  # noqa: F401  (registers the job handlers)
from supervision.models import SupervisionAlert
from tests import clock as test_clock
from trading import clock, db, job_runner, jobs
from trading.jobs import JobStatus, ScheduledJob

KIND = alerts.AlertKind.INTAKE_LIMIT
SUBJECT = "intake:42"


def _now() -> dt.datetime:
    with db.read_only() as session:
        return clock.now(session)


def _run_job(kind: str, alert_id: int) -> str:
    """What the dispatcher and a worker do with the job, without a broker."""
    with db.transaction() as session:
        job = jobs.get_job(session, kind, f"alert:{alert_id}")
        assert job is not None
        session.execute(update(ScheduledJob).where(ScheduledJob.id == job.id).values(
            status=JobStatus.QUEUED.value, lease_until=clock.now(session) + dt.timedelta(minutes=5)))
        job_id, version = job.id, job.version
    return job_runner.execute(job_id, version).result


def _live_jobs(alert_id: int) -> list[str]:
    with db.read_only() as session:
        return sorted(kind for kind in (alerts.YELLOW_JOB, alerts.RED_JOB)
                      if (job := jobs.get_job(session, kind, f"alert:{alert_id}")) is not None
                      and job.status in jobs.ACTIVE_STATUSES)


def _actions() -> list[str]:
    with db.read_only() as session:
        return [e.action for e in services.entries(session, subject=SUBJECT)]


def _state(alert_id: int) -> tuple[str, str]:
    with db.read_only() as session:
        found = [a for a in alerts.list_alerts(session, include_cleared=True) if a.id == alert_id]
    return found[0].state, found[0].effective_state


def test_the_lifecycle_of_an_alert(database: str) -> None:
    # The test clock moves through yellow_at and the deadline: no machine reaches them itself.
    due = _now() + dt.timedelta(hours=2)
    with db.transaction() as session:
        alert = services.watch_deadline(session, KIND, SUBJECT, "staff", due, "受理时限", "Intake limit",
                                        margin=dt.timedelta(hours=1))
    assert alert.state == "watching"
    assert _live_jobs(alert.id) == [alerts.YELLOW_JOB]  # the next transition's job only
    assert _run_job(alerts.YELLOW_JOB, alert.id) == "early"  # the guard holds before yellow_at
    test_clock.advance_past(alert.yellow_at)
    assert _state(alert.id) == ("watching", "yellow")  # pages follow the clock at once
    assert _run_job(alerts.YELLOW_JOB, alert.id) == "ran"
    assert _state(alert.id) == ("yellow", "yellow")
    assert _live_jobs(alert.id) == [alerts.RED_JOB]  # scheduled by the yellow transition
    assert _run_job(alerts.RED_JOB, alert.id) == "early"  # yellow, not yet red
    test_clock.advance_past(due)
    assert _run_job(alerts.RED_JOB, alert.id) == "ran"
    assert _state(alert.id) == ("red", "red")
    assert _live_jobs(alert.id) == []
    with db.transaction() as session:
        assert services.resolve_deadline(session, KIND, SUBJECT, "intake.accepted")
        assert not services.resolve_deadline(session, KIND, SUBJECT)
    assert _state(alert.id) == ("cleared", "cleared")
    assert [a for a in _actions() if a.startswith("alert.")] == [
        "alert.watching", "alert.yellow", "alert.red", "alert.cleared"]


def test_clearing_cancels_the_pending_transitions(database: str) -> None:
    with db.transaction() as session:
        alert = services.watch_deadline(session, KIND, SUBJECT, "staff",
                                        _now() + dt.timedelta(days=3), "时限", "Limit")
        held_alert = session.get(SupervisionAlert, alert.id)  # loaded before the clearing
        held_job = jobs.get_job(session, alerts.YELLOW_JOB, f"alert:{alert.id}")
        services.resolve_deadline(session, KIND, SUBJECT, "done")
        # The same transaction sees it too (the rows are cleared by one UPDATE each, and the
        # objects it had loaded are not left stale).
        assert alerts.list_alerts(session) == []
        assert held_alert is not None and held_alert.state == "cleared"
        job = jobs.get_job(session, alerts.YELLOW_JOB, f"alert:{alert.id}")
        assert job is held_job
        assert job is not None and job.status == JobStatus.CANCELLED.value and job.version == 2
    assert _live_jobs(alert.id) == []
    with db.read_only() as session:
        job = jobs.get_job(session, alerts.YELLOW_JOB, f"alert:{alert.id}")
        assert job is not None and job.status == JobStatus.CANCELLED.value
        # The times the clearing wrote compare with other times in SQL (SQLite compares text).
        soon = clock.now(session) + dt.timedelta(minutes=1)  # the same day: text compares past the date
        assert session.scalar(select(SupervisionAlert.id).where(
            SupervisionAlert.id == alert.id, SupervisionAlert.cleared_at < soon)) == alert.id
        assert session.scalar(select(ScheduledJob.id).where(
            ScheduledJob.id == job.id, ScheduledJob.updated_at < soon)) == job.id


def test_a_moved_deadline_keeps_one_job_for_its_next_transition(database: str) -> None:
    with db.transaction() as session:
        alert = services.watch_deadline(session, KIND, SUBJECT, "staff",
                                        _now() + dt.timedelta(hours=2), "时限", "Limit",
                                        margin=dt.timedelta(hours=3))
    assert alert.state == "yellow" and _live_jobs(alert.id) == [alerts.RED_JOB]
    with db.transaction() as session:
        services.watch_deadline(session, KIND, SUBJECT, "staff", _now() + dt.timedelta(days=2),
                                "时限", "Limit", margin=dt.timedelta(hours=3))
    assert _live_jobs(alert.id) == [alerts.YELLOW_JOB]
    with db.transaction() as session:
        services.watch_deadline(session, KIND, SUBJECT, "staff", _now() - dt.timedelta(hours=1),
                                "时限", "Limit")
    assert _live_jobs(alert.id) == []


def test_a_moved_deadline_updates_the_alert_instead_of_doubling_it(database: str) -> None:
    with db.transaction() as session:
        first = services.watch_deadline(session, KIND, SUBJECT, "staff",
                                        _now() - dt.timedelta(hours=1), "时限", "Limit")
        assert first.state == "red"
        moved = services.watch_deadline(session, KIND, SUBJECT, "staff",
                                         _now() + dt.timedelta(days=5), "时限", "Limit")
    assert moved.id == first.id and moved.state == "watching"
    with db.read_only() as session:
        assert len(alerts.list_alerts(session)) == 1
        assert alerts.count_by_state(session)["watching"] == 1


def test_alerts_are_shown_to_the_responsible_roles_only(database: str) -> None:
    with db.transaction() as session:
        services.watch_deadline(session, KIND, "intake:1", "staff", _now(), "甲", "A")
        services.watch_deadline(session, alerts.AlertKind.COMPLAINT, "complaint:1", "tenderee",
                                _now() + dt.timedelta(hours=1), "乙", "B")
    with db.read_only() as session:
        assert [a.subject for a in alerts.list_alerts(session, frozenset({"staff"}))] == ["intake:1"]
        assert {a.effective_state for a in alerts.list_alerts(session)} == {"red", "yellow"}
