"""The evaluation JSON API (issue 15): the same rules as the pages, answered as problem details."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update

from bidding.evaluation import presets
from bidding.models import Tender
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.denials import total_denials

from .conftest import bearer, db_now, make_tender, make_user, publish_now
from .evaluation_helpers import seated_committee

PASSES = ("Q1", "Q2", "C1", "C2", "C3")


def test_a_drafts_method_through_the_api(client) -> None:
    scenario = make_tender(prefix="am", with_ceremony=False)
    url = f"/api/v1/tenders/{scenario.tender_id}/evaluation-method"
    body = {"preset": "gp_services", "points": [{"criterion": "T1", "points": "45"},
                                                {"criterion": "T2", "points": "35"}],
            "price_points": "10"}
    answer = client.put(url, json=body, headers=bearer(scenario.tenderee))
    assert answer.status_code == 200, answer.text
    assert answer.json()["evaluation_plan"]["stages"][2]["criteria"][0]["points"] == "45"
    assert any("价格分 10 分" in line for line in answer.json()["description"])
    low = client.put(url, json={**body, "price_points": "5",
                                "points": [{"criterion": "T1", "points": "50"},
                                           {"criterion": "T2", "points": "35"}]},
                     headers=bearer(scenario.tenderee))
    assert low.status_code == 400
    assert low.headers["content-type"].startswith("application/problem+json")
    assert "不得低于 10%" in low.text
    other = make_user("am-other", Role.TENDEREE, OrganizationKind.TENDEREE)
    assert client.put(url, json=body, headers=bearer(other)).status_code == 403
    with db.read_only() as session:
        before = total_denials(session)
    assert client.put(url, json=body, headers=bearer(scenario.bidders[0])).status_code == 403
    with db.read_only() as session:
        assert total_denials(session) == before + 1
    too_long = client.put(url, json={**body, "price_points": "1" * 40},
                          headers=bearer(scenario.tenderee))
    assert too_long.status_code == 400


def test_the_method_api_is_refused_after_publication(client) -> None:
    scenario = make_tender(prefix="ap")
    publish_now(scenario, db_now() + dt.timedelta(days=20))
    answer = client.put(f"/api/v1/tenders/{scenario.tender_id}/evaluation-method",
                        json={"preset": "gp_goods"}, headers=bearer(scenario.tenderee))
    assert answer.status_code == 409 and "发布后不能修改评标办法" in answer.text


def test_the_room_through_the_api(client) -> None:
    committee = seated_committee(client, "ar")
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == committee.tender_id).values(
            evaluation_plan=presets.to_data(presets.preset("gp_goods"))))
    base = (f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}"
            "/evaluation")
    members = list(committee.members.values())
    room = client.get(base, headers=bearer(members[0]))
    assert room.status_code == 200, room.text
    state = room.json()
    assert len(state["members"]) == 4 and len(state["bids"]) == 3
    assert all(m["submitted"] is None for m in state["members"])  # a member sees no progress
    assert client.get(base, headers=bearer(next(iter(committee.others.values())))).status_code == 403
    assert client.get(base, headers=bearer(committee.scenario.bidders[0])).status_code == 403
    for voter in members:
        answer = client.post(f"{base}/chair-votes", json={"candidate_user_id": str(members[1])},
                             headers=bearer(voter))
        assert answer.status_code == 200, answer.text
    assert answer.json()["chair_user_id"] == str(members[1])
    bids = [b["bid_id"] for b in state["bids"]]

    def marks(t1: str, reason: str = "") -> dict:
        return {"marks": [*({"criterion": c, "mark": "1"} for c in PASSES),
                          {"criterion": "T1", "mark": t1},
                          {"criterion": "T2", "mark": "20"},
                          {"criterion": "B1", "mark": "10", "reason": reason}]}

    bad = client.put(f"{base}/bids/{bids[0]}/marks", json=marks("41"), headers=bearer(members[0]))
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "T1"
    for member in members:
        for bid in bids:
            saved = client.put(f"{base}/bids/{bid}/marks", json=marks("30"),
                               headers=bearer(member))
            assert saved.status_code == 200, saved.text
        early = client.get(f"{base}/summary", headers=bearer(member))
        assert early.status_code == 409
        assert client.post(f"{base}/submission", headers=bearer(member)).status_code == 200
    summary = client.get(f"{base}/summary", headers=bearer(committee.scenario.staff)).json()
    assert summary["complete"] is True
    assert sum(s["candidate"] for s in summary["standings"]) == 3
    # the lowest valid price (955,000.00 yuan) scores the full 30 price points.
    top = summary["standings"][0]
    assert (top["bidder"], top["price_score"], top["total"]) == ("ar 投标单位 1", "30.00", "90.00")
    assert summary["identical"]  # every member marked the same
    assert client.get(f"{base}/summary", headers=bearer(members[2])).status_code == 200
    assert client.get(f"{base}/summary",
                      headers=bearer(committee.scenario.bidders[0])).status_code == 403
