"""The demo path to the evaluation room, as a newcomer takes it after ``make run`` (issue 15):
the demo tender's third bid, the deadline, the demo custodians' shares and the opening, a draw
of demo experts, who confirm, check in and pledge, then meet in the room and elect a chair."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bidding import demo as bidding_demo
from bidding import lookup
from bidding.opening import decryption
from tests import clock as test_clock
from tests.integration.expert_pool.test_demo_draw import ASK, _bearer, _close, _third_bid
from tests.integration.trading.conftest import login, post_form
from trading import clock, db, jobs
from trading.accounts.models import User


def test_the_demo_committee_meets_in_the_room(client) -> None:
    from trading import demo

    with db.transaction() as session:
        passwords = demo.seed(session)
        tender_id = bidding_demo.demo_tender_id(session)
    assert tender_id is not None
    section_id = _third_bid(client, tender_id)
    _close(tender_id)
    with db.transaction() as session:
        job = jobs.get_job(session, bidding_demo.DEMO_SHARES_JOB, lookup.job_subject(tender_id))
        assert job is not None
        bidding_demo.submit_demo_shares(session, job)
    with db.read_only() as session:
        pending = decryption.pending_bids(session, tender_id)
    for bid_id in pending:
        decryption.open_one(bid_id)
    with db.read_only() as session:
        assert lookup.get_tender(session, tender_id).state == "opened"
        evaluation = clock.now(session) + dt.timedelta(hours=2)
        supervisor = session.scalars(select(User.id).where(User.username == "demo-regulator")).one()
        experts = {u.id: u.username for u in session.scalars(
            select(User).where(User.username.startswith("demo-expert")))}
    staff, regulator = _bearer("demo-staff"), _bearer("demo-regulator")
    body = {"tender_id": str(tender_id), "section_id": str(section_id), "committee_size": 5,
            "tenderee_representatives": 1, "evaluation_at": evaluation.isoformat(),
            "place": "阳泉市公共资源交易中心 2 号评标室", "supervisor_user_id": str(supervisor),
            "requirements": [{"specialty_code": c, "count": n} for c, n in ASK.items()]}
    number = client.post("/api/v1/expert-draws", json=body, headers=staff).json()["number"]
    assert client.post(f"/api/v1/expert-draws/{number}/commit", headers=staff).status_code == 200
    drawn = client.post(f"/api/v1/expert-draws/{number}/contribution", headers=regulator,
                        json={"value": "陈处长 0417"})
    assert drawn.status_code == 200, drawn.text
    test_clock.set_now(evaluation - dt.timedelta(minutes=30))
    seated = []
    for username in experts.values():
        mine = client.get("/api/v1/my/expert-draws", headers=_bearer(username)).json()
        for seat in (s for s in mine if s["state"] == "notified"):
            for action in ("confirm", "check-in", "pledge"):
                answer = client.post(f"/api/v1/my/expert-draws/{seat['pick_id']}/{action}",
                                     headers=_bearer(username))
                assert answer.status_code == 200, (action, answer.text)
            seated.append(username)
    assert len(seated) == 4  # every drawn seat went to a demo expert who can sign in
    room = f"/bidding/evaluation/{tender_id}/{section_id}"
    login(client, seated[0], passwords[seated[0]])
    page = client.get(room)
    assert page.status_code == 200
    assert "综合评估法" in page.text and "基准价" in page.text
    with db.read_only() as session:
        chair = session.scalars(select(User.id).where(User.username == seated[0])).one()
    for username in seated:
        login(client, username, passwords[username])
        answer = post_form(client, f"{room}/vote", {"candidate": str(chair)}, form_page=room)
        assert answer.status_code == 303, answer.text
    assert "评标委员会负责人：" in client.get(room).text
