"""Issue 13: what a bidder meets after it takes part: its workspace (我的项目), the answer to
its objection, the clarifications on the tender page, the tender page and its public notices
linking to each other, and a notification when the tender is opened or fails."""

from __future__ import annotations

import datetime as dt
import re

from tests.integration.trading.conftest import login, post_form
from trading import clock

from .conftest import (
    AHEAD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
)
from .test_opening import PRICES, open_all_directly, run_close, submit_bids, submit_share

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def main_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def relogin(client, username: str) -> None:
    client.cookies.clear()
    assert login(client, username).status_code == 303


def test_the_workspace_shows_a_bidders_tender_bids_notices_objection_and_its_answer(
        client) -> None:
    scenario = make_tender(prefix="ws")
    detail = f"/bidding/tenders/{scenario.tender_id}"
    relogin(client, "ws-tenderee")
    now = clock.to_local(db_now())
    assert post_form(client, f"{detail}/publish", {
        "deadline": (now + dt.timedelta(days=40)).strftime("%Y-%m-%dT%H:%M"),
        "sale_ends_on": (now + dt.timedelta(days=12)).date().isoformat()},
        form_page=detail).status_code == 303
    assert post_form(client, f"{detail}/clarifications", {
        "text": "补充说明：工期不变", "affects_preparation": "1"},
        form_page=detail).status_code == 303
    assert client.get("/bidding/my").status_code == 403  # a tenderee has no bidder workspace

    relogin(client, "ws-bidder0")
    assert 'href="/bidding/my"' in client.get("/").text  # the nav item, for bidders
    empty = client.get("/bidding/my")
    assert empty.status_code == 200 and 'id="workspace-empty"' in empty.text
    page = client.get(detail).text
    # The clarification is on the tender page, and the public notices are linked from it.
    assert 'id="clarifications"' in page and "补充说明：工期不变" in main_text(page)
    notices = re.findall(r'href="/notices/([0-9a-f-]{36})"', page)
    assert len(notices) == 2 and "招标公告" in main_text(page)
    assert f'href="/tenders/{scenario.tender_id}"' in page
    # ... and the notice links back to the tender page.
    notice = client.get(f"/notices/{notices[0]}").text
    link = f"/bidding/tenders/by-ref/{scenario.tender_id}"
    assert f'href="{link}"' in notice
    back = client.get(link, follow_redirects=False)
    assert back.status_code == 303 and back.headers["location"] == detail
    history = client.get(f"/tenders/{scenario.tender_id}").text
    assert f'href="{link}"' in history
    unknown = client.get("/bidding/tenders/by-ref/YQ-2026-GC-0001", follow_redirects=False)
    assert unknown.headers["location"] == "/tenders/YQ-2026-GC-0001"  # never a 404 link

    document = re.search(rf'href="({detail}/documents/[0-9a-f-]{{36}})"', page)
    assert document and client.get(document.group(1)).status_code == 200
    assert post_form(client, f"{detail}/objections", {"text": "资质要求过高"},
                     form_page=detail).status_code == 303
    answer = client.put(bid_url(scenario), headers=bearer(scenario.bidders[0]),
                        content=seal(scenario, scenario.bidders[0], bid_plaintext(PRICES[0])))
    assert answer.status_code == 201
    bid_id = answer.json()["fields"]["receipt_id"]
    mine = client.get("/bidding/my")
    text = main_text(mine.text)
    assert "测试工程" in text and "已下载" in text and "已发布" in text
    assert "投标保证金（元） 第 1 标段 20,000.00" in text  # what the bidder must lodge
    assert "已提交" in text and f'href="/bids/{bid_id}/receipt"' in mine.text
    assert "招标公告" in text and "澄清" in text  # the tender's notices
    assert "资质要求过高" in text and "等待招标人答复" in text
    assert not UUID.search(text) and not ISO_UTC.search(text)

    relogin(client, "ws-bidder1")  # another bidder: nothing of bidder0's
    other = main_text(client.get("/bidding/my").text)
    assert "资质要求过高" not in other and "测试工程" not in other
    assert "资质要求过高" not in main_text(client.get(detail).text)

    relogin(client, "ws-tenderee")
    objection = re.search(r'/objections/([0-9a-f-]{36})/answer', client.get(detail).text)
    assert objection
    assert post_form(client, f"{detail}/objections/{objection.group(1)}/answer",
                     {"answer": "资质要求依法设定，维持不变"}, form_page=detail).status_code == 303

    relogin(client, "ws-bidder0")  # the answer reaches the one who objected, three ways
    shown = main_text(client.get(detail).text)
    assert "您提出的异议及答复" in shown and "资质要求依法设定，维持不变" in shown
    assert "资质要求依法设定，维持不变" in main_text(client.get("/bidding/my").text)
    assert "您提出的异议已答复：资质要求依法设定，维持不变" in main_text(
        client.get("/bidding/notifications").text)
    english = main_text(client.get("/bidding/my?lang=en").text)
    assert "My tenders" in english and "Submitted" in english and "Downloaded" in english
    assert "：" not in english and "（" not in english  # ASCII punctuation in English mode


def test_bidders_are_notified_of_the_opening_and_see_it_in_their_workspace(client) -> None:
    scenario = make_tender(prefix="wo")
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario)
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    relogin(client, "wo-bidder0")
    assert "已开标" not in main_text(client.get("/bidding/notifications").text)
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code in (200, 201)
    open_all_directly(scenario)
    notes = main_text(client.get("/bidding/notifications").text)
    assert "「测试工程」已开标，开标记录已公布" in notes
    text = main_text(client.get("/bidding/my").text)
    assert "已开标" in text and "已开启" in text and "开标记录" in text
    assert not UUID.search(text) and not ISO_UTC.search(text)


def test_bidders_are_told_why_a_tender_failed(client) -> None:
    scenario = make_tender(prefix="wf", bidders=2)
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario, PRICES[:2])
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    for index in range(2):
        relogin(client, f"wf-bidder{index}")
        notes = main_text(client.get("/bidding/notifications").text)
        assert "「测试工程」流标：投标人少于 3 个" in notes
        assert "R-24" not in notes
        assert "已流标" in main_text(client.get("/bidding/my").text) or "流标" in main_text(
            client.get("/bidding/my").text)


def test_the_demo_bidder_finds_its_workspace_in_the_navigation(client) -> None:
    from trading import db, demo

    with db.transaction() as session:
        logins = demo.seed(session)
    bidder = next(u for u in demo.USERS if u.role.value == "bidder")
    client.cookies.clear()
    assert login(client, bidder.username, logins[bidder.username]).status_code == 303
    home = client.get("/home").text
    assert 'href="/bidding/my"' in home and "我的项目" in home
    page = client.get("/bidding/my")
    assert page.status_code == 200
    text = main_text(page.text)
    assert not UUID.search(text) and not ISO_UTC.search(text)
    for receipt in re.findall(r'href="(/bids/[0-9a-f-]{36}/receipt)"', page.text):
        assert client.get(receipt).status_code == 200
