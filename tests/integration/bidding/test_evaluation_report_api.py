"""Rejection, the report's signatures and review through the JSON API (issue 15): the same
rules as the pages, refusals as problem details, wrong roles and outsiders refused."""

from __future__ import annotations

from tests.integration.trading.conftest import login
from trading import db
from trading.denials import total_denials

from .conftest import bearer
from .evaluation_flow import bids, elect, mark_all, submit
from .evaluation_helpers import seated_committee


def test_reject_sign_and_review_through_the_api(client) -> None:
    committee = seated_committee(client, "ra")
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    out = found["ra 投标单位 1"]
    api = (f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}"
           "/evaluation")
    chair_auth = bearer(committee.members[chair])
    no_ground = client.post(f"{api}/rejections", json={"bid_id": out, "ground": "",
                                                       "reason": "报价超限"}, headers=chair_auth)
    assert no_ground.status_code == 400
    assert no_ground.headers["content-type"].startswith("application/problem+json")
    with db.read_only() as session:
        before = total_denials(session)
    staff = client.post(f"{api}/rejections", json={"bid_id": out, "ground": "price",
                                                   "reason": "报价超限"},
                        headers=bearer(committee.scenario.staff))
    assert staff.status_code == 403
    with db.read_only() as session:
        assert total_denials(session) == before + 1
    outsider = bearer(next(iter(committee.others.values())))
    assert client.post(f"{api}/rejections", json={"bid_id": out, "ground": "price",
                                                  "reason": "报价超限"},
                       headers=outsider).status_code == 403
    done = client.post(f"{api}/rejections", json={"bid_id": out, "ground": "price",
                                                  "reason": "报价高于最高投标限价"}, headers=chair_auth)
    assert done.status_code == 201, done.text
    assert done.json()["basis"].endswith("第五十一条第（五）项")
    names = list(committee.members)
    for name in names:
        mark_all(client, committee, name, [b for b in found.values() if b != out])
        assert submit(client, committee, name).status_code == 303
    report = client.get(f"{api}/report", headers=bearer(committee.regulator))
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["complete"] and not body["final"] and out not in body["candidates"]
    assert [r["ground"] for r in body["rejections"]] == ["price"]
    sha256 = body["sha256"]
    assert client.post(f"{api}/report/signatures", json={"sha256": sha256, "agree": True},
                       headers=outsider).status_code == 403
    assert client.post(f"{api}/report/signatures", json={"sha256": sha256, "agree": True},
                       headers=bearer(committee.scenario.staff)).status_code == 403
    first = bearer(committee.members[names[0]])
    assert client.post(f"{api}/report/signatures", json={"sha256": sha256, "agree": False},
                       headers=first).status_code == 400  # a dissent needs its reasons
    signed = client.post(f"{api}/report/signatures", json={"sha256": sha256, "agree": True},
                         headers=first)
    assert signed.status_code == 200 and signed.json()["signatures"][0]["signed"] in (True, False)
    assert client.post(f"{api}/report/signatures", json={"sha256": sha256, "agree": True},
                       headers=first).status_code == 409
    review = {"step": "marks", "target": str(committee.members[names[1]]), "reason": "复核"}
    assert client.post(f"{api}/review", json=review,
                       headers=bearer(committee.regulator)).status_code == 403
    assert client.post(f"{api}/review", json=review,
                       headers=bearer(committee.members[names[2]])).status_code == 403
    answer = client.post(f"{api}/review", json=review, headers=bearer(committee.scenario.staff))
    assert answer.status_code == 200 and answer.json()["signatures_void"] == 1
    after = client.get(f"{api}/report", headers=bearer(committee.scenario.staff)).json()
    assert not after["complete"] and not any(s["signed"] for s in after["signatures"])
