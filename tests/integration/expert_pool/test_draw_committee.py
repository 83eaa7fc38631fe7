"""Committee rules (R-30) and impossible requests: refused with the numbers, nothing logged."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select, update

from bidding.models import Section, Tender
from expert_pool import drawing
from expert_pool.models import Draw
from supervision.models import LogEntry
from tests.integration.expert_pool.conftest import closed_section, db_now, make_user
from tests.integration.expert_pool.test_draw_engine import STAFF, draw_input, pool, regulator
from trading import db
from trading.accounts.models import Role
from trading.errors import ConflictError, UserError


def _refused(data: drawing.DrawInput) -> UserError:
    """The request is refused, and so is the same request committed at once, with the same
    reason; neither saves or logs anything."""
    with db.read_only() as session:
        before = session.scalar(select(func.count()).select_from(LogEntry))
        draws = session.scalar(select(func.count()).select_from(Draw))
    errors = []
    for at_once in (False, True):
        with db.transaction() as session, pytest.raises(UserError) as refused:
            drawing.request_draw(session, STAFF, uuid.uuid4(), data, commit_now=at_once)
        errors.append(refused.value)
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(LogEntry)) == before
        assert session.scalar(select(func.count()).select_from(Draw)) == draws
        assert not drawing.preview(session, data).ok
    assert errors[0].message_zh == errors[1].message_zh
    return errors[0]


@pytest.fixture
def ready(client):  # type: ignore[no-untyped-def]
    section = closed_section(client, "cm")
    pool(1, 12)
    return section, regulator()


def test_an_even_committee_is_refused(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, committee_size=6))
    assert error.field == "committee_size" and "6" in error.message_zh


def test_fewer_than_five_is_refused(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, {"A01": 3}, committee_size=3))
    assert error.field == "committee_size"


def test_large_government_procurement_needs_seven(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == section.tender_id).values(category="procurement"))
        session.execute(update(Section).where(Section.id == section.section_id).values(
            estimated_price_fen=10_000_000 * 100))
    error = _refused(draw_input(section, supervisor))
    assert error.field == "committee_size" and "7" in error.message_zh
    with db.transaction() as session:
        drawing.request_draw(session, STAFF, uuid.uuid4(),
                             draw_input(section, supervisor, {"A01": 6}, committee_size=7))


def test_experts_below_two_thirds_are_refused(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, {"A01": 3}, committee_size=5))
    assert error.field == "requirements" and "3" in error.message_zh and "5" in error.message_zh


def test_more_experts_than_eligible_names_the_numbers(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, {"A01": 13}, committee_size=15))
    assert error.message_zh == "专业 A01 需要 13 名，符合条件的只有 12 名"
    with db.read_only() as session:
        counts = drawing.preview(session, draw_input(section, supervisor, {"A01": 13},
                                                     committee_size=15)).counts
    assert [(c.code, c.needed, c.eligible) for c in counts] == [("A01", 13, 12)]


def test_a_regional_limit_needs_a_reason(ready) -> None:  # type: ignore[no-untyped-def]
    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, regions_exclude=["山西省太原市"]))
    assert error.field == "region_reason"


def test_the_supervisor_must_be_a_regulator(ready) -> None:  # type: ignore[no-untyped-def]
    section, _ = ready
    staff = make_user("not-a-regulator", Role.STAFF)
    assert _refused(draw_input(section, staff)).field == "supervisor_user_id"


def test_a_disabled_regulator_cannot_supervise(ready) -> None:  # type: ignore[no-untyped-def]
    from trading.accounts import admin
    from trading.audit import Actor

    section, supervisor = ready
    with db.transaction() as session:
        admin.set_active(session, Actor.system("test"), supervisor, False)
    assert _refused(draw_input(section, supervisor)).field == "supervisor_user_id"


def test_an_evaluation_in_the_past_is_refused(ready) -> None:  # type: ignore[no-untyped-def]
    import datetime as dt

    section, supervisor = ready
    error = _refused(draw_input(section, supervisor, evaluation_at=db_now() - dt.timedelta(hours=1)))
    assert error.field == "evaluation_at"


def test_a_draw_before_the_deadline_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.expert_pool.conftest import make_tender

    scenario = make_tender(bidders=0, prefix="early")
    supervisor = regulator()
    data = drawing.DrawInput(tender_id=scenario.tender_id, section_id=scenario.section_id,
                             committee_size=5, tenderee_representatives=1,
                             requirements=[drawing.RequirementInput("A01", 4)],
                             evaluation_at=db_now(), place="x", supervisor_user_id=supervisor)
    with db.transaction() as session, pytest.raises(ConflictError):
        drawing.request_draw(session, STAFF, uuid.uuid4(), data)
