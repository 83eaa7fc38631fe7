"""Issue 13, the bidder's pages: every refusal the bid page's script can get is problem details
it can read; the form says why it is closed; rules are cited as the law and article; bid
statuses are labelled; actions say they succeeded and a withdrawal asks for confirmation."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from tests.integration.trading.conftest import login, post_form
from trading import clock

from .conftest import (
    AHEAD,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    deadline_of,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    share_body,
)
from .test_opening import run_close

CSRF_ATTR = re.compile(r'data-csrf="([^"]+)"')
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
JSON = {"Accept": "application/json"}


def page_url(scenario: Scenario) -> str:
    return f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/bid"


def open_bid_page(client, scenario: Scenario, bidder: str) -> str:
    assert login(client, bidder).status_code == 303
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
    assert page.status_code == 200
    token = CSRF_ATTR.search(page.text)
    assert token
    return token.group(1)


def test_after_the_deadline_the_page_upload_answers_problem_details_in_words(client) -> None:
    scenario = make_tender(prefix="late")
    publish_now(scenario, db_now() + AHEAD)
    token = open_bid_page(client, scenario, "late-bidder0")
    pass_deadline(scenario.tender_id)
    envelope = seal(scenario, scenario.bidders[0], bid_plaintext(90_000_000))
    answer = client.put(page_url(scenario), content=envelope,
                        headers={"X-CSRFToken": token, **JSON})
    assert answer.status_code == 409
    assert answer.headers["content-type"].startswith("application/problem+json")
    detail = answer.json()["detail"]
    deadline = clock.format_local(deadline_of(scenario.tender_id))
    assert detail.startswith("依据《电子招标投标办法》第二十七条，投标截止时间 " + deadline)
    assert "R-21" not in detail and not ISO_UTC.search(detail)
    english = client.put(page_url(scenario) + "?lang=en", content=envelope,
                         headers={"X-CSRFToken": token, **JSON})
    assert english.status_code == 409
    assert english.json()["detail"].startswith(
        "Under the Measures for Electronic Tendering and Bidding, Art. 27: the bid deadline")
    # The page itself: the form is disabled and says why.
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
    assert "投标截止时间已过，不再接受投标" in page.text
    assert re.search(r"<fieldset disabled", page.text)


def test_an_oversized_page_upload_is_refused_with_the_limit_the_page_states(
        client, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_MAX_BID_BYTES", "4096")
    scenario = make_tender(prefix="big")
    publish_now(scenario, db_now() + AHEAD)
    token = open_bid_page(client, scenario, "big-bidder0")
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
    assert 'data-max-bytes="4096"' in page.text and "投标文件大小上限" in page.text
    for size in (8192, 2 * 1024 * 1024):  # past the route's check, past the request ceiling
        answer = client.put(page_url(scenario), content=b"\x89GGZYENV" + b"\0" * size,
                            headers={"X-CSRFToken": token, **JSON})
        assert answer.status_code == 413
        assert answer.headers["content-type"].startswith("application/problem+json")
        assert "大小上限" in answer.json()["detail"] and "R-20" not in answer.json()["detail"]


def test_bid_statuses_are_labelled_and_withdrawal_asks_for_confirmation(client) -> None:
    scenario = make_tender(prefix="wd")
    publish_now(scenario, db_now() + AHEAD)
    token = open_bid_page(client, scenario, "wd-bidder0")
    for price in (90_000_000, 91_000_000):  # the second supersedes the first
        answer = client.put(page_url(scenario), headers={"X-CSRFToken": token, **JSON},
                            content=seal(scenario, scenario.bidders[0], bid_plaintext(price)))
        assert answer.status_code == 201, answer.text
    path = f"/bidding/tenders/{scenario.tender_id}/bid"
    page = client.get(path).text
    assert "<td>已提交</td>" in page and "<td>已被替换</td>" in page
    assert "<td>submitted</td>" not in page and "<td>superseded</td>" not in page
    assert 'name="confirm" value="1" required' in page
    withdraw = f"/bidding/tenders/{scenario.tender_id}/sections/{scenario.section_id}/withdraw"
    unconfirmed = post_form(client, withdraw, {}, form_page=path)
    assert unconfirmed.status_code == 400 and "请勾选确认后再撤回投标" in unconfirmed.text
    assert "<td>已提交</td>" in client.get(path).text  # nothing was withdrawn
    done = post_form(client, withdraw, {"confirm": "1"}, form_page=path)
    assert done.status_code == 303
    after = client.get(done.headers["location"]).text
    assert "投标已撤回" in after and "<td>已撤回</td>" in after and "<td>已提交</td>" not in after
    english = client.get(path + "?lang=en").text
    assert "<td>Withdrawn</td>" in english and "<td>Superseded</td>" in english


def test_a_failed_tender_says_why_on_the_opening_and_bid_pages(client) -> None:
    scenario = make_tender(prefix="fail")
    publish_now(scenario, db_now() + AHEAD)
    answer = client.put(bid_url(scenario), headers=bearer(scenario.bidders[0]),
                        content=seal(scenario, scenario.bidders[0], bid_plaintext(90_000_000)))
    assert answer.status_code == 201
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    opening = client.get(f"/bidding/tenders/{scenario.tender_id}/opening").text
    assert "流标原因" in opening and "投标人少于 3 个（共 1 份有效投标）" in opening
    assert "《中华人民共和国招标投标法实施条例》第四十四条" in opening and "R-24" not in opening
    notices = client.get("/api/v1/notices", params={
        "tender_ref": str(scenario.tender_id), "type": "failed_tender"}).json()
    assert "R-24" not in str(notices) and "第四十四条" in str(notices)
    open_bid_page(client, scenario, "fail-bidder1")
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid").text
    assert "本项目已流标，不再接受投标" in page and "<fieldset disabled" in page


def test_the_early_share_refusal_shows_beijing_time_and_the_law(client) -> None:
    scenario = make_tender(prefix="early")
    publish_now(scenario, db_now() + AHEAD)
    custodian = scenario.custodians[0]
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/shares", headers=bearer(custodian),
                         json=share_body(scenario, custodian))
    assert answer.status_code == 409
    detail = answer.json()["detail"]
    assert clock.format_local(deadline_of(scenario.tender_id)) in detail
    assert detail.startswith("依据《电子招标投标办法》第二十七条")
    assert "R-22" not in detail and not ISO_UTC.search(detail)


def test_publishing_clarifying_objecting_and_answering_say_they_succeeded(client) -> None:
    scenario = make_tender(prefix="ok")
    detail = f"/bidding/tenders/{scenario.tender_id}"
    assert login(client, "ok-tenderee").status_code == 303
    now = clock.to_local(db_now())
    published = post_form(client, f"{detail}/publish", {
        "deadline": (now + dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"),
        "sale_ends_on": (now + dt.timedelta(days=12)).date().isoformat()}, form_page=detail)
    assert published.status_code == 303, published.text
    assert "招标项目已发布，招标公告已公开" in client.get(published.headers["location"]).text
    clarified = post_form(client, f"{detail}/clarifications", {
        "text": "补充说明：工期不变", "affects_preparation": "1"}, form_page=detail)
    assert clarified.status_code == 303
    assert "澄清已发布" in client.get(clarified.headers["location"]).text
    assert login(client, "ok-bidder0").status_code == 303
    objected = post_form(client, f"{detail}/objections", {"text": "资质要求过高"},
                         form_page=detail)
    assert objected.status_code == 303
    assert "异议已提交" in client.get(objected.headers["location"]).text
    assert login(client, "ok-tenderee").status_code == 303
    page = client.get(detail).text
    objection = re.search(r'/objections/([0-9a-f-]{36})/answer', page)
    assert objection
    answered = post_form(client, f"{detail}/objections/{objection.group(1)}/answer",
                         {"answer": "资质要求依法设定，维持不变"}, form_page=detail)
    assert answered.status_code == 303
    shown = client.get(answered.headers["location"]).text
    assert "异议答复已提交" in shown and 'id="success-message"' in shown
    # an unknown ?done= shows nothing
    assert 'id="success-message"' not in client.get(f"{detail}?done=hacked").text


@pytest.mark.parametrize(("setting", "says_automatic"), [("1", True), ("0", False)])
def test_the_demo_tender_promises_automatic_shares_only_when_they_are_on(
        client, monkeypatch: pytest.MonkeyPatch, setting: str, says_automatic: bool) -> None:
    from sqlalchemy import select

    from bidding import demo as bidding_demo
    from bidding.models import Tender
    from trading import db, demo

    monkeypatch.setenv("GGZY_DEMO_AUTO_SHARES", setting)
    with db.transaction() as session:
        demo.seed(session)
    with db.read_only() as session:
        tender = session.scalars(select(Tender).where(
            Tender.title == bidding_demo.DEMO_TITLE)).one()
    page = client.get(f"/bidding/tenders/{tender.id}").text
    assert ("自动提交份额" in page) is says_automatic
    assert ("提交份额，然后开标" in page) is not says_automatic
