"""The draws' projection of the pool follows every kind of write (expert_pool.drawable)."""

from __future__ import annotations

from sqlalchemy import delete, select, update

from expert_pool import drawable
from expert_pool.models import Expert, ExpertDrawable, ExpertSpecialty, ExpertStatus
from tests.integration.expert_pool.conftest import add_expert, ensure_specialties
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
