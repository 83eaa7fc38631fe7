"""The pool's services: validation per field, creation, lifecycle, integrity, change requests."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from expert_pool import pool, pool_changes, pool_lifecycle, specialties
from expert_pool.models import (
    ChangeRequest,
    ConflictKind,
    ExpertStatus,
    IntegrityKind,
    IntegrityRecord,
    Specialty,
)
from expert_pool.tasks import penalty_ends
from tests.clock import advance_past
from tests.conftest import BACKEND
from tests.integration.bidding.conftest import db_now, log_actions
from tests.integration.expert_pool.test_pool_support import STAFF, sample, seeded
from tests.locks import until_waiting_for_a_lock
from trading import clock, db, jobs
from trading.errors import UserError
from trading.jobs import JobStatus


@pytest.fixture(autouse=True)
def _tree(database: str) -> None:
    seeded()


def create(serial: int = 1, **changes: object) -> str:
    with db.transaction() as session:
        return pool.create_expert(session, STAFF, sample(serial, **changes)).number


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_experts_created_at_the_same_moment_get_distinct_numbers() -> None:
    """The second waits for the first's number (the pool's counter), where both used to read
    the same highest number in use and the second failed on the unique number."""
    outcome: list[object] = []

    def second() -> None:
        try:
            outcome.append(create(2))
        except Exception as error:  # what the creating request would get
            outcome.append(error)

    with db.transaction() as session:
        first = pool.create_expert(session, STAFF, sample(1)).number
        thread = threading.Thread(target=second)
        thread.start()
        assert until_waiting_for_a_lock(), "the second creation should wait for the first"
    thread.join(30)
    assert first == "E000001" and outcome == ["E000002"]


def test_seeding_is_idempotent_and_realistic() -> None:
    with db.transaction() as session:
        assert specialties.seed_specialties(session) == 0
        codes = session.scalars(select(Specialty.code)).all()
    assert len(codes) > 300
    assert {"A", "B", "C", "A01", "A0101", "C0201"} <= set(codes)


def test_create_gives_readable_numbers_and_logs_without_personal_data() -> None:
    assert create(1) == "E000001"
    assert create(3) == "E000002"
    with db.read_only() as session:
        expert = pool.expert_by_number(session, "E000001")
        assert expert.status == ExpertStatus.APPLIED.value
        links = pool.links_of(session, expert)
        assert [(link.specialty_code, link.is_main) for link in links] == [("A0101", True),
                                                                           ("A0102", False)]
        assert len(pool.qualifications_of(session, expert)) == 1
        from supervision import services as log
        bodies = [e.body for e in log.entries(session, limit=100) if e.action == "expert.created"]
    assert "expert.created" in log_actions("expert:E000001")
    text = repr(bodies)
    assert expert.id_number not in text and expert.mobile not in text and "example.cn" not in text


@pytest.mark.parametrize(("changes", "field"), [
    ({"id_number": "140302198001010012"}, "id_number"),
    ({"sex": "unknown"}, "sex"),
    ({"sex": "female"}, "sex"),  # digit 17 says male
    ({"mobile": "1391234"}, "mobile"),
    ({"email": "not-an-address"}, "email"),
    ({"employer_credit_code": "91140300MA00009011"}, "employer_credit_code"),
    ({"region": " "}, "region"),
    ({"education": "kindergarten"}, "education"),
    ({"title": 9}, "title"),
    ({"title_date": ""}, "title_date"),
    ({"title_date": "2999-01-01"}, "title_date"),
    ({"years_in_specialty": 81}, "years_in_specialty"),
    ({"years_in_specialty": -1}, "years_in_specialty"),
    ({"expert_type": "lawyer"}, "expert_type"),
    ({"pool": "private"}, "pool"),
    ({"specialties": ["A9999"], "main_specialty": "A9999"}, "main_specialty"),
    ({"specialties": [], "main_specialty": ""}, "specialties"),
    ({"specialties": ["A0101", "A9999"], "main_specialty": "A0101"}, "specialties"),
    ({"main_specialty": "B01"}, "main_specialty"),
    ({"name": ""}, "name"),
])
def test_each_bad_field_is_refused_by_name(changes: dict[str, object], field: str) -> None:
    with pytest.raises(UserError) as raised:
        create(1, **changes)
    assert raised.value.field == field, raised.value
    with db.read_only() as session:
        assert pool.search_experts(session).total == 0


def test_no_employer_code_is_allowed_and_labels_are_accepted() -> None:
    number = create(1, employer_credit_code="", sex="男", education="硕士研究生", expert_type="经济专家")
    with db.read_only() as session:
        expert = pool.expert_by_number(session, number)
    assert (expert.employer_credit_code, expert.sex, expert.education, expert.expert_type) == (
        None, "male", "master", "economic")


def test_an_inactive_specialty_is_refused() -> None:
    with db.transaction() as session:
        specialties.set_active(session, STAFF, "A01", False)
        assert session.get(Specialty, "A0101").active is False  # the whole branch
    with pytest.raises(UserError) as raised:
        create(1)
    assert raised.value.field == "main_specialty"  # the main code is named first


def test_a_duplicate_id_number_is_refused() -> None:
    create(1)
    with pytest.raises(UserError) as raised:
        create(1, mobile="13900000000")
    assert raised.value.status == 409 and "E000001" in raised.value.message_zh


def test_lifecycle_and_illegal_transitions_name_the_state() -> None:
    number = create(1)
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        with pytest.raises(UserError) as raised:
            pool_lifecycle.admit(session, STAFF, expert)
        assert "已申请" in raised.value.message_zh
        pool_lifecycle.review(session, STAFF, expert)
        pool_lifecycle.admit(session, STAFF, expert)
        pool_lifecycle.suspend(session, STAFF, expert, "身体原因")
        with pytest.raises(UserError) as raised:
            pool_lifecycle.suspend(session, STAFF, expert, "再次")
        assert "暂停" in raised.value.message_zh
        with pytest.raises(UserError) as raised:
            pool_lifecycle.reinstate(session, STAFF, expert, " ")
        assert raised.value.field == "reason"
        pool_lifecycle.reinstate(session, STAFF, expert, "恢复")
        pool_lifecycle.retire(session, STAFF, expert, "年满七十周岁")
        with pytest.raises(UserError) as raised:
            pool_lifecycle.review(session, STAFF, expert)
        assert "已退出" in raised.value.message_zh
    assert log_actions(f"expert:{number}").count("expert.status_changed") == 5


def test_penalize_writes_an_integrity_penalty() -> None:
    number = create(1)
    today = clock.legal_day(db_now())
    until = today + dt.timedelta(days=180)
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        pool_lifecycle.review(session, STAFF, expert)
        pool_lifecycle.admit(session, STAFF, expert)
        with pytest.raises(UserError) as raised:
            pool_lifecycle.penalize(session, STAFF, expert, until, "私下接触投标人", None, "")
        assert raised.value.field == "basis"
        pool_lifecycle.penalize(session, STAFF, expert, until, "私下接触投标人", None,
                                "《招标投标法实施条例》第七十二条")
    with db.read_only() as session:
        expert = pool.expert_by_number(session, number)
        assert expert.status == ExpertStatus.PENALIZED.value
        assert (expert.penalized_from, expert.penalized_until) == (today, until)
        record = session.scalars(select(IntegrityRecord)).one()
    assert record.kind == IntegrityKind.PENALTY.value and record.until == until
    assert "expert.integrity_recorded" in log_actions(f"expert:{number}")


def _penalized(until: dt.date) -> str:
    number = create(1)
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        pool_lifecycle.review(session, STAFF, expert)
        pool_lifecycle.admit(session, STAFF, expert)
        pool_lifecycle.penalize(session, STAFF, expert, until, "私下接触投标人", None,
                                "《招标投标法实施条例》第七十二条")
    return number


def _run_penalty_job(number: str) -> None:
    with db.transaction() as session:
        job = jobs.get_job(session, pool_lifecycle.PENALTY_ENDS_JOB, f"expert:{number}")
        assert job is not None
        penalty_ends(session, job)


def test_a_penalty_ends_by_itself_after_its_last_day() -> None:
    until = clock.legal_day(db_now()) + dt.timedelta(days=2)
    number = _penalized(until)
    with db.read_only() as session:
        job = jobs.get_job(session, pool_lifecycle.PENALTY_ENDS_JOB, f"expert:{number}")
        assert job is not None and job.due_at == clock.legal_end_of_day_utc(until)
    _run_penalty_job(number)  # early (a stray message): still penalized
    with db.read_only() as session:
        assert pool.expert_by_number(session, number).status == ExpertStatus.PENALIZED.value
    advance_past(clock.legal_end_of_day_utc(until))
    _run_penalty_job(number)
    with db.read_only() as session:
        expert = pool.expert_by_number(session, number)
        assert expert.status == ExpertStatus.IN_POOL.value and expert.penalized_until is None
        assert "处罚期满" in expert.status_reason
    assert log_actions(f"expert:{number}").count("expert.status_changed") == 4


def test_reinstating_early_cancels_the_end_of_penalty_job() -> None:
    number = _penalized(clock.legal_day(db_now()) + dt.timedelta(days=30))
    with db.transaction() as session:
        pool_lifecycle.reinstate(session, STAFF, pool.expert_by_number(session, number), "复议撤销")
    with db.read_only() as session:
        assert jobs.get_job(session, pool_lifecycle.PENALTY_ENDS_JOB,
                            f"expert:{number}").status == JobStatus.CANCELLED.value


def test_record_integrity_signature_other_helpers_use() -> None:
    number = create(1)
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        record = pool.record_integrity(session, STAFF, expert, IntegrityKind.DECLINE,
                                       dt.date(2026, 1, 5), "", "无正当理由谢绝", draw_id=None)
    assert record.id is not None


def test_availability_and_conflicts() -> None:
    number = create(1)
    today = clock.legal_day(db_now())
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        row = pool_lifecycle.add_unavailability(session, STAFF, expert, today, today + dt.timedelta(3))
        with pytest.raises(UserError) as raised:
            pool_lifecycle.add_unavailability(session, STAFF, expert, today, today - dt.timedelta(3))
        assert raised.value.field == "ends_on"
        conflict = pool_lifecycle.add_conflict(session, STAFF, expert, pool_lifecycle.ConflictInput(
            ConflictKind.PAST_EMPLOYER.value, "某某建设集团", sample(2).employer_credit_code or "",
            "2015-01-01", "2020-12-31"))
        with pytest.raises(UserError) as raised:
            pool_lifecycle.add_conflict(session, STAFF, expert, pool_lifecycle.ConflictInput(
                ConflictKind.SHAREHOLDING.value, "某公司", "91140300MA00009011"))
        assert raised.value.field == "credit_code"
        pool_lifecycle.remove_unavailability(session, STAFF, expert, row.id)
        pool_lifecycle.remove_conflict(session, STAFF, expert, conflict.id)
    actions = log_actions(f"expert:{number}")
    for action in ("expert.unavailability_added", "expert.unavailability_removed",
                   "expert.conflict_added", "expert.conflict_removed"):
        assert action in actions


def test_a_vetted_change_waits_for_approval() -> None:
    number = create(1)
    with db.transaction() as session:
        expert = pool.expert_by_number(session, number)
        changed = pool.input_of(session, expert)
        changed.mobile, changed.employer_name, changed.title = "13800000001", "新单位", 4
        applied, requested = pool_changes.update_own(session, STAFF, expert, changed)
    assert applied == ["mobile"] and sorted(requested) == ["employer_name", "title"]
    with db.read_only() as session:
        expert = pool.expert_by_number(session, number)
        assert expert.mobile == "13800000001" and expert.employer_name == "阳泉市设计院"
        request_id = session.scalars(select(ChangeRequest.id)).one()
    with db.transaction() as session, pytest.raises(UserError) as raised:
        pool_changes.decide_change(session, STAFF, request_id, False, "")
    assert raised.value.field == "reason"
    with db.transaction() as session:
        pool_changes.decide_change(session, STAFF, request_id, True)
    with db.read_only() as session:
        expert = pool.expert_by_number(session, number)
        assert (expert.employer_name, expert.title) == ("新单位", 4)
    assert "expert.change_decided" in log_actions(f"expert:{number}")


def test_search_filters() -> None:
    create(1)
    create(3, specialties=["B0101"], main_specialty="B0101", region="山西省太原市")
    with db.read_only() as session:
        assert pool.search_experts(session, specialty="A01").total == 1
        assert pool.search_experts(session, region="太原").total == 1
        assert pool.search_experts(session, keyword="E000002").rows[0].region == "山西省太原市"
        assert pool.search_experts(session, status="in_pool").total == 0
        assert pool.specialty_name(session, "A0101", "zh-CN") == "建筑结构"
