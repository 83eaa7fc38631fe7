"""Fixtures for the expert pool tests: a closed section whose bidders have credit codes, and
experts written straight into the pool (the pool's own pages and import are tested apart)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import update

from expert_pool import drawable
from expert_pool.models import (
    EXPERT_SERIES,
    Draw,
    Expert,
    ExpertSpecialty,
    ExpertStatus,
    SerialCounter,
    Specialty,
    Title,
)
from tests.integration.bidding.conftest import (  # noqa: F401 (fixtures)
    AHEAD,
    TEST,
    Scenario,
    bearer,
    client,
    csrf_token,
    current,
    db_now,
    login,
    make_tender,
    make_user,
    pass_deadline,
    post_form,
    publish_now,
    storage_dir,
)
from tests.integration.bidding.test_opening import run_close, submit_bids
from trading import db
from trading.accounts.credit_code import check_character, id_number_check_character
from trading.accounts.models import Organization, OrganizationKind, Role


@pytest.fixture(autouse=True)
def drawable_in_step(request: pytest.FixtureRequest) -> Iterator[None]:
    """After every expert test, whatever it wrote: the draws' projection matches the pool."""
    uses_database = "database" in request.fixturenames
    if uses_database:
        request.getfixturevalue("database")  # set up first, so that it is dropped after this check
    yield
    if uses_database:
        with db.read_only() as session:
            assert drawable.differences(session.connection()) == 0


def credit_code(serial: int) -> str:
    """A valid unified social credit code (GB 32100) for test organisations."""
    first17 = f"91140300MA{serial:07d}"
    return first17 + check_character(first17)


@dataclass
class ClosedSection:
    scenario: Scenario
    bidder_codes: list[str]  # credit codes of the three bidders' organisations
    tenderee_code: str

    @property
    def tender_id(self) -> uuid.UUID:
        return self.scenario.tender_id

    @property
    def section_id(self) -> uuid.UUID:
        return self.scenario.section_id


def id_number(serial: int) -> str:
    """A valid resident ID number (GB 11643) for test experts."""
    first17 = f"{140300 + serial // 1000 % 100:06d}19800101{serial % 1000:03d}"
    return first17 + id_number_check_character(first17)


def give_credit_code(org_id: uuid.UUID, code: str) -> None:
    with db.transaction() as session:
        session.execute(update(Organization).where(Organization.id == org_id).values(credit_code=code))


def closed_section(http, prefix: str = "t",
                   before_bids: Callable[[Scenario], None] | None = None) -> ClosedSection:
    """A tender with three bids, past its deadline and closed: its bidders are known.
    ``before_bids`` runs once the tender is published (e.g. the bidders pay their security)."""
    scenario = make_tender(bidders=3, prefix=prefix)
    publish_now(scenario, db_now() + AHEAD)
    if before_bids is not None:
        before_bids(scenario)
    submit_bids(http, scenario)
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    base = sum(map(ord, prefix)) * 100
    codes = [credit_code(base + i) for i in range(3)]
    for bidder, code in zip(scenario.bidders, codes, strict=True):
        give_credit_code(scenario.bidder_org(bidder), code)
    tenderee_code = credit_code(base + 50)
    tenderee_org = current(scenario.tenderee).organization_id
    assert tenderee_org is not None
    give_credit_code(tenderee_org, tenderee_code)
    return ClosedSection(scenario, codes, tenderee_code)


def ensure_specialties(*codes: str) -> None:
    """Classification nodes the test needs (the seeded tree may hold them already)."""
    with db.transaction() as session:
        for code in codes:
            if session.get(Specialty, code[0]) is None:
                session.add(Specialty(code=code[0], parent_code=None, name_zh=code[0], level=1))
                session.flush()
            if len(code) > 1 and session.get(Specialty, code) is None:
                session.add(Specialty(code=code, parent_code=code[0], name_zh=f"专业 {code}", level=2))
                session.flush()


def add_expert(number: int, specialty: str = "A01", *, employer_code: str | None = None,
               region: str = "山西省阳泉市", title: Title = Title.SENIOR, years: int = 10,
               status: ExpertStatus = ExpertStatus.IN_POOL, expert_type: str = "technical",
               user_id: uuid.UUID | None = None) -> uuid.UUID:
    """An admitted expert written straight into the pool."""
    ensure_specialties(specialty)
    with db.transaction() as session:
        now = db_now()
        expert = Expert(
            number=f"E{number:06d}", user_id=user_id, name=f"专家{number}",
            id_number=id_number(number), sex="male" if number % 2 else "female",
            mobile=f"139{number:08d}", email="",
            employer_name=f"单位{number}", employer_credit_code=employer_code, region=region,
            education="bachelor", title=int(title), title_name="高级工程师",
            title_date=dt.date(2015, 1, 1), years_in_specialty=years, expert_type=expert_type,
            pool="platform", status=status.value, created_at=now, updated_at=now,
        )
        session.add(expert)
        session.flush()
        session.add(ExpertSpecialty(expert_id=expert.id, specialty_code=specialty, is_main=True))
        # The pool's counter passes the number written here, as create_expert's would.
        counter = session.get(SerialCounter, EXPERT_SERIES)
        if counter is None:
            session.add(SerialCounter(series=EXPERT_SERIES, last=number))
        elif counter.last < number:
            counter.last = number
        return expert.id


def expert_user(username: str, expert_number: int, specialty: str = "A01",
                **kwargs: object) -> tuple[uuid.UUID, uuid.UUID]:
    """An expert with an account (role expert): returns (user id, expert id)."""
    user_id = make_user(username, Role.EXPERT, OrganizationKind.OTHER)
    return user_id, add_expert(expert_number, specialty, user_id=user_id, **kwargs)  # type: ignore[arg-type]


def add_past_draw(session: Any, number: str, when: dt.datetime) -> uuid.UUID:
    """A completed draw of some other section, for ratings and records that name one."""
    draw_id = uuid.uuid4()
    session.add(Draw(id=draw_id, number=number, tender_id=uuid.uuid4(), section_id=uuid.uuid4(),
                     state="completed", committee_size=5, evaluation_on=when.date(),
                     evaluation_at=when, place="x", supervisor_user_id=uuid.uuid4(),
                     requested_by=uuid.uuid4(), requested_at=when))
    session.flush()
    return draw_id
