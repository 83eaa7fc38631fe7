"""R-41: the tender announcement and clarification notices go to disclosure with the tender's
steps; R-13: an unanswered objection pauses the closing (Regs §22) until it is answered."""

from __future__ import annotations

import datetime as dt

from bidding import lookup
from bidding.tendering import tenders
from disclosure import services as disclosure
from tests.integration.trading.conftest import login, post_form
from trading import calendar_years, clock, db, jobs

from .conftest import (
    AHEAD,
    ANNOUNCEMENT,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    log_actions,
    make_tender,
    pass_deadline,
    publish_now,
    publish_through_api,
    seal,
    set_deadline,
    tender_state,
)
from .test_opening import run_close


def _notices(tender_id) -> list[tuple[str, dict]]:
    with db.read_only() as session:
        return [(n.notice_type, dict(n.data))
                for n in disclosure.tender_history(session, str(tender_id))]


def _body(scenario, **announcement: str) -> dict[str, object]:
    return {"title": "公告测试工程", "category": "construction", "region": "阳泉",
            "evaluation_method": "综合评估法", "custody_k": 2,
            "custodian_ids": [str(c) for c in scenario.custodians],
            "tenderee_org_id": str(current(scenario.tenderee).organization_id),
            "sections": [{"name": "一标段", "estimated_price_fen": 100_000_000,
                          "bid_security_fen": 2_000_000, "max_price_fen": 110_000_000}],
            "announcement": {**ANNOUNCEMENT, **announcement}}


def test_missing_announcement_item_is_named_at_creation(client) -> None:
    scenario = make_tender(prefix="ann")
    headers = bearer(scenario.staff)
    refused = client.post("/api/v1/tenders", headers=headers, json=_body(scenario,
                                                                          funding_source=" "))
    assert refused.status_code == 400, refused.text
    problem = refused.json()
    assert problem["title"] == "missing_item"
    assert problem["errors"][0]["field"] == "announcement.funding_source"
    assert "资金来源" in problem["message_zh"] and "Funding source" in problem["message_en"]
    no_tenderee = {**_body(scenario), "tenderee_org_id": None}
    refused = client.post("/api/v1/tenders", headers=headers, json=no_tenderee)
    assert refused.status_code == 400 and "招标人" in refused.json()["message_zh"]
    assert client.post("/api/v1/tenders", headers=headers,
                       json=_body(scenario)).status_code == 201
    # the page names the item too
    assert login(client, "ann-staff").status_code == 303
    form = {"title": "页面公告", "category": "construction", "region": "阳泉",
            "evaluation_method": "综合评估法", "section_name": "一标段", "estimate": "1000000",
            "security": "0", "custody_k": "2",
            "custodians": [str(c) for c in scenario.custodians[:2]],
            "tenderee_org_id": str(current(scenario.tenderee).organization_id),
            **ANNOUNCEMENT, "qualification": ""}
    page = post_form(client, "/bidding/tenders", form, form_page="/bidding/tenders/new")
    assert page.status_code == 400 and "投标人资格要求" in page.text


def test_publication_and_clarification_are_disclosed(client) -> None:
    scenario = make_tender(prefix="pub")
    deadline = publish_through_api(client, scenario)
    [(kind, data)] = _notices(scenario.tender_id)
    assert kind == "tender_announcement"
    assert data["tenderee"] == "pub-tenderee 单位" and data["project_name"] == "测试工程"
    assert data["funding_source"] == "财政资金" and data["maximum_price"] == "1100000.00"
    assert data["bid_deadline"] == deadline.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    # a clarification less than 15 days before the deadline: R-12 moves it, in the notice too
    set_deadline(scenario.tender_id, db_now() + dt.timedelta(days=10))
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/clarifications",
                         json={"text": "第 2 章工程量清单修改"}, headers=bearer(scenario.staff))
    assert answer.status_code == 201, answer.text
    kind, data = _notices(scenario.tender_id)[-1]
    assert kind == "clarification" and data["content"] == "第 2 章工程量清单修改"
    moved = dt.datetime.fromisoformat(answer.json()["deadline"].replace("Z", "+00:00"))
    assert data["new_bid_deadline"] == moved.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert data["contact"] == ANNOUNCEMENT["contact"]
    assert log_actions(f"tender/{scenario.tender_id}").count("tender.disclosed") == 2


def _objection_open_at_deadline(client, prefix: str):
    scenario = make_tender(prefix=prefix)
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    raised = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"},
                         headers=bearer(scenario.bidders[0]))
    assert raised.status_code == 201, raised.text
    for bidder, price in zip(scenario.bidders, (98_000_000, 95_000_000, 99_000_000),
                             strict=True):
        sent = client.put(bid_url(scenario), headers=bearer(bidder),
                          content=seal(scenario, bidder, bid_plaintext(price)))
        assert sent.status_code == 201, sent.text
    # the tenderee is late: the (moved) deadline comes while the objection is unanswered
    set_deadline(scenario.tender_id, db_now() + AHEAD)
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    assert tender_state(scenario.tender_id) == "published"  # not closed: paused
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert "tender.paused" in actions and "tender.closed" not in actions
    with db.read_only() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        tender = lookup.get_tender(session, scenario.tender_id)
        assert job is not None and tender.paused_until is not None
        assert job.due_at > clock.now(session)  # the closing waits
    # no bid after the deadline while paused
    late = client.put(bid_url(scenario), headers=bearer(scenario.bidders[0]),
                      content=seal(scenario, scenario.bidders[0], bid_plaintext(1)))
    assert late.status_code == 409
    page = client.get(f"/bidding/tenders/{scenario.tender_id}")
    assert 'id="tender-paused"' in page.text
    return scenario, raised.json()["id"]


def test_r13_objection_pauses_closing_until_answered(client) -> None:
    scenario, objection_id = _objection_open_at_deadline(client, "pause")
    reply = client.post(
        f"/api/v1/tenders/{scenario.tender_id}/objections/{objection_id}/answer",
        json={"answer": "资格条件符合法规，维持不变"}, headers=bearer(scenario.tenderee))
    assert reply.status_code == 201, reply.text
    with db.read_only() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        assert job is not None and job.due_at <= clock.now(session)  # closing now
    run_close(scenario)
    assert tender_state(scenario.tender_id) == "closed"
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.index("tender.paused") < actions.index("tender.objection_answered") \
        < actions.index("tender.resumed") < actions.index("tender.closed")
    assert log_actions(f"objection/{objection_id}") == ["alert.watching", "alert.cleared"]


def test_r13_answer_amending_documents_moves_the_deadline(client) -> None:
    scenario, objection_id = _objection_open_at_deadline(client, "amend")
    reply = client.post(
        f"/api/v1/tenders/{scenario.tender_id}/objections/{objection_id}/answer",
        json={"answer": "删除第 4 条资格条件", "amends_documents": True},
        headers=bearer(scenario.tenderee))
    assert reply.status_code == 201, reply.text
    with db.read_only() as session:
        tender = lookup.get_tender(session, scenario.tender_id)
        earliest = calendar_years.period_end(session, calendar_years.Period(
            "R-12", clock.legal_day(clock.now(session)), 15)).end
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
    assert tender.deadline is not None and clock.to_local(tender.deadline).date() == earliest
    assert tender.paused_until is None and tender.state == "published"
    assert job is not None and job.due_at == tender.deadline  # rescheduled
    kind, data = _notices(scenario.tender_id)[-1]
    assert kind == "clarification" and data["new_bid_deadline"]
    # bidding is open again until the new deadline
    again = client.put(bid_url(scenario), headers=bearer(scenario.bidders[0]),
                       content=seal(scenario, scenario.bidders[0], bid_plaintext(97_000_000)))
    assert again.status_code == 201, again.text
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert "tender.clarified" in actions and "tender.resumed" in actions


def test_demo_tender_has_its_announcement_once(client) -> None:
    from bidding import demo as bidding_demo
    from trading import demo

    for _ in range(2):  # idempotent: the open demo tender is not seeded again
        with db.transaction() as session:
            demo.seed(session)
    with db.read_only() as session:
        tender_id = bidding_demo.demo_tender_id(session)
    assert [kind for kind, _ in _notices(tender_id)] == ["tender_announcement"]
