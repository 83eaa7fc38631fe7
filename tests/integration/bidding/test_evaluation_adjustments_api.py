"""Price adjustments through the JSON API (refused on a rejected bid, out of bounds, by a wrong
role, on a comprehensive-scoring tender; nothing stored) and the bidder's notification when the
committee asks it to clarify (issue 15)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select, update

from bidding.evaluation import presets
from bidding.evaluation.models import PriceAdjustment
from bidding.models import Notification, Tender
from tests.integration.trading.conftest import login, post_form
from trading import clock, db
from trading.denials import total_denials

from .conftest import bearer
from .evaluation_flow import bids, elect
from .evaluation_helpers import seated_committee


def _stored() -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(PriceAdjustment)) or 0


def test_adjustments_through_the_api_and_the_bidder_is_told_of_a_clarification(client) -> None:
    committee = seated_committee(client, "aa")
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    api = f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}/evaluation"
    auth = bearer(committee.members[chair])
    out = found["aa 投标单位 2"]
    assert client.post(f"{api}/rejections", json={"bid_id": out, "ground": "non_responsive",
                                                  "reason": "工期不满足"},
                       headers=auth).status_code == 201
    good = {"bid_id": found["aa 投标单位 0"], "direction": "down", "amount_fen": 150_000,
            "reason": "质保期延长"}
    for body, status in (({**good, "bid_id": out}, 409),  # a rejected bid
                         ({**good, "amount_fen": -5}, 400),  # the direction carries the sign
                         ({**good, "amount_fen": 2**63}, 400),
                         ({**good, "direction": "left"}, 400),
                         ({**good, "reason": ""}, 400),
                         ({**good, "reason": "长" * 501}, 400),
                         ({**good, "extra": 1}, 400)):
        answer = client.post(f"{api}/price-adjustments", json=body, headers=auth)
        assert answer.status_code == status, (body, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
    with db.read_only() as session:
        before = total_denials(session)
    assert client.post(f"{api}/price-adjustments", json=good,
                       headers=bearer(committee.scenario.staff)).status_code == 403
    assert client.post(f"{api}/price-adjustments", json=good,
                       headers=bearer(committee.scenario.bidders[0])).status_code == 403
    with db.read_only() as session:
        assert total_denials(session) == before + 2
    member = bearer(committee.members[list(committee.members)[1]])
    assert client.post(f"{api}/price-adjustments", json=good, headers=member).status_code == 403
    outsider = bearer(next(iter(committee.others.values())))
    assert client.post(f"{api}/price-adjustments", json=good, headers=outsider).status_code == 403
    assert _stored() == 0
    done = client.post(f"{api}/price-adjustments", json=good, headers=auth)
    assert done.status_code == 201 and done.json()["amount_fen"] == -150_000
    adjustment = done.json()["id"]
    assert client.delete(f"{api}/price-adjustments/{adjustment}", headers=member).status_code == 403
    assert client.delete(f"{api}/price-adjustments/999999", headers=auth).status_code == 404
    assert client.delete(f"{api}/price-adjustments/{adjustment}", headers=auth).status_code == 204
    assert _stored() == 0

    # The chair asks 投标单位 0 to clarify: its bidder accounts are told, no one else.
    with db.read_only() as session:
        reply_by = clock.now(session) + dt.timedelta(hours=3)
    asked = client.post(f"{api}/clarifications", json={
        "bid_id": found["aa 投标单位 0"], "question": "请说明质保承诺",
        "reply_by": reply_by.isoformat()}, headers=auth)
    assert asked.status_code == 201, asked.text
    beijing = reply_by.astimezone(clock.LEGAL_ZONE).strftime("%Y-%m-%d %H:%M")
    login(client, "aa-bidder0")
    page = client.get("/bidding/notifications").text
    with db.read_only() as session:
        title = session.get(Tender, committee.tender_id).title
    assert f"「{title}」第 1 标段评标委员会要求贵单位澄清投标文件" in page
    assert f"{beijing}（北京时间）" in page
    assert 'href="/bidding/evaluation/clarifications"' in page
    workspace = client.get("/bidding/my").text
    assert "要求贵单位澄清" in workspace and 'href="/bidding/evaluation/clarifications"' in workspace
    english = client.get("/bidding/notifications?lang=en").text
    assert "asks you to clarify your bid" in english and "(Beijing time)" in english
    for username in ("aa-bidder1", "aa-staff", chair):
        login(client, username)
        assert "要求贵单位澄清" not in client.get("/bidding/notifications").text, username
    client.cookies.clear()
    assert "请说明质保承诺" not in client.get(f"/bidding/tenders/{committee.tender_id}").text
    with db.read_only() as session:
        told = session.scalars(select(Notification.user_id).where(
            Notification.kind == "clarification_request")).all()
    assert told == [committee.scenario.bidders[0]]


def test_a_comprehensive_scoring_tender_takes_no_price_adjustment(client) -> None:
    committee = seated_committee(client, "ac")
    with db.transaction() as session:  # as if set while the tender was a draft
        session.execute(update(Tender).where(Tender.id == committee.tender_id).values(
            evaluation_plan=presets.to_data(presets.preset("engineering_benchmark")),
            evaluation_method="综合评估法（工程，基准价）"))
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    assert "price-adjustments" not in client.get(committee.room).text
    api = f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}/evaluation"
    answer = client.post(f"{api}/price-adjustments", json={
        "bid_id": found["ac 投标单位 0"], "direction": "up", "amount_fen": 100,
        "reason": "偏差"}, headers=bearer(committee.members[chair]))
    assert answer.status_code == 409 and "综合评分法" in answer.text
    page = post_form(client, f"{committee.room}/price-adjustments",
                     {"bid": found["ac 投标单位 0"], "direction": "up", "amount": "1",
                      "reason": "偏差"}, form_page=committee.room)
    assert page.status_code == 409 and "第三十二条" in page.text
    assert _stored() == 0
