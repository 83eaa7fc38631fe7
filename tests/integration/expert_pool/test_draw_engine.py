"""The draw end to end: request, commit, the supervisor's contribution, picks, replacement."""

from __future__ import annotations

import datetime as dt
import threading
import uuid

import pytest
from sqlalchemy import select

from expert_pool import drawing
from expert_pool.models import (
    Draw,
    DrawPick,
    DrawState,
    InboxMessage,
    PickState,
    SerialCounter,
    draw_series,
)
from supervision import draws as verifiable
from supervision import services as supervision
from tests.conftest import BACKEND
from tests.integration.bidding.conftest import log_actions
from tests.integration.expert_pool.conftest import (
    ClosedSection,
    add_expert,
    closed_section,
    current,
    db_now,
    give_credit_code,
    make_user,
)
from tests.locks import until_waiting_for_a_lock
from trading import clock, db
from trading.accounts.models import OrganizationKind, Role
from trading.audit import Actor
from trading.errors import UserError

STAFF = Actor.system("test-staff")


def regulator(username: str = "supervisor", code: str | None = None) -> uuid.UUID:
    user_id = make_user(username, Role.REGULATOR, OrganizationKind.REGULATOR)
    if code is not None:
        org = current(user_id).organization_id
        assert org is not None
        give_credit_code(org, code)
    return user_id


def draw_input(section: ClosedSection, supervisor: uuid.UUID, counts: dict[str, int] | None = None,
               **changes: object) -> drawing.DrawInput:
    counts = counts or {"A01": 4}
    experts = sum(counts.values())
    size = changes.pop("committee_size", 5)
    values: dict[str, object] = dict(
        tender_id=section.tender_id, section_id=section.section_id, committee_size=size,
        tenderee_representatives=int(size) - experts,  # type: ignore[call-overload]
        requirements=[drawing.RequirementInput(code, n) for code, n in counts.items()],
        evaluation_at=db_now() + dt.timedelta(days=3), place="阳泉市公共资源交易中心 3 号评标室",
        supervisor_user_id=supervisor)
    values.update(changes)
    return drawing.DrawInput(**values)  # type: ignore[arg-type]


def pool(first: int, n: int, specialty: str = "A01", **kwargs: object) -> list[str]:
    for i in range(first, first + n):
        add_expert(i, specialty, **kwargs)  # type: ignore[arg-type]
    return [f"E{i:06d}" for i in range(first, first + n)]


def run_draw(data: drawing.DrawInput, value: str = "监督人输入 42", *,
             at_once: bool = False) -> drawing.Draw:
    """Request, commit (in the request's own transaction when ``at_once``), contribute."""
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data, commit_now=at_once).id
    if not at_once:
        with db.transaction() as session:
            drawing.commit(session, STAFF, draw_id)
    with db.transaction() as session:
        drawing.contribute(session, STAFF, data.supervisor_user_id, draw_id, value)
    with db.read_only() as session:
        draw = drawing.get_draw(session, draw_id)
        session.expunge(draw)
        return draw


def steps(draw_number: str) -> list[supervision.Entry]:
    with db.read_only() as session:
        return supervision.entries(session, subject=f"draw:{draw_number}", limit=500)


@pytest.mark.parametrize("at_once", [False, True], ids=["commit-later", "committed-at-once"])
def test_a_draw_runs_end_to_end_and_reproduces(client, at_once: bool) -> None:
    section = closed_section(client, "e2e")
    supervisor = regulator()
    pool(1, 12)
    draw = run_draw(draw_input(section, supervisor), at_once=at_once)
    assert draw.state == DrawState.DRAWN.value
    with db.read_only() as session:
        picks = drawing.picks_of(session, draw.id)
        asked = [p for p in picks if p.state == PickState.NOTIFIED.value]
        inbox = session.scalars(select(InboxMessage).where(InboxMessage.draw_id == draw.id)).all()
    assert [p.rank for p in picks] == [1, 2, 3, 4, 5, 6]  # 4 seats + 2 backups
    assert [p.rank for p in asked] == [1, 2, 3, 4]
    assert len(inbox) == 4
    entries = steps(draw.number)
    assert [e.action for e in entries if e.action.startswith("draw.")] == [
        "draw.requested", "draw.committed", "draw.contributed", "draw.result"]
    # the supervising officer's alert, raised at the commit and cleared by the value
    assert [e.action for e in entries if e.action.startswith("alert.")] == [
        "alert.watching", "alert.cleared"]
    result = entries[-1].body
    assert result["selected"]["A01"] == [p.expert_number for p in asked]
    check = verifiable.check_draw(f"draw:{draw.number}", entries)
    assert check.ok, check.problems
    assert check.verdict == "match" and check.algorithm == "ggzy-draw-v3"


def test_only_the_supervisor_contributes_and_only_once_committed(client) -> None:
    section = closed_section(client, "sup")
    supervisor = regulator()
    other = regulator("other-regulator")
    pool(1, 8)
    data = draw_input(section, supervisor)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data).id
    with db.transaction() as session, pytest.raises(UserError) as early:
        drawing.contribute(session, STAFF, supervisor, draw_id, "too early")
    assert early.value.status == 409
    with db.transaction() as session:
        drawing.commit(session, STAFF, draw_id)
    with db.transaction() as session, pytest.raises(UserError) as wrong:
        drawing.contribute(session, STAFF, other, draw_id, "not mine")
    assert wrong.value.status == 403
    with db.transaction() as session:
        assert drawing.get_draw(session, draw_id).state == DrawState.COMMITTED.value


def test_a_replacement_takes_the_next_rank_and_reproduces(client) -> None:
    section = closed_section(client, "rep")
    supervisor = regulator()
    pool(1, 7)
    draw = run_draw(draw_input(section, supervisor))
    with db.transaction() as session:
        picks = drawing.picks_of(session, draw.id)
        out = picks[1]
        out.state = PickState.DECLINED.value
        chosen = drawing.replace(session, STAFF, out.id, "declined: travelling")
        assert chosen is not None and chosen.rank == 5
        assert chosen.state == PickState.NOTIFIED.value
    # beyond the stored backups the ranking continues (7 eligible: ranks 6 and 7 remain)
    for _ in range(3):
        with db.transaction() as session:
            seat = session.scalar(select(DrawPick).where(
                DrawPick.draw_id == draw.id, DrawPick.state == PickState.NOTIFIED.value)
                .order_by(DrawPick.rank.desc()))
            assert seat is not None
            seat.state = PickState.DECLINED.value
            taken = drawing.replace(session, STAFF, seat.id, "declined")
        if taken is None:
            break
    entries = steps(draw.number)
    actions = [e.action for e in entries]
    assert actions.count("draw.replaced") == 3 and actions[-1] == "draw.exhausted"
    assert [e.body["rank"] for e in entries if e.action == "draw.replaced"] == [5, 6, 7]
    check = verifiable.check_draw(f"draw:{draw.number}", entries)
    assert check.ok, check.problems


def test_a_draw_requested_before_v3_is_drawn_and_replaced_by_the_v2_ranking(client) -> None:
    """A request made by the previous version (its row says ggzy-draw-v2) keeps that algorithm
    through its commit, its result and its replacements, and a regulator's re-run matches."""
    section = closed_section(client, "v2d")
    supervisor = regulator()
    pool(1, 8)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor)).id
        drawing.get_draw(session, draw_id).algorithm = verifiable.ALGORITHM_V2
    with db.transaction() as session:
        drawing.commit(session, STAFF, draw_id)
    with db.transaction() as session:
        draw = drawing.contribute(session, STAFF, supervisor, draw_id, "监督人输入 7")
        picks = drawing.picks_of(session, draw.id)
        picks[0].state = PickState.DECLINED.value
        assert drawing.replace(session, STAFF, picks[0].id, "declined") is not None
        seed, eligible = drawing.seed_of(draw), (draw.eligible or {})["A01"]
    entries = steps(draw.number)
    committed = next(e for e in entries if e.action == "draw.committed")
    result = next(e for e in entries if e.action == "draw.result")
    assert committed.body["algorithm"] == "ggzy-draw-v2"
    assert result.body["ranked"]["A01"] == verifiable.ranking(seed, eligible)[:6]
    check = verifiable.check_draw(f"draw:{draw.number}", entries)
    assert check.ok and check.algorithm == "ggzy-draw-v2", check.problems


def test_a_candidate_no_longer_eligible_is_skipped_with_its_reason(client) -> None:
    section = closed_section(client, "skp")
    supervisor = regulator()
    pool(1, 8)
    draw = run_draw(draw_input(section, supervisor))
    with db.transaction() as session:
        picks = drawing.picks_of(session, draw.id)
        reserve = picks[4]  # rank 5: suspended after the draw
        from expert_pool.models import Expert, ExpertStatus
        expert = session.get(Expert, reserve.expert_id)
        assert expert is not None
        expert.status = ExpertStatus.SUSPENDED.value
        picks[0].state = PickState.DECLINED.value
        chosen = drawing.replace(session, STAFF, picks[0].id, "declined")
        assert chosen is not None and chosen.rank == 6
    replaced = next(e for e in steps(draw.number) if e.action == "draw.replaced")
    assert replaced.body["skipped"] == [{"expert": reserve.expert_number, "rank": 5,
                                         "reason": "suspended"}]
    assert verifiable.check_draw(f"draw:{draw.number}", steps(draw.number)).ok


def test_every_seat_confirmed_completes_the_draw(client) -> None:
    section = closed_section(client, "cmp")
    supervisor = regulator()
    pool(1, 6)
    draw = run_draw(draw_input(section, supervisor))
    with db.transaction() as session:
        for pick in drawing.picks_of(session, draw.id):
            if pick.state == PickState.NOTIFIED.value:
                pick.state = PickState.CONFIRMED.value
        row = drawing.get_draw(session, draw.id)
        assert drawing.refresh_state(session, STAFF, row).state == DrawState.COMPLETED.value
    assert steps(draw.number)[-1].action == "draw.completed"


def test_cancel_tells_the_asked_experts(client) -> None:
    section = closed_section(client, "cnl")
    supervisor = regulator()
    pool(1, 6)
    draw = run_draw(draw_input(section, supervisor))
    with db.transaction() as session:
        assert drawing.cancel(session, STAFF, draw.id, "评标推迟").state == DrawState.CANCELLED.value
        told = session.scalars(select(InboxMessage).where(InboxMessage.kind == "draw.cancelled")).all()
    assert len(told) == 4
    assert steps(draw.number)[-1].body == {"reason": "评标推迟"}


def test_a_second_draw_for_a_section_waits_for_the_first_to_be_cancelled(client) -> None:
    section = closed_section(client, "two")
    supervisor = regulator()
    pool(1, 10)
    first = run_draw(draw_input(section, supervisor))
    before = len(log_actions("draw:"))
    with db.transaction() as session, pytest.raises(UserError) as refused:
        drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor))
    assert first.number in refused.value.message_zh and refused.value.status == 409
    assert len(log_actions("draw:")) == before
    with db.transaction() as session:
        drawing.cancel(session, STAFF, first.id, "评标时间调整")
    with db.transaction() as session:
        again = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor))
        assert again.number != first.number


def test_numbers_follow_the_year(client) -> None:
    section = closed_section(client, "num")
    supervisor = regulator()
    pool(1, 10)  # the first draw's four are busy that day
    first = run_draw(draw_input(section, supervisor))
    other = closed_section(client, "num2")  # one live draw per section
    with db.transaction() as session:
        second = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(other, supervisor))
        assert second.number[:8] == first.number[:8]
        assert int(second.number[-4:]) == int(first.number[-4:]) + 1


def test_numbers_go_past_the_ten_thousandth_draw_of_a_year(client) -> None:
    """Serials are numbers: the highest number in use, compared as text, put "…-9999" after
    "…-10000" and gave the 10,001st draw of a year a number already taken."""
    section = closed_section(client, "n10k")
    supervisor = regulator()
    pool(1, 10)
    year = clock.legal_day(db_now()).year
    with db.transaction() as session:
        session.merge(SerialCounter(series=draw_series(year), last=9998))
    numbers = []
    for _ in range(3):
        with db.transaction() as session:
            draw = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor))
            numbers.append(draw.number)
            drawing.cancel(session, STAFF, draw.id, "评标时间调整")  # the section may draw again
    assert numbers == [f"CQ-{year}-9999", f"CQ-{year}-10000", f"CQ-{year}-10001"]


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_two_requests_for_one_section_at_once_make_one_draw(client) -> None:
    """The second request waits for the first and is then refused as a second draw of the
    section (before, both passed the check: a second live draw, or the same number twice)."""
    section = closed_section(client, "race")
    supervisor = regulator()
    pool(1, 10)
    outcome: list[object] = []

    def second() -> None:
        try:
            with db.transaction() as session:
                outcome.append(drawing.request_draw(session, STAFF, uuid.uuid4(),
                                                    draw_input(section, supervisor)).number)
        except Exception as error:  # what the request's caller would get
            outcome.append(error)

    with db.transaction() as session:
        first = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor))
        thread = threading.Thread(target=second)
        thread.start()
        assert until_waiting_for_a_lock(), "the second request should wait for the first"
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], UserError), outcome
    assert outcome[0].status == 409 and first.number in outcome[0].message_zh
    with db.read_only() as session:
        live = session.scalars(select(Draw.number).where(
            Draw.section_id == section.section_id, Draw.state != DrawState.CANCELLED.value)).all()
    assert live == [first.number]


def _live_alerts(number: str) -> list[str]:
    with db.read_only() as session:
        return [a.kind for a in supervision.list_alerts(session, roles=frozenset({"regulator"}))
                if a.subject == f"draw:{number}"]


def test_the_supervising_officer_is_alerted_until_the_value_is_given(client) -> None:
    section = closed_section(client, "alr")
    supervisor = regulator()
    pool(1, 8)
    with db.transaction() as session:
        draw = drawing.request_draw(session, STAFF, uuid.uuid4(), draw_input(section, supervisor))
        draw_id, number = draw.id, draw.number
    assert _live_alerts(number) == []
    with db.transaction() as session:
        drawing.commit(session, STAFF, draw_id)
    assert _live_alerts(number) == [drawing.AWAITING_SUPERVISOR]
    with db.transaction() as session:
        drawing.contribute(session, STAFF, supervisor, draw_id, "监督人输入 9")
    assert _live_alerts(number) == []
