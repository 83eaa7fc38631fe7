"""Staff rate the experts of a committee (issue 11 item 7): after the evaluation has started,
only experts who checked in, 1..5 on each of punctuality, quality and conduct, once per draw;
each rating enters the integrity record and the log."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from expert_pool import drawing, ratings
from expert_pool.messages_draw_pages import MESSAGES
from expert_pool.models import Draw, DrawPick, IntegrityKind, IntegrityRecord, PickState, Rating
from supervision import services as supervision
from tests.clock import advance_past
from tests.integration.expert_pool.conftest import add_expert, closed_section, db_now, login, post_form
from tests.integration.expert_pool.test_draw_pages import regulator
from trading import db, i18n
from trading.audit import Actor
from trading.errors import UserError

STAFF = Actor.system("test-staff")


@pytest.fixture(autouse=True)
def _page_messages() -> None:
    i18n.add_messages(MESSAGES)


def _drawn(client, prefix: str) -> tuple[Draw, list[DrawPick]]:
    section = closed_section(client, prefix)
    supervisor = regulator(f"{prefix}-sup")
    for i in range(1, 9):
        add_expert(i, "A01")
    data = drawing.DrawInput(
        tender_id=section.tender_id, section_id=section.section_id, committee_size=5,
        tenderee_representatives=1, requirements=[drawing.RequirementInput("A01", 4)],
        evaluation_at=db_now() + dt.timedelta(days=2), place="评标室", supervisor_user_id=supervisor)
    with db.transaction() as session:
        draw_id = drawing.request_draw(session, STAFF, uuid.uuid4(), data).id
    with db.transaction() as session:
        drawing.commit(session, STAFF, draw_id)
    with db.transaction() as session:
        drawing.contribute(session, STAFF, supervisor, draw_id, "评价测试")
    with db.transaction() as session:
        # Two experts checked in at the evaluation (the attendance pages are tested apart).
        picks = drawing.picks_of(session, draw_id)
        for pick in picks[:2]:
            session.execute(update(DrawPick).where(DrawPick.id == pick.id)
                            .values(state=PickState.CHECKED_IN.value))
    with db.read_only() as session:
        draw = drawing.get_draw(session, draw_id)
        picks = drawing.picks_of(session, draw_id)
        session.expunge_all()
    return draw, picks


def _rate_page(client, number: str, expert: str, **scores: str):
    page = f"/experts/draws/{number}"
    data: dict[str, str | list[str]] = {"expert": expert, "punctuality": "5", "quality": "4",
                                        "conduct": "5", "comment": "认真负责"}
    data.update(scores)
    return post_form(client, f"{page}/ratings", data, form_page=page)


def test_ratings_through_the_draw_page(client) -> None:
    draw, picks = _drawn(client, "rat")
    checked, other = picks[0], picks[2]
    assert login(client, "rat-staff").status_code == 303
    page = f"/experts/draws/{draw.number}"
    assert 'id="ratings"' not in client.get(page).text  # not before the evaluation
    early = _rate_page(client, draw.number, checked.expert_number)
    assert early.status_code == 409 and "评标开始后才能评价专家" in early.text

    advance_past(draw.evaluation_at)
    assert login(client, "rat-staff").status_code == 303  # the session expired meanwhile
    shown = client.get(page)
    assert 'id="ratings"' in shown.text and checked.expert_number in shown.text
    absent = _rate_page(client, draw.number, other.expert_number)
    assert absent.status_code == 409 and "只能评价本次评标已签到的专家" in absent.text
    out_of_range = _rate_page(client, draw.number, checked.expert_number, quality="6")
    assert out_of_range.status_code == 400 and "请评 1 到 5 分" in out_of_range.text

    done = _rate_page(client, draw.number, checked.expert_number)
    assert done.status_code == 303 and done.headers["location"].endswith("?done=rated")
    after = client.get(done.headers["location"])
    assert "评价已保存。" in after.text and "已评价：守时 5，质量 4，纪律 5" in after.text
    again = _rate_page(client, draw.number, checked.expert_number, quality="1")
    assert again.status_code == 409 and "每位专家每次评标只评价一次" in again.text

    with db.read_only() as session:
        rows = list(session.scalars(select(Rating).where(Rating.draw_id == draw.id)))
        assert [(r.punctuality, r.quality, r.conduct) for r in rows] == [(5, 4, 5)]
        records = list(session.scalars(select(IntegrityRecord).where(
            IntegrityRecord.draw_id == draw.id, IntegrityRecord.kind == IntegrityKind.RATING.value)))
        assert len(records) == 1 and records[0].expert_id == checked.expert_id
        assert "第四十九条" in records[0].basis
        logged = supervision.entries(session, action="expert.rated")
    assert [e.body["quality"] for e in logged] == [4]
    assert logged[0].subject == f"expert:{checked.expert_number}"
    assert logged[0].body["draw"] == draw.number


def test_the_rating_service_checks_its_input(client) -> None:
    draw, picks = _drawn(client, "rsv")
    advance_past(draw.evaluation_at)
    staff = Actor(user_id=str(uuid.uuid4()), role="staff", ip=None)
    for scores in [(0, 3, 3), (3, 6, 3), (3, 3, -1)]:
        with db.transaction() as session, pytest.raises(UserError) as refused:
            ratings.rate(session, staff, draw.id, picks[0].expert_id, *scores, "")
        assert refused.value.status == 400
    with db.transaction() as session, pytest.raises(UserError) as long_comment:
        ratings.rate(session, staff, draw.id, picks[0].expert_id, 3, 3, 3, "长" * 501)
    assert long_comment.value.field == "comment"
    with db.transaction() as session:
        rating = ratings.rate(session, staff, draw.id, picks[1].expert_id, 3, 2, 1, "")
        assert rating.rated_by == uuid.UUID(staff.user_id or "")
