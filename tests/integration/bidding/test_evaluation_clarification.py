"""Clarification (澄清, issue 15 part 3): the chair asks a bidder a question with a reply
deadline; the bidder's people reply on the platform before it, once; the exchange shows in the
room and the report, logged. Refused: a reply after the deadline, from another bidder, twice; a
request with no question or a past deadline; a wrong role or a member who is not the chair."""

from __future__ import annotations

import datetime as dt
import re

from tests import clock as test_clock
from tests.integration.trading.conftest import login, post_form
from trading import clock, db
from trading.denials import total_denials

from .evaluation_flow import actions, bids, elect, mark_all, report_hash, submit
from .evaluation_helpers import seated_committee

PAGE = "/bidding/evaluation/clarifications"


def _local(moment: dt.datetime) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_a_clarification_is_asked_answered_before_its_deadline_and_reported(client) -> None:
    committee = seated_committee(client, "cq")
    chair = elect(client, committee)
    with db.read_only() as session:
        now = clock.now(session)
    login(client, chair)
    found = bids(client, committee)
    asked = found["cq 投标单位 0"]
    url = f"{committee.room}/clarifications"
    good = {"bid": asked, "question": "请说明第 3 章工期计划中的关键节点", "reply_by":
            _local(now + dt.timedelta(hours=2))}
    for data, text in (({**good, "question": " "}, "需澄清的问题"),
                       ({**good, "reply_by": _local(now - dt.timedelta(hours=1))}, "答复期限"),
                       ({**good, "reply_by": "明天"}, "YYYY-MM-DDTHH:MM")):
        answer = post_form(client, url, data, form_page=committee.room)
        assert answer.status_code == 400 and text in answer.text, answer.text
    login(client, list(committee.members)[1])
    assert post_form(client, url, good, form_page=committee.room).status_code == 403
    for username in ("cq-bidder0", "cq-staff"):
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        assert post_form(client, url, good, form_page="/").status_code == 403
        with db.read_only() as session:
            assert total_denials(session) == before + 1
    login(client, next(iter(committee.others)))  # an expert of no seat on this committee
    assert post_form(client, url, good, form_page="/").status_code == 403
    assert "evaluation.clarification_requested" not in actions(committee)
    login(client, chair)
    assert post_form(client, url, good, form_page=committee.room).status_code == 303
    assert "请说明第 3 章工期计划中的关键节点" in client.get(committee.room).text
    # The bidder sees it on its page; another bidder neither sees nor answers it.
    login(client, "cq-bidder1")
    assert "关键节点" not in client.get(PAGE).text
    login(client, "cq-bidder0")
    page = client.get(PAGE).text
    assert "关键节点" in page and "答复期限" in page
    clarification_id = re.search(r'action="/bidding/evaluation/clarifications/(\d+)"', page)
    assert clarification_id
    reply_url = f"{PAGE}/{clarification_id.group(1)}"
    login(client, "cq-bidder1")
    other = post_form(client, reply_url, {"reply": "不是我们"}, form_page=PAGE)
    assert other.status_code == 404
    for username in ("cq-staff", chair):  # wrong roles: refused by the guard, counted
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        assert post_form(client, reply_url, {"reply": "代答"}, form_page="/").status_code == 403
        with db.read_only() as session:
            assert total_denials(session) == before + 1
    login(client, "cq-bidder0")
    empty = post_form(client, reply_url, {"reply": ""}, form_page=PAGE)
    assert empty.status_code == 400 and "答复内容" in empty.text
    answer = post_form(client, reply_url, {"reply": "关键节点见附表：开工、主体封顶、竣工验收"},
                       form_page=PAGE)
    assert answer.status_code == 303, answer.text
    twice = post_form(client, reply_url, {"reply": "再答一次"}, form_page=PAGE)
    assert twice.status_code == 409
    logged = actions(committee)
    assert "evaluation.clarification_requested" in logged
    assert "evaluation.clarification_answered" in logged
    # The report carries the exchange.
    for member in committee.members:
        mark_all(client, committee, member, list(found.values()))
        assert submit(client, committee, member).status_code == 303
    login(client, "cq-staff")
    report = client.get(f"{committee.room}/report").text
    exchange = report[report.index('id="report-clarifications"'):]
    assert "关键节点" in exchange and "开工、主体封顶、竣工验收" in exchange
    assert report_hash(report)


def test_a_reply_after_the_deadline_is_refused(client) -> None:
    committee = seated_committee(client, "cd")
    chair = elect(client, committee)
    with db.read_only() as session:
        now = clock.now(session)
    login(client, chair)
    bid_id = bids(client, committee)["cd 投标单位 1"]
    assert post_form(client, f"{committee.room}/clarifications",
                     {"bid": bid_id, "question": "请说明报价构成",
                      "reply_by": _local(now + dt.timedelta(hours=1))},
                     form_page=committee.room).status_code == 303
    test_clock.set_now(now + dt.timedelta(hours=1, minutes=5))
    login(client, "cd-bidder1")
    page = client.get(PAGE).text
    assert "已过答复期限" in page and "<textarea" not in page
    number = re.search(r'id="clarification-(\d+)"', page)
    assert number
    late = post_form(client, f"{PAGE}/{number.group(1)}", {"reply": "报价构成如下"}, form_page=PAGE)
    assert late.status_code == 409 and "已过答复期限" in late.text
    assert "evaluation.clarification_answered" not in actions(committee)


def test_clarification_through_the_api(client) -> None:
    from .conftest import bearer

    committee = seated_committee(client, "cj")
    chair = elect(client, committee)
    with db.read_only() as session:
        now = clock.now(session)
    login(client, chair)
    bid_id = bids(client, committee)["cj 投标单位 2"]
    api = (f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}"
           "/evaluation/clarifications")
    deadline = clock.to_local(now + dt.timedelta(hours=3)).isoformat()
    body = {"bid_id": bid_id, "question": "请说明项目经理的在岗承诺", "reply_by": deadline}
    chair_auth = bearer(committee.members[chair])
    naive = client.post(api, json={**body, "reply_by": deadline[:16]}, headers=chair_auth)
    assert naive.status_code == 400
    assert client.post(api, json=body, headers=bearer(committee.scenario.staff)).status_code == 403
    assert client.post(api, json=body, headers=bearer(
        next(iter(committee.others.values())))).status_code == 403
    asked = client.post(api, json=body, headers=chair_auth)
    assert asked.status_code == 201, asked.text
    number = asked.json()["id"]
    owner, other = committee.scenario.bidders[2], committee.scenario.bidders[0]
    assert [c["id"] for c in client.get("/api/v1/evaluation-clarifications",
                                        headers=bearer(owner)).json()] == [number]
    assert client.get("/api/v1/evaluation-clarifications", headers=bearer(other)).json() == []
    reply = f"/api/v1/evaluation-clarifications/{number}/reply"
    assert client.post(reply, json={"reply": "承诺在岗"}, headers=bearer(other)).status_code == 404
    assert client.post(reply, json={"reply": "承诺在岗"},
                       headers=chair_auth).status_code == 403
    answered = client.post(reply, json={"reply": "项目经理全程在岗，附承诺书"}, headers=bearer(owner))
    assert answered.status_code == 200 and answered.json()["reply"].startswith("项目经理")
    again = client.post(reply, json={"reply": "再次"}, headers=bearer(owner))
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
