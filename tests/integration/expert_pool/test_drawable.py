"""The draws' projection of the pool follows every kind of write (expert_pool.drawable)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from expert_pool import drawable
from expert_pool.models import Expert, ExpertDrawable, ExpertSpecialty, ExpertStatus
from tests.integration.expert_pool.conftest import add_expert, add_past_draw, ensure_specialties
from trading import db


def _held(number: str) -> list[tuple[str, str, int]]:
    with db.read_only() as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(ExpertDrawable.specialty_code, ExpertDrawable.status, ExpertDrawable.title)
            .where(ExpertDrawable.number == number).order_by(ExpertDrawable.specialty_code))]


def _stale() -> int:
    with db.read_only() as session:
        return drawable.differences(session.connection())


def test_orm_writes_keep_the_projection_in_step(database) -> None:
    expert_id = add_expert(1, "A01")
    assert _held("E000001") == [("A01", "in_pool", 4)]
    ensure_specialties("A02")
    with db.transaction() as session:  # a change of the record and a second specialty
        expert = session.get(Expert, expert_id)
        assert expert is not None
        expert.title = 2
        session.add(ExpertSpecialty(expert_id=expert_id, specialty_code="A02"))
    assert _held("E000001") == [("A01", "in_pool", 2), ("A02", "in_pool", 2)]
    with db.transaction() as session:
        link = session.get(ExpertSpecialty, (expert_id, "A01"))
        session.delete(link)
    assert _held("E000001") == [("A02", "in_pool", 2)]
    with db.transaction() as session:
        expert = session.get(Expert, expert_id)
        assert expert is not None
        expert.status = ExpertStatus.RETIRED.value  # retired experts are never candidates
    assert _held("E000001") == []


def test_bulk_statements_rebuild_it(database) -> None:
    add_expert(1, "A01")
    add_expert(2, "A01")
    with db.transaction() as session:
        session.execute(update(Expert).where(Expert.number == "E000002")
                        .values(status=ExpertStatus.SUSPENDED.value))
    assert _held("E000002") == [("A01", "suspended", 4)]
    with db.transaction() as session:
        session.execute(delete(ExpertSpecialty).where(ExpertSpecialty.specialty_code == "A01"))
    assert _held("E000001") == [] and _held("E000002") == []
    assert _stale() == 0


def test_a_write_around_the_orm_is_told_and_rebuilt(database) -> None:
    add_expert(1, "A01")
    with db.transaction() as session:  # plain Core on the connection: no event sees it
        session.connection().execute(update(Expert).values(title=1))
    assert _stale() == 2  # the old row held, the new one missing
    with db.transaction() as session:
        drawable.rebuild(session.connection())
    assert _stale() == 0 and _held("E000001") == [("A01", "in_pool", 1)]


def _poor_facts(number: str) -> tuple[object, bool]:
    with db.read_only() as session:
        row = session.execute(select(ExpertDrawable.poor_third_on, ExpertDrawable.low_rated)
                              .where(ExpertDrawable.number == number)).one()
        return row[0], row[1]


def test_records_and_ratings_keep_the_poor_record_facts_in_step(database) -> None:
    """The "poor record" rule reads the projection: each decline and each rating refreshes it,
    and the migration that filled it for an existing pool computes the same."""
    import datetime as dt
    import importlib.util
    import uuid
    from pathlib import Path

    from sqlalchemy import text

    from expert_pool.models import IntegrityKind, IntegrityRecord, Rating

    expert_id = add_expert(1, "A01")
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    days = [dt.date(2026, 3, 1), dt.date(2026, 6, 1), dt.date(2026, 9, 1)]
    with db.transaction() as session:
        for day in days[:2]:
            session.add(IntegrityRecord(expert_id=expert_id, kind=IntegrityKind.DECLINE.value,
                                        occurred_on=day, recorded_at=now))
    assert _poor_facts("E000001") == (None, False)  # two are not a record yet
    with db.transaction() as session:
        session.add(IntegrityRecord(expert_id=expert_id, kind=IntegrityKind.NO_ANSWER.value,
                                    occurred_on=days[2], recorded_at=now))
        for i, marks in enumerate(((2, 2, 3), (2, 3, 2))):
            session.add(Rating(draw_id=add_past_draw(session, f"OLD-{i}", now),
                               expert_id=expert_id, punctuality=marks[0], quality=marks[1],
                               conduct=marks[2], rated_by=uuid.uuid4(), rated_at=now))
    assert _poor_facts("E000001") == (days[0], True)  # the third most recent; mean 7/3 < 2.5
    assert _stale() == 0
    path = Path(__file__).parents[3] / "migrations" / "versions" / "e003_drawable_poor_record.py"
    spec = importlib.util.spec_from_file_location("e003_drawable_poor_record", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with db.transaction() as session:  # the migration's statement over the same pool
        session.execute(update(ExpertDrawable).values(poor_third_on=None, low_rated=False))
        session.execute(text(migration.FILL))
    assert _poor_facts("E000001") == (days[0], True) and _stale() == 0
