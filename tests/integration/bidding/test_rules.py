"""Legal periods and price rules of a tender: R-10, R-11, R-12, R-13, R-16, R-17.

Dates are real 2026 dates across the State Council's holidays (National Day, Mid-Autumn,
Spring Festival), computed by trading.calendar (R-00a: the start day is not counted; a period
ending on a rest day ends on the next working day).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import func, select

from bidding import lookup
from bidding.models import Notification, Tender
from bidding.tendering import clarifications, documents, objections, periods, tenders
from trading import calendar, calendar_years, clock, db, jobs
from trading.errors import UserError

from .conftest import (
    ANNOUNCEMENT,
    TEST,
    bearer,
    current,
    db_now,
    make_tender,
    publish_now,
)


def at(day: str, hour: int = 9) -> dt.datetime:
    local = dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour),
                                tzinfo=clock.local_zone())
    return local.astimezone(dt.UTC)


def check(issued: str, sale_ends: str, deadline: str) -> None:
    with db.read_only() as session:
        periods.check_periods(session, at(issued), dt.date.fromisoformat(sale_ends),
                              at(deadline, 10), "construction")


@pytest.mark.parametrize(("issued", "too_early", "earliest"), [
    # 2026-09-14 + 20 days = 10-04, inside the National Day holiday (10-01..10-07)
    ("2026-09-14", "2026-10-07", "2026-10-08"),
    # 2026-09-20 + 20 = 10-10, a Saturday that is a make-up working day: no roll
    ("2026-09-20", "2026-10-09", "2026-10-10"),
    # 2026-02-03 + 20 = 02-23, the last day of the Spring Festival holiday
    ("2026-02-03", "2026-02-23", "2026-02-24"),
])
def test_r10_twenty_days_to_the_deadline(database: str, issued: str, too_early: str,
                                         earliest: str) -> None:
    with pytest.raises(UserError) as refused:
        check(issued, earliest, too_early)
    assert refused.value.code == "R-10" and earliest in refused.value.message_zh
    check(issued, (dt.date.fromisoformat(issued) + dt.timedelta(days=12)).isoformat(), earliest)


def test_r11_five_days_on_sale(database: str) -> None:
    # 2026-09-20 + 5 = 09-25, Mid-Autumn (09-25..09-27): the sale runs until Monday 09-28
    with pytest.raises(UserError) as refused:
        check("2026-09-20", "2026-09-27", "2026-10-12")
    assert refused.value.code == "R-11" and "2026-09-28" in refused.value.message_zh
    check("2026-09-20", "2026-09-28", "2026-10-12")


def test_publish_names_the_rule_and_schedules_closing(client) -> None:
    scenario = make_tender()
    url = f"/api/v1/tenders/{scenario.tender_id}/publish"
    headers = bearer(scenario.staff)
    now = db_now()
    today = clock.legal_day(now)
    with db.read_only() as session:
        earliest = calendar_years.period_end(session, periods.deadline_period(today)).end
        sale_end = calendar_years.period_end(session, periods.sale_period(today, "construction")).end
    too_early = {"deadline": at((earliest - dt.timedelta(days=1)).isoformat(), 10).isoformat(),
                 "sale_ends_on": sale_end.isoformat()}
    answer = client.post(url, json=too_early, headers=headers)
    assert answer.status_code == 400 and answer.json()["title"] == "R-10"
    good = {"deadline": at(earliest.isoformat(), 10).isoformat(),
            "sale_ends_on": sale_end.isoformat()}
    answer = client.post(url, json=good, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["state"] == "published"
    with db.read_only() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        assert job is not None and job.due_at == at(earliest.isoformat(), 10)


def test_publication_requires_the_ceremony(client) -> None:
    from sqlalchemy import update

    scenario = make_tender()
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            opening_public_key=None))
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/publish", headers=bearer(
        scenario.staff), json={"deadline": "2030-01-10T10:00:00+08:00",
                               "sale_ends_on": "2030-01-05"})
    assert answer.status_code == 409 and answer.json()["title"] == "ceremony_missing"


def test_r12_late_clarification_moves_the_deadline_and_notifies(client) -> None:
    scenario = make_tender()
    old_deadline = db_now() + dt.timedelta(days=10)
    publish_now(scenario, old_deadline)
    bidder = scenario.bidders[0]
    with db.read_only() as session:
        document = documents.documents_of(session, scenario.tender_id)[0]
    url = f"/bidding/tenders/{scenario.tender_id}/documents/{document.id}"
    assert client.get(url).status_code == 200  # anonymous
    client.get(url, headers=bearer(bidder))
    assert client.get(url + "?contact=someone@example.com").status_code == 200
    assert client.get(f"/api/v1/tenders/{scenario.tender_id}/documents/{document.id}",
                      headers=bearer(bidder)).status_code == 200
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/clarifications",
                         json={"text": "第 3 章技术参数修改"}, headers=bearer(scenario.staff))
    assert answer.status_code == 201, answer.text
    with db.read_only() as session:
        tender = lookup.get_tender(session, scenario.tender_id)
        earliest = calendar_years.period_end(
            session, calendar_years.Period("R-12", clock.legal_day(db_now()), 15)).end
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        notified = session.scalar(select(func.count()).select_from(Notification).where(
            Notification.tender_id == scenario.tender_id))
    assert tender.deadline is not None and clock.to_local(tender.deadline).date() == earliest
    assert clock.to_local(tender.deadline).time() == clock.to_local(old_deadline).time()
    assert job is not None and job.version == 2 and job.due_at == tender.deadline
    # anonymous (IP), the bidder (user), and the one who left a contact: 3 downloaders
    assert notified == 3
    assert client.get("/bidding/notifications").status_code in (200, 303)


def test_r12_refuses_a_requested_deadline_too_close(database: str) -> None:
    scenario = make_tender()
    publish_now(scenario, db_now() + dt.timedelta(days=10))
    with pytest.raises(UserError) as refused, db.transaction() as session:
        clarifications.clarify(session, TEST, scenario.tender_id, "修改", True,
                        db_now() + dt.timedelta(days=11))
    assert refused.value.code == "R-12"


def test_r13_late_objection_is_refused(client) -> None:
    scenario = make_tender()
    publish_now(scenario, db_now() + dt.timedelta(days=5))
    url = f"/api/v1/tenders/{scenario.tender_id}/objections"
    answer = client.post(url, json={"text": "资格条件排斥潜在投标人"},
                         headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 409 and answer.json()["title"] == "R-13"


def test_r13_objection_recorded_with_answer_due(client) -> None:
    scenario = make_tender()
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"},
                         headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 201, answer.text
    objection_id = answer.json()["id"]
    with db.read_only() as session:
        due = calendar.roll_to_working_day(session, calendar.add_calendar_days(
            session, clock.to_local(db_now()).date(), 3))
    assert answer.json()["answer_due"].startswith(str(due)) or due.isoformat() in str(
        clock.to_local(dt.datetime.fromisoformat(answer.json()["answer_due"])).date())
    reply = client.post(
        f"/api/v1/tenders/{scenario.tender_id}/objections/{objection_id}/answer",
        json={"answer": "已修改资格条件"}, headers=bearer(scenario.tenderee))
    assert reply.status_code == 201, reply.text


def _create_body(custodians: list[str], tenderee_org: uuid.UUID | None = None,
                 **section: int | None) -> dict[str, object]:
    base: dict[str, int | None] = {"estimated_price_fen": 100_000_000,
                                   "bid_security_fen": 2_000_000, "max_price_fen": 110_000_000}
    base.update(section)
    return {"title": "规则测试", "category": "construction", "region": "阳泉",
            "evaluation_method": "综合评估法", "custody_k": 2, "custodian_ids": custodians,
            "sections": [{"name": "一标段", **base}], "announcement": dict(ANNOUNCEMENT),
            "tenderee_org_id": str(tenderee_org) if tenderee_org else None}


def test_r16_bid_security_at_most_two_percent(client) -> None:
    scenario = make_tender(prefix="r16")
    custodians = [str(c) for c in scenario.custodians]
    headers = bearer(scenario.staff)
    org = current(scenario.tenderee).organization_id
    over = client.post("/api/v1/tenders", headers=headers,
                       json=_create_body(custodians, org, bid_security_fen=2_000_001))
    assert over.status_code == 400 and over.json()["title"] == "R-16"
    assert over.json()["errors"][0]["field"] == "sections[0].bid_security_fen"
    ok = client.post("/api/v1/tenders", headers=headers,
                     json=_create_body(custodians, org, bid_security_fen=2_000_000))
    assert ok.status_code == 201, ok.text


def test_r17_max_price_published_and_no_minimum_price(client) -> None:
    scenario = make_tender(prefix="r17")
    custodians = [str(c) for c in scenario.custodians]
    headers = bearer(scenario.staff)
    org = current(scenario.tenderee).organization_id
    body = _create_body(custodians, org)
    body["sections"][0]["min_price_fen"] = 90_000_000  # type: ignore[index]
    refused = client.post("/api/v1/tenders", headers=headers, json=body)
    assert refused.status_code == 400  # a minimum price field does not exist
    bad = client.post("/api/v1/tenders", headers=headers,
                      json=_create_body(custodians, org, max_price_fen=0))
    assert bad.status_code == 400 and bad.json()["title"] == "R-17"
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    public = client.get(f"/api/v1/tenders/{scenario.tender_id}").json()
    assert public["sections"][0]["max_price_fen"] == 110_000_000
    assert current(scenario.staff).roles == frozenset({"staff"})


def test_r14_downloaders_hidden_until_the_deadline(client) -> None:
    from .conftest import set_deadline

    scenario = make_tender(prefix="r14")
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    with db.read_only() as session:
        document = documents.documents_of(session, scenario.tender_id)[0]
    assert client.get(f"/bidding/tenders/{scenario.tender_id}/documents/{document.id}").status_code == 200
    url = f"/api/v1/tenders/{scenario.tender_id}/downloads"
    hidden = client.get(url, headers=bearer(scenario.staff))
    assert hidden.status_code == 403 and hidden.json()["title"] == "R-14"
    page = client.get(f"/bidding/tenders/{scenario.tender_id}")
    assert "下载次数" not in page.text
    set_deadline(scenario.tender_id, db_now() - dt.timedelta(seconds=1))
    shown = client.get(url, headers=bearer(scenario.staff))
    assert shown.status_code == 200 and len(shown.json()) == 1


def test_r13_objection_answered_on_the_page(client) -> None:
    from tests.integration.trading.conftest import login, post_form

    scenario = make_tender(prefix="obj")
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    assert login(client, "obj-bidder0").status_code == 303
    page = f"/bidding/tenders/{scenario.tender_id}"
    raised = post_form(client, f"{page}/objections", {"text": "评分标准不明确"}, form_page=page)
    assert raised.status_code == 303
    assert login(client, "obj-tenderee").status_code == 303
    detail = client.get(page)
    assert "评分标准不明确" in detail.text
    with db.read_only() as session:
        objection = objections.objections_of(session, scenario.tender_id)[0]
    answered = post_form(client, f"{page}/objections/{objection.id}/answer",
                         {"answer": "已澄清评分标准"}, form_page=page)
    assert answered.status_code == 303
    assert "已澄清评分标准" in client.get(page).text
    from .conftest import log_actions

    assert log_actions(f"objection/{objection.id}") == ["alert.watching", "alert.cleared"]
