"""A member of the public lands on the platform's home page, sees the latest notices and
searches them from there."""

from __future__ import annotations

import pytest

from disclosure.demo import seed
from trading import db

pytestmark = pytest.mark.e2e


def test_public_searches_notices_from_the_home_page(live_server, browser, tmp_path):
    with db.transaction() as session:
        seed(session)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server}/")
    assert page.get_by_role("heading", name="最新公告").is_visible()
    latest = page.locator(".home-notices .notice-list li")
    assert latest.count() == 8
    page.screenshot(path=str(tmp_path / "home.png"), full_page=True)

    page.get_by_label("搜索公告（项目名称、招标人等关键词）").fill("道路")
    with page.expect_navigation():
        page.get_by_role("button", name="搜索").click()
    assert page.url.startswith(f"{live_server}/notices?q=")
    assert page.get_by_label("关键词").input_value() == "道路"
    titles = page.locator(".notice-list li a").all_inner_texts()
    assert titles and any("南外环道路" in title for title in titles)
    assert not any("教学设备" in title for title in titles)
    context.close()
