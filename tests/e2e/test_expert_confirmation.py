"""A drawn expert answers in a real browser: reads the inbox, opens the draw and confirms;
another declines with a reason (after the page's confirmation question) and the next in rank
finds the call in its own inbox."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    PASSWORD,
)
from tests.integration.expert_pool.test_attendance import asked, first_reserve, make_draw

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def log_out(page, server: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{server}/")


def test_an_expert_confirms_and_another_declines_in_the_browser(live_server, browser) -> None:
    with httpx.Client(base_url=live_server) as http:
        drawn = make_draw(http, "e2x")
    first, second = asked(drawn)[:2]
    reserve = first_reserve(drawn)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()

    log_in(page, live_server, drawn.usernames[first.expert_number], PASSWORD)
    page.goto(f"{live_server}/experts/me/inbox")
    message = page.locator("table.inbox tbody tr").first
    assert drawn.number in message.inner_text()
    assert "未读" in message.inner_text()
    page.get_by_role("link", name="查看我的评标抽取").click()
    page.get_by_role("link", name=drawn.number).click()
    page.wait_for_url(f"{live_server}/experts/me/draws/{first.id}")
    assert page.locator("#seat-state").inner_text() == "待确认"
    assert drawn.tender_title not in page.content()  # the project is unnamed before check-in
    page.get_by_role("button", name="确认参加").click()
    notice = page.locator("p.notice[role=status]")
    notice.wait_for()
    assert "已确认参加" in notice.inner_text()
    assert page.locator("#seat-state").inner_text() == "已确认"
    log_out(page, live_server)

    log_in(page, live_server, drawn.usernames[second.expert_number], PASSWORD)
    page.goto(f"{live_server}/experts/me/draws/{second.id}")
    page.get_by_label("谢绝理由（必填）").fill("评标当日在外地出差")
    questions: list[str] = []

    def answer(dialog) -> None:  # the data-confirm question before a destructive form
        questions.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    page.get_by_role("button", name="谢绝", exact=True).click()
    page.locator("p.notice[role=status]").wait_for()
    assert "已谢绝" in page.locator("p.notice[role=status]").inner_text()
    assert page.locator("#seat-state").inner_text() == "已谢绝"
    assert questions and "谢绝" in questions[0]
    page.remove_listener("dialog", answer)
    log_out(page, live_server)

    log_in(page, live_server, drawn.usernames[reserve.expert_number], PASSWORD)
    page.goto(f"{live_server}/experts/me/inbox")
    assert drawn.number in page.locator("table.inbox tbody tr").first.inner_text()
    page.goto(f"{live_server}/experts/me/draws")
    assert "待确认" in page.locator("table.my-draws").inner_text()
    context.close()
