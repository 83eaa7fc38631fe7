"""Recusal computed (R-32): each rule leaves the expert out with its reason code."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import select, text, update

from expert_pool import drawing
from expert_pool.models import (
    DeclaredConflict,
    Draw,
    Expert,
    ExpertStatus,
    IntegrityRecord,
    Rating,
    Specialty,
    Title,
    Unavailability,
)
from tests.integration.expert_pool.conftest import (
    add_expert,
    add_past_draw,
    closed_section,
    credit_code,
    db_now,
)
from tests.integration.expert_pool.test_draw_engine import STAFF, draw_input, pool, regulator, run_draw
from trading import db


def _commit_and_reasons(data: drawing.DrawInput) -> dict[str, str]:
    return {number: reason for number, (reason, _) in _commit_and_exclusions(data).items()}


def _commit_and_exclusions(data: drawing.DrawInput) -> dict[str, tuple[str, str]]:
    """The reasons and details a regulator reads; and the count the request showed is the pool
    committed (the count is added up in the database, the pool listed: one set of rules)."""
    with db.transaction() as session:
        shown = {c.code: c.eligible for c in drawing.preview(session, data).counts}
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data).id
        drawing.commit(session, STAFF, draw_id)
        draw = session.get(Draw, draw_id)
        assert draw is not None and draw.eligible is not None
        found = {e.expert_number: (e.reason, e.detail or "") for e in drawing.exclusions_of(draw)}
        for numbers in draw.eligible.values():
            assert not set(numbers) & set(found)
        assert shown == {code: len(numbers) for code, numbers in draw.eligible.items()}
    return found


def _setup(client, prefix: str, supervisor_code: str | None = None):  # type: ignore[no-untyped-def]
    section = closed_section(client, prefix)
    supervisor = regulator(code=supervisor_code)
    pool(100, 6)
    return section, supervisor


def _expert_id(number: int) -> uuid.UUID:
    with db.read_only() as session:
        found = session.scalar(select(Expert.id).where(Expert.number == f"E{number:06d}"))
        assert found is not None
        return found


def test_a_bidders_employee_is_excluded(client) -> None:
    section, supervisor = _setup(client, "rb")
    add_expert(1, employer_code=section.bidder_codes[1])
    assert _commit_and_reasons(draw_input(section, supervisor))["E000001"] == "bidder_employee"


def test_the_tenderees_employee_is_excluded(client) -> None:
    section, supervisor = _setup(client, "rt")
    add_expert(1, employer_code=section.tenderee_code)
    assert _commit_and_reasons(draw_input(section, supervisor))["E000001"] == "tenderee_employee"


def _conflict(expert: uuid.UUID, kind: str, code: str, ended: dt.date | None = None) -> None:
    with db.transaction() as session:
        session.add(DeclaredConflict(expert_id=expert, kind=kind, organization_name="某公司",
                                     credit_code=code, ended_on=ended))


def _make_procurement(section) -> None:  # type: ignore[no-untyped-def]
    # The fixture's tender is works; government procurement is the tender's category.
    from bidding.models import Tender
    from tests.integration.bidding.conftest import make_tender  # noqa: F401 (documented below)

    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == section.tender_id).values(category="procurement"))


def test_a_former_employee_of_a_bidder_is_excluded_in_procurement_for_three_years(client) -> None:
    section, supervisor = _setup(client, "rf")
    _make_procurement(section)
    recent, old = add_expert(1), add_expert(2)
    today = db_now().date()
    # The detail names the employer within the three years, not the one that ended before.
    _conflict(recent, "past_employer", section.bidder_codes[1], today - dt.timedelta(days=4 * 365))
    _conflict(recent, "past_employer", section.bidder_codes[0], today - dt.timedelta(days=400))
    _conflict(old, "past_employer", section.bidder_codes[0], today - dt.timedelta(days=4 * 365))
    exclusions = _commit_and_exclusions(draw_input(section, supervisor))
    assert exclusions["E000001"] == ("bidder_former_employee", section.bidder_codes[0])
    assert "E000002" not in exclusions


def test_a_former_employee_is_not_excluded_outside_procurement(client) -> None:
    section, supervisor = _setup(client, "rw")
    expert = add_expert(1)
    _conflict(expert, "past_employer", section.bidder_codes[0], db_now().date() - dt.timedelta(days=30))
    assert "E000001" not in _commit_and_reasons(draw_input(section, supervisor))


def test_a_shareholding_in_a_bidder_is_excluded(client) -> None:
    section, supervisor = _setup(client, "rs")
    holder = add_expert(1)
    _conflict(holder, "relative_employer", section.bidder_codes[1])  # declared first
    _conflict(holder, "shareholding", "91110000MA00000000")  # not a bidder's
    _conflict(holder, "shareholding", section.bidder_codes[2])
    _conflict(holder, "shareholding", section.bidder_codes[0])
    _conflict(add_expert(2), "shareholding", "91110000MA00000000")
    exclusions = _commit_and_exclusions(draw_input(section, supervisor))
    # The reason: shareholding, which comes before a relative in the law's list, though the
    # relative was declared first. Which bidder: the first shareholding declared that touches
    # one.
    assert exclusions["E000001"] == ("shareholding", section.bidder_codes[2])
    assert "E000002" not in exclusions


def test_a_relative_at_a_bidder_is_excluded(client) -> None:
    section, supervisor = _setup(client, "rr")
    _conflict(add_expert(1), "relative_employer", section.bidder_codes[0])
    exclusions = _commit_and_exclusions(draw_input(section, supervisor))
    assert exclusions["E000001"] == ("relative", section.bidder_codes[0])


def test_staff_of_the_supervising_department_are_excluded(client) -> None:
    department = credit_code(9001)
    section, supervisor = _setup(client, "rd", supervisor_code=department)
    add_expert(1, employer_code=department)
    assert _commit_and_reasons(draw_input(section, supervisor))["E000001"] == "supervising_department"


def test_penalized_and_suspended_experts_are_excluded(client) -> None:
    section, supervisor = _setup(client, "rp")
    add_expert(1, status=ExpertStatus.PENALIZED)
    add_expert(2, status=ExpertStatus.SUSPENDED)
    add_expert(3, status=ExpertStatus.PENALIZED)
    add_expert(4, status=ExpertStatus.RETIRED)
    with db.transaction() as session:
        session.execute(update(Expert).where(Expert.number == "E000001").values(
            penalized_until=db_now().date() + dt.timedelta(days=30)))
        session.execute(update(Expert).where(Expert.number == "E000003").values(
            penalized_until=db_now().date() - dt.timedelta(days=1)))  # served before the day
    reasons = _commit_and_reasons(draw_input(section, supervisor))
    assert reasons["E000001"] == "penalized"
    assert reasons["E000002"] == "suspended"
    assert "E000003" not in reasons and "E000004" not in reasons  # 3 eligible; 4 not in the pool


def test_an_unavailable_expert_is_excluded(client) -> None:
    section, supervisor = _setup(client, "ru")
    expert = add_expert(1)
    day = db_now().date() + dt.timedelta(days=3)
    with db.transaction() as session:
        session.add(Unavailability(expert_id=expert, starts_on=day - dt.timedelta(days=1),
                                   ends_on=day + dt.timedelta(days=1), reason="出差"))
    assert _commit_and_reasons(draw_input(section, supervisor))["E000001"] == "unavailable"


def test_an_expert_on_another_committee_that_day_is_excluded(client) -> None:
    section, supervisor = _setup(client, "rc")
    first = run_draw(draw_input(section, supervisor))
    with db.read_only() as session:
        asked = [p.expert_number for p in drawing.picks_of(session, first.id) if p.state == "notified"]
    pool(200, 6)
    other = closed_section(client, "rc2")  # another tender (its closing moves the clock on)
    # evaluated at the same moment: "now + N days" again could fall on the next day by now
    reasons = _commit_and_reasons(draw_input(other, supervisor, evaluation_at=first.evaluation_at))
    assert {reasons[n] for n in asked} == {"same_day_committee"}


def test_a_longer_evaluation_that_began_earlier_still_holds_its_experts(client) -> None:
    section, supervisor = _setup(client, "rl")
    first = run_draw(draw_input(section, supervisor, expected_days=3))
    with db.read_only() as session:
        asked = [p.expert_number for p in drawing.picks_of(session, first.id) if p.state == "notified"]
    pool(200, 6)
    third_day = first.evaluation_at + dt.timedelta(days=2)
    reasons = _commit_and_reasons(draw_input(closed_section(client, "rl2"), supervisor,
                                             evaluation_at=third_day))
    assert {reasons[n] for n in asked} == {"same_day_committee"}
    day_after = first.evaluation_at + dt.timedelta(days=3)
    reasons = _commit_and_reasons(draw_input(closed_section(client, "rl3"), supervisor,
                                             evaluation_at=day_after))
    assert not set(asked) & set(reasons)


def test_the_draw_cap_excludes_an_often_drawn_expert(client) -> None:
    section, supervisor = _setup(client, "rk")
    first = run_draw(draw_input(section, supervisor, evaluation_at=db_now() + dt.timedelta(days=2)))
    with db.read_only() as session:
        asked = [p.expert_number for p in drawing.picks_of(session, first.id) if p.state == "notified"]
    pool(200, 6)
    later = db_now() + dt.timedelta(days=10)  # another day: not busy, only capped
    other = closed_section(client, "rk2")
    reasons = _commit_and_reasons(draw_input(other, supervisor, evaluation_at=later,
                                             cap_draws=1, cap_days=30))
    assert {reasons[n] for n in asked} == {"draw_cap"}


def test_a_poor_record_excludes(client) -> None:
    section, supervisor = _setup(client, "ro")
    declines, rated = add_expert(1), add_expert(2)
    now = db_now()
    with db.transaction() as session:
        for kind in ("decline", "no_answer", "late_cancellation"):
            session.add(IntegrityRecord(expert_id=declines, kind=kind, occurred_on=now.date(),
                                        recorded_at=now))
        session.add(IntegrityRecord(expert_id=declines, kind="decline", recorded_at=now,
                                    occurred_on=now.date() - dt.timedelta(days=400)))  # too old
        session.add(IntegrityRecord(expert_id=declines, kind="reward", occurred_on=now.date(),
                                    recorded_at=now))  # not a poor record
        for i in range(5):
            session.add(Rating(draw_id=add_past_draw(session, f"OLD-{i}", now), expert_id=rated,
                               punctuality=2, quality=2, conduct=3, rated_by=uuid.uuid4(),
                               rated_at=now))
    exclusions = _commit_and_exclusions(draw_input(section, supervisor))
    assert exclusions["E000001"] == ("poor_record", "3 次谢绝/未应答/临时取消")
    assert exclusions["E000002"] == ("poor_record", "近期评分均值 2.33")  # (2 + 2 + 3) / 3


def test_matching_specialty_title_years_and_region(client) -> None:
    section, supervisor = _setup(client, "rm")
    with db.transaction() as session:
        if session.get(Specialty, "A0101") is None:
            session.add(Specialty(code="A0101", parent_code="A01", name_zh="子专业", level=3))
    add_expert(1, "A0101")  # a descendant of A01: matches
    add_expert(2, "A02")
    add_expert(3, title=Title.INTERMEDIATE)
    add_expert(4, years=3)
    add_expert(5, region="山西省太原市")
    data = draw_input(section, supervisor, min_title=int(Title.ASSOCIATE_SENIOR), min_years=5,
                      regions_include=["山西省阳泉市"], region_reason="本地项目，需现场踏勘")
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data).id
        drawing.commit(session, STAFF, draw_id)
        draw = session.get(Draw, draw_id)
        assert draw is not None and draw.eligible is not None
        eligible = draw.eligible["A01"]
        assert drawing.exclusions_of(draw) == []
    assert "E000001" in eligible
    assert not {"E000002", "E000003", "E000004", "E000005"} & set(eligible)


def test_excluded_regions_match_by_prefix_and_literally(client) -> None:
    """An excluded region takes the places under it; a region's ``%`` or ``_`` is a character
    the staff typed, never a wildcard (``_`` would match any one character in SQL)."""
    section, supervisor = _setup(client, "rx")
    add_expert(1, region="山西省太原市小店区")
    add_expert(2, region="山西省大同市")
    add_expert(3, region="河北省石家庄市")
    data = draw_input(section, supervisor, regions_exclude=["山西省太原市", "河北_石家庄市", "%"],
                      region_reason="回避本地利害关系")
    with db.transaction() as session:
        shown = {c.code: c.eligible for c in drawing.preview(session, data).counts}
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data, commit_now=True).id
        draw = session.get(Draw, draw_id)
        assert draw is not None and draw.eligible is not None
        eligible = draw.eligible["A01"]
    assert "E000001" not in eligible
    assert {"E000002", "E000003"} <= set(eligible)
    assert shown == {"A01": len(eligible)} and len(eligible) == 6 + 2


def test_an_expert_matching_two_requirements_goes_to_the_first_only(client) -> None:
    section, supervisor = _setup(client, "r2")
    pool(300, 3, "A02")
    add_expert(1, "A01")
    add_expert(2, "A01", employer_code=section.bidder_codes[0])
    with db.transaction() as session:
        from expert_pool.models import ExpertSpecialty

        for number in (1, 2):
            session.add(ExpertSpecialty(expert_id=_expert_id(number), specialty_code="A02"))
    data = draw_input(section, supervisor, counts={"A02": 2, "A01": 2})
    preview_counts = None
    with db.read_only() as session:
        preview_counts = {c.code: c.eligible for c in drawing.preview(session, data).counts}
    assert preview_counts == {"A02": 4, "A01": 6}  # E000001 counted once, under A02
    # The committed pool lists it once too (the helper checks it against the count), and the
    # bidder's employee holding both specialties is excluded once.
    assert _commit_and_reasons(data) == {"E000002": "bidder_employee"}
    with db.read_only() as session:
        draw = session.scalars(select(Draw).where(Draw.section_id == section.section_id)).one()
        assert draw.eligible is not None
        assert "E000001" in draw.eligible["A02"] and "E000001" not in draw.eligible["A01"]


def test_a_draws_exclusions_survive_the_migration_both_ways(client, database) -> None:
    """e004 moved them from rows onto the draw: an existing draw keeps what regulators read."""
    from alembic import command

    from tests.conftest import alembic_config

    section, supervisor = _setup(client, "rm")
    add_expert(1, employer_code=section.bidder_codes[1])
    add_expert(2, employer_code=section.tenderee_code)
    before = _commit_and_exclusions(draw_input(section, supervisor))
    assert before["E000001"] == ("bidder_employee", section.bidder_codes[1])
    config = alembic_config(database)
    db.get_engine().dispose()
    command.downgrade(config, "e003")
    with db.get_engine().connect() as connection:
        rows = connection.execute(text(
            "SELECT expert_number, reason, detail FROM expert_draw_exclusion")).all()
    assert {number: (reason, detail) for number, reason, detail in rows} == before
    db.get_engine().dispose()
    command.upgrade(config, "heads")
    with db.read_only() as session:
        draw = session.scalars(select(Draw)).one()
        after = {e.expert_number: (e.reason, e.detail) for e in drawing.exclusions_of(draw)}
    assert after == before
