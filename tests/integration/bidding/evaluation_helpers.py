"""A section opened and its committee drawn, confirmed, checked in and pledged (issue 15)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from expert_pool import attendance, drawing
from expert_pool.drawing import DrawInput, RequirementInput
from expert_pool.models import PickState
from tests import clock as test_clock
from tests.integration.bidding.conftest import TEST, Scenario, make_user
from tests.integration.bidding.test_opening import open_all_directly, submit_share
from tests.integration.expert_pool.conftest import closed_section, expert_user
from trading import clock, db
from trading.accounts.models import Role
from trading.audit import Actor

EXPERTS = 4  # a committee of 5: 4 experts and 1 tenderee representative


@dataclass
class Committee:
    scenario: Scenario
    members: dict[str, uuid.UUID]  # username -> user id (the seated experts)
    others: dict[str, uuid.UUID]  # drawn in reserve: not on the committee
    regulator: uuid.UUID

    @property
    def tender_id(self) -> uuid.UUID:
        return self.scenario.tender_id

    @property
    def section_id(self) -> uuid.UUID:
        return self.scenario.section_id

    @property
    def room(self) -> str:
        return f"/bidding/evaluation/{self.tender_id}/{self.section_id}"


def seated_committee(client, prefix: str, *, ready: bool = True,
                     before_bids: Callable[[Scenario], None] | None = None) -> Committee:
    section = closed_section(client, prefix, before_bids)
    scenario = section.scenario
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code in (200, 201)
    open_all_directly(scenario)
    supervisor = make_user(f"{prefix}-sup", Role.REGULATOR)
    users: dict[str, uuid.UUID] = {}
    for i in range(EXPERTS + 3):
        username = f"{prefix}-ex{i}"
        user_id, _ = expert_user(username, 300 + i + sum(map(ord, prefix)) % 50 * 10, "A01")
        users[username] = user_id
    with db.read_only() as session:
        day = clock.legal_day(clock.now(session)) + dt.timedelta(days=2)
    when = test_clock.beijing(day.year, day.month, day.day, 9)
    data = DrawInput(tender_id=scenario.tender_id, section_id=scenario.section_id,
                     committee_size=5, tenderee_representatives=1,
                     requirements=[RequirementInput("A01", EXPERTS, backups=2)],
                     evaluation_at=when, place="阳泉市公共资源交易中心 3 号评标室",
                     supervisor_user_id=supervisor, answer_minutes=120)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, TEST, scenario.staff, data).id
    with db.transaction() as session:
        drawing.commit(session, TEST, draw_id)
    with db.transaction() as session:
        drawing.contribute(session, Actor(str(supervisor), "regulator"), supervisor, draw_id,
                           "监督人输入 7391")
    with db.read_only() as session:
        picks = [(p.id, p.state, p.expert_id) for p in drawing.picks_of(session, draw_id)]
    from expert_pool.models import Expert

    with db.read_only() as session:
        user_of = {p_id: session.get(Expert, expert_id).user_id for p_id, _, expert_id in picks}
    seated = [p_id for p_id, state, _ in picks if state == PickState.NOTIFIED.value]
    for pick_id in seated:
        with db.transaction() as session:
            attendance.confirm(session, TEST, user_of[pick_id], pick_id)
    if ready:
        test_clock.set_now(when)
        for pick_id in seated:
            with db.transaction() as session:
                attendance.check_in(session, TEST, user_of[pick_id], pick_id)
            with db.transaction() as session:
                attendance.pledge(session, TEST, user_of[pick_id], pick_id)
    seated_users = {user_of[p] for p in seated}
    members = {name: uid for name, uid in users.items() if uid in seated_users}
    others = {name: uid for name, uid in users.items() if uid not in seated_users}
    return Committee(scenario, members, others, supervisor)
