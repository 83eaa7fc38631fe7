"""A member of the public, without logging in: browses and searches the demo notices, follows a
tender's history, opens a notice with its proof, and subscribes to a feed."""

from __future__ import annotations

import pytest

from disclosure.demo import seed
from trading import db

pytestmark = pytest.mark.e2e


def test_public_browses_searches_follows_history_and_subscribes(live_server, browser):
    with db.transaction() as session:
        seed(session)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/notices")
    assert page.get_by_role("heading", name="交易信息公开").is_visible()
    assert page.locator(".notice-list li").count() >= 10

    page.get_by_label("关键词").fill("道路")
    # all_inner_texts() does not wait: read the new page, not the one being left
    with page.expect_navigation():
        page.get_by_role("button", name="搜索").click()
    titles = page.locator(".notice-list li a").all_inner_texts()
    assert any("南外环道路" in title for title in titles)
    assert not any("教学设备" in title for title in titles)

    with page.expect_navigation():
        page.get_by_role("link", name="阳泉市南外环道路改造工程施工中标候选人公示").click()
    assert page.get_by_role("heading", name="如何提出异议").is_visible()
    assert "公示中" in page.locator(".publicity").inner_text()
    assert "******************" in page.content()  # the candidates' ID numbers are masked
    assert len(page.locator("code.hash").inner_text()) == 64

    with page.expect_navigation():
        page.get_by_role("link", name="查看本项目全部公告").click()
    history = page.locator(".timeline li .notice-kind").all_inner_texts()
    assert history == ["招标公告", "澄清/修改公告", "开标记录", "中标候选人公示", "中标结果公告",
                       "合同公告"]

    page.goto(f"{live_server}/notices?category=construction")
    feed = page.get_by_role("link", name="订阅（Atom）")
    href = feed.get_attribute("href")
    assert href == "/feeds/atom?category=construction"
    response = page.request.get(f"{live_server}{href}")
    assert response.ok and "application/atom+xml" in response.headers["content-type"]
    assert "南外环道路改造工程" in response.text()
    context.close()
