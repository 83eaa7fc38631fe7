"""The drawn expert's side of a real draw (R-34): confirm, decline, no answer, cancellation,
check-in, pledge and recusal; each given-up seat passes to the next in rank."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from expert_pool import attendance, drawing, notify
from expert_pool.drawing import DrawInput, RequirementInput
from expert_pool.models import (
    Draw,
    DrawPick,
    DrawState,
    InboxMessage,
    IntegrityRecord,
    OutboxMessage,
    PickState,
)
from expert_pool.tasks import no_answer
from supervision import services as log
from tests import clock as test_clock
from tests.integration.expert_pool.conftest import (
    TEST,
    bearer,
    closed_section,
    db_now,
    expert_user,
    make_user,
)
from trading import clock, db, jobs
from trading.accounts.models import Role
from trading.audit import Actor

COUNT, BACKUPS = 4, 2  # a committee of 5: 4 experts and 1 tenderee representative


@dataclass
class Drawn:
    draw_id: uuid.UUID
    number: str
    evaluation_at: dt.datetime
    users: dict[str, uuid.UUID]  # expert number -> user id
    usernames: dict[str, str]
    staff: uuid.UUID
    bidder: uuid.UUID
    tender_title: str


def evaluation_in(days: int, hour: int = 9) -> dt.datetime:
    """An evaluation ``days`` Beijing days from now at ``hour`` o'clock Beijing time."""
    day = clock.legal_day(db_now()) + dt.timedelta(days=days)
    return test_clock.beijing(day.year, day.month, day.day, hour)


def make_draw(client, prefix: str = "att", *, evaluation_at: dt.datetime | None = None,
              answer_minutes: int = 120) -> Drawn:
    section = closed_section(client, prefix)
    supervisor = make_user(f"{prefix}-sup", Role.REGULATOR)
    users, usernames = {}, {}
    for i in range(COUNT + BACKUPS + 1):
        number = 100 + i
        username = f"{prefix}-ex{i}"
        user_id, _ = expert_user(username, number, "A01")
        users[f"E{number:06d}"], usernames[f"E{number:06d}"] = user_id, username
    when = evaluation_at or evaluation_in(3)
    data = DrawInput(tender_id=section.tender_id, section_id=section.section_id,
                     committee_size=5, tenderee_representatives=1,
                     requirements=[RequirementInput("A01", COUNT, backups=BACKUPS)],
                     evaluation_at=when, place="阳泉市公共资源交易中心 3 号评标室",
                     supervisor_user_id=supervisor, answer_minutes=answer_minutes)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, TEST, section.scenario.staff, data).id
    with db.transaction() as session:
        drawing.commit(session, TEST, draw_id)
    with db.transaction() as session:
        drawing.contribute(session, Actor(str(supervisor), "regulator"), supervisor, draw_id,
                           "监督人输入 7391")
        number = drawing.get_draw(session, draw_id).number
    return Drawn(draw_id, number, when, users, usernames, section.scenario.staff,
                 section.scenario.bidders[0], "测试工程")


def picks(drawn: Drawn) -> list[DrawPick]:
    with db.read_only() as session:
        found = drawing.picks_of(session, drawn.draw_id)
        session.expunge_all()
        return sorted(found, key=lambda p: p.rank)


def pick(drawn: Drawn, pick_id: int) -> DrawPick:
    return next(p for p in picks(drawn) if p.id == pick_id)


def asked(drawn: Drawn) -> list[DrawPick]:
    return [p for p in picks(drawn) if p.state == PickState.NOTIFIED.value]


def first_reserve(drawn: Drawn) -> DrawPick:
    return next(p for p in picks(drawn) if p.state == PickState.RESERVE.value)


def api(client, drawn: Drawn, seat: DrawPick, action: str, body: dict | None = None,
        as_number: str | None = None):
    user = drawn.users[as_number or seat.expert_number]
    return client.post(f"/api/v1/my/expert-draws/{seat.id}/{action}", json=body or {},
                       headers=bearer(user))


def actions(drawn: Drawn) -> list[str]:
    with db.read_only() as session:
        return [e.action for e in log.entries(session, limit=10_000)
                if e.subject == f"draw:{drawn.number}"]


def bodies(drawn: Drawn, action: str) -> list[dict]:
    with db.read_only() as session:
        return [e.body for e in log.entries(session, limit=10_000)
                if e.subject == f"draw:{drawn.number}" and e.action == action]


def integrity(number: str) -> list[str]:
    with db.read_only() as session:
        return list(session.scalars(
            select(IntegrityRecord.kind).join(DrawPick, DrawPick.expert_id == IntegrityRecord.expert_id)
            .where(DrawPick.expert_number == number).distinct()))


def inbox_kinds(drawn: Drawn, number: str) -> list[str]:
    seat = next(p for p in picks(drawn) if p.expert_number == number)
    with db.read_only() as session:
        return list(session.scalars(select(InboxMessage.kind)
                                    .where(InboxMessage.expert_id == seat.expert_id)))


def sms_count(number: str) -> int:
    mobile = f"139{int(number[1:]):08d}"
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(OutboxMessage)
                                  .where(OutboxMessage.recipient == mobile)) or 0)


def staff_alerts(drawn: Drawn) -> list[str]:
    with db.read_only() as session:
        return [a.effective_state for a in log.list_alerts(session, frozenset({"staff"}))
                if a.subject == f"draw:{drawn.number}" and a.kind == attendance.LATE_ALERT]


def state_of(drawn: Drawn) -> str:
    with db.read_only() as session:
        draw = session.get(Draw, drawn.draw_id)
        assert draw is not None
        return draw.state


# --- confirming ----------------------------------------------------------------------------


def test_every_asked_expert_confirms_and_the_draw_completes(client) -> None:
    drawn = make_draw(client)
    seats = asked(drawn)
    assert len(seats) == COUNT
    assert all("draw.asked" in inbox_kinds(drawn, s.expert_number) for s in seats)
    for seat in seats:
        answer = api(client, drawn, seat, "confirm")
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "confirmed"
        assert answer.json()["project"] is None  # named only from check-in on
    assert actions(drawn).count("draw.confirmed") == COUNT
    assert state_of(drawn) == DrawState.COMPLETED.value
    assert bodies(drawn, "draw.confirmed")[0]["expert"] == seats[0].expert_number
    assert seats[0].answer_due is not None  # the batch's no-answer job finds nothing to do
    test_clock.advance_past(seats[0].answer_due)
    with db.transaction() as session:
        job = jobs.get_job(session, notify.NO_ANSWER_JOB,
                           notify.answers_subject(drawn.number, seats[0].answer_due))
        assert job is not None
        no_answer(session, job)
    assert {p.state for p in picks(drawn) if p.id in {s.id for s in seats}} == {"confirmed"}
    assert actions(drawn).count("draw.no_answer") == 0


def test_confirming_twice_is_refused(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    assert api(client, drawn, seat, "confirm").status_code == 200
    again = api(client, drawn, seat, "confirm")
    assert again.status_code == 409
    assert "已确认" in again.json()["message_zh"]
    assert actions(drawn).count("draw.confirmed") == 1


def test_a_confirmation_by_someone_not_drawn_is_refused_and_changes_nothing(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    outsider = first_reserve(drawn).expert_number  # an expert of the pool, not asked for it
    before = actions(drawn)
    answer = api(client, drawn, seat, "confirm", as_number=outsider)
    assert answer.status_code == 403
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "不是该席位被抽中的专家" in answer.json()["message_zh"]
    assert pick(drawn, seat.id).state == PickState.NOTIFIED.value
    assert actions(drawn) == before
    missing = client.post("/api/v1/my/expert-draws/2147483000/confirm",
                          headers=bearer(drawn.users[outsider]))
    assert missing.status_code == 403


def test_a_confirmation_after_the_answer_was_due_is_refused_with_the_time(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    assert seat.answer_due is not None
    test_clock.advance_past(seat.answer_due)
    answer = api(client, drawn, seat, "confirm")
    assert answer.status_code == 409
    due = clock.to_local(seat.answer_due).strftime("%Y-%m-%d %H:%M")
    assert due in answer.json()["message_zh"]
    assert pick(drawn, seat.id).state == PickState.NOTIFIED.value


# --- declining and no answer ---------------------------------------------------------------


def test_a_decline_needs_a_reason_and_passes_the_seat_to_the_next_in_rank(client) -> None:
    drawn = make_draw(client)
    seat, reserve = asked(drawn)[0], first_reserve(drawn)
    empty = api(client, drawn, seat, "decline", {"reason": "  "})
    assert empty.status_code == 400
    assert empty.json()["errors"][0]["field"] == "reason"
    sms_before = sms_count(reserve.expert_number)
    answer = api(client, drawn, seat, "decline", {"reason": "当日出差"})
    assert answer.status_code == 200, answer.text
    assert pick(drawn, seat.id).state == PickState.DECLINED.value
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value
    assert "draw.asked" in inbox_kinds(drawn, reserve.expert_number)
    assert sms_count(reserve.expert_number) == sms_before + 1
    assert "decline" in integrity(seat.expert_number)
    log_actions = actions(drawn)
    assert log_actions.index("draw.declined") < log_actions.index("draw.replaced")
    body = bodies(drawn, "draw.declined")[0]
    assert body["expert"] == seat.expert_number and body["reason"] == "declined"
    assert "当日出差" not in str(body)  # free text stays on the pick


def test_no_answer_by_the_due_time_passes_the_seat_on_once(client) -> None:
    drawn = make_draw(client)
    seat, *others = asked(drawn)
    reserve = first_reserve(drawn)
    for other in others:  # the rest of the batch answers in time
        assert api(client, drawn, other, "confirm").status_code == 200
    assert seat.answer_due is not None
    batch = notify.answers_subject(drawn.number, seat.answer_due)
    with db.transaction() as session:  # too early: nothing happens
        job = jobs.get_job(session, notify.NO_ANSWER_JOB, batch)
        assert job is not None
        no_answer(session, job)
    assert pick(drawn, seat.id).state == PickState.NOTIFIED.value
    test_clock.advance_past(seat.answer_due)
    for _ in range(2):  # idempotent: a second run finds nothing to do
        with db.transaction() as session:
            job = jobs.get_job(session, notify.NO_ANSWER_JOB, batch)
            assert job is not None
            no_answer(session, job)
    assert pick(drawn, seat.id).state == PickState.NO_ANSWER.value
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value
    assert "draw.asked" in inbox_kinds(drawn, reserve.expert_number)
    assert "no_answer" in integrity(seat.expert_number)
    assert actions(drawn).count("draw.no_answer") == 1
    assert actions(drawn).count("draw.replaced") == 1


def test_answering_a_cancelled_draw_is_refused(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    with db.transaction() as session:
        drawing.cancel(session, TEST, drawn.draw_id, "评标延期")
    answer = api(client, drawn, seat, "confirm")
    assert answer.status_code == 409
    assert "已取消" in answer.json()["message_zh"]


# --- cancelling a confirmation -------------------------------------------------------------


def test_a_cancellation_a_day_ahead_passes_the_seat_on_at_once(client) -> None:
    drawn = make_draw(client)
    seat, reserve = asked(drawn)[0], first_reserve(drawn)
    assert api(client, drawn, seat, "confirm").status_code == 200
    answer = api(client, drawn, seat, "cancel", {"reason": "突发疾病"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "cancelled"
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value
    assert "draw.cancelled_by_expert" in actions(drawn)
    assert "late_cancellation" not in integrity(seat.expert_number)


def test_a_late_cancellation_waits_for_staff_and_counts_against_the_expert(client) -> None:
    drawn = make_draw(client)
    first, second = asked(drawn)[:2]
    for seat in (first, second):
        assert api(client, drawn, seat, "confirm").status_code == 200
    test_clock.advance_past(drawn.evaluation_at - dt.timedelta(hours=12))
    for seat in (first, second):
        answer = api(client, drawn, seat, "cancel", {"reason": "家中急事"})
        assert answer.status_code == 200, answer.text
        assert answer.json()["state"] == "cancel_requested"
    assert actions(drawn).count("draw.cancel_requested") == 2
    assert staff_alerts(drawn) == ["yellow"]  # staff are told, once per draw
    reserve = first_reserve(drawn)
    assert pick(drawn, reserve.id).state == PickState.RESERVE.value  # nobody asked yet

    decide = f"/api/v1/expert-draws/picks/{first.id}/cancel-decision"
    approved = client.post(decide, json={"approve": True}, headers=bearer(drawn.staff))
    assert approved.status_code == 200, approved.text
    assert approved.json()["state"] == "cancelled"
    assert "late_cancellation" in integrity(first.expert_number)
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value
    again = client.post(decide, json={"approve": True}, headers=bearer(drawn.staff))
    assert again.status_code == 409

    refuse = f"/api/v1/expert-draws/picks/{second.id}/cancel-decision"
    no_note = client.post(refuse, json={"approve": False}, headers=bearer(drawn.staff))
    assert no_note.status_code == 400
    refused = client.post(refuse, json={"approve": False, "note": "无替补可到场"},
                          headers=bearer(drawn.staff))
    assert refused.status_code == 200
    assert refused.json()["state"] == "confirmed"
    assert "draw.cancel_refused" in inbox_kinds(drawn, second.expert_number)
    assert "late_cancellation" not in integrity(second.expert_number)
    assert [b["approved"] for b in bodies(drawn, "draw.cancel_decided")] == [True, False]
    assert staff_alerts(drawn) == []  # nothing waits any more


# --- at the evaluation ---------------------------------------------------------------------


def test_check_in_only_on_the_day_then_the_pledge_and_no_decline(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    too_early = api(client, drawn, seat, "check-in")
    assert too_early.status_code == 409  # not confirmed yet
    assert api(client, drawn, seat, "confirm").status_code == 200
    day_before = api(client, drawn, seat, "check-in")
    assert day_before.status_code == 409
    assert "评标当日" in day_before.json()["message_zh"]
    not_yet = api(client, drawn, seat, "pledge")
    assert not_yet.status_code == 409
    test_clock.advance_past(drawn.evaluation_at - dt.timedelta(minutes=30))
    checked = api(client, drawn, seat, "check-in")
    assert checked.status_code == 200, checked.text
    assert checked.json()["project"].startswith(drawn.tender_title)  # named from check-in on
    declined = api(client, drawn, seat, "decline", {"reason": "不想参加"})
    assert declined.status_code == 409
    assert "已签到" in declined.json()["message_zh"]
    pledged = api(client, drawn, seat, "pledge")
    assert pledged.status_code == 200
    assert api(client, drawn, seat, "pledge").status_code == 409
    assert pick(drawn, seat.id).state == PickState.CHECKED_IN.value
    at_the_evaluation = [a for a in actions(drawn) if a in ("draw.checked_in", "draw.pledged")]
    assert at_the_evaluation == ["draw.checked_in", "draw.pledged"]


def test_check_in_after_the_evaluation_days_is_refused(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    assert api(client, drawn, seat, "confirm").status_code == 200
    test_clock.advance_past(drawn.evaluation_at + dt.timedelta(days=1))
    assert api(client, drawn, seat, "check-in").status_code == 409


def test_a_recusal_at_the_evaluation_passes_the_seat_on(client) -> None:
    drawn = make_draw(client)
    seat, reserve = asked(drawn)[0], first_reserve(drawn)
    assert api(client, drawn, seat, "confirm").status_code == 200
    test_clock.advance_past(drawn.evaluation_at - dt.timedelta(minutes=30))
    assert api(client, drawn, seat, "check-in").status_code == 200
    bad = api(client, drawn, seat, "recusal", {"ground": "cousin"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "ground"
    other = api(client, drawn, seat, "recusal", {"ground": "other"})
    assert other.status_code == 400 and other.json()["errors"][0]["field"] == "detail"
    answer = api(client, drawn, seat, "recusal", {"ground": "economic_interest",
                                                  "detail": "持有投标人股份"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["state"] == "recused"
    assert pick(drawn, reserve.id).state == PickState.NOTIFIED.value
    body = bodies(drawn, "draw.recused")[0]
    assert body["ground"] == "economic_interest" and body["work_void"] is True
    assert "持有投标人股份" not in str(body)
    assert integrity(seat.expert_number) == []  # a recusal is a duty, not a fault


# --- who may ------------------------------------------------------------------------------


MUTATING_API = ["confirm", "decline", "cancel", "check-in", "pledge", "recusal"]


def denials_now() -> int:
    from trading import denials

    with db.read_only() as session:
        return denials.total_denials(session)


@pytest.mark.parametrize("action", MUTATING_API)
def test_the_api_refuses_a_wrong_role_and_counts_it(client, action: str) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    for user in (drawn.bidder, drawn.staff):
        before = denials_now()
        answer = client.post(f"/api/v1/my/expert-draws/{seat.id}/{action}", json={},
                             headers=bearer(user))
        assert answer.status_code == 403
        assert denials_now() == before + 1
    assert pick(drawn, seat.id).state == PickState.NOTIFIED.value


def test_only_staff_decide_a_late_cancellation(client) -> None:
    drawn = make_draw(client)
    seat = asked(drawn)[0]
    for user in (drawn.users[seat.expert_number], drawn.bidder):
        before = denials_now()
        answer = client.post(f"/api/v1/expert-draws/picks/{seat.id}/cancel-decision",
                             json={"approve": True}, headers=bearer(user))
        assert answer.status_code == 403
        assert denials_now() == before + 1


def test_a_bidder_cannot_list_expert_seats(client) -> None:
    drawn = make_draw(client)
    before = denials_now()
    assert client.get("/api/v1/my/expert-draws", headers=bearer(drawn.bidder)).status_code == 403
    assert denials_now() == before + 1
    mine = client.get("/api/v1/my/expert-draws",
                      headers=bearer(drawn.users[asked(drawn)[0].expert_number]))
    assert mine.status_code == 200
    assert [s["draw_number"] for s in mine.json()] == [drawn.number]
    reserve = first_reserve(drawn)  # a reserve never asked has nothing to see
    assert client.get("/api/v1/my/expert-draws",
                      headers=bearer(drawn.users[reserve.expert_number])).json() == []
