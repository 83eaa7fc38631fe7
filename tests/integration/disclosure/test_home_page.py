"""The platform's public home page (/) shows the latest notices and a search box, from the
disclosure domain's home panel."""

from __future__ import annotations

import datetime as dt
import re

from disclosure.home import LATEST_COUNT
from disclosure.notice_types import NoticeType
from tests import clock as test_clock
from tests.integration.disclosure.conftest import publish


def test_home_page_lists_the_latest_notices_newest_first(client):
    titles = [f"第{n}号工程招标公告" for n in range(1, LATEST_COUNT + 3)]
    for n, title in enumerate(titles):
        publish(NoticeType.TENDER_ANNOUNCEMENT, tender_ref=f"T-{n:03d}", title=title)
        test_clock.advance(dt.timedelta(minutes=1))
    page = client.get("/")
    assert page.status_code == 200
    panel = page.text.split('aria-labelledby="home-notices-heading"')[1].split("</section>")[0]
    assert "最新公告" in panel
    shown = re.findall(r'<a href="/notices/[0-9a-f-]{36}">([^<]+)</a>', panel)
    assert shown == list(reversed(titles))[:LATEST_COUNT]
    assert "招标公告 · 阳泉市城区" in panel  # the type by its label, and the region
    assert '<a href="/notices">查看全部公告与高级搜索 →</a>' in panel
    assert '<link rel="stylesheet" href="/static/disclosure/disclosure.css">' in page.text


def test_the_home_search_box_searches_the_notices(client):
    publish(NoticeType.TENDER_ANNOUNCEMENT, tender_ref="T-1", title="南外环道路改造工程招标公告")
    publish(NoticeType.TENDER_ANNOUNCEMENT, tender_ref="T-2", title="第一中学教学设备采购公告")
    home = client.get("/").text
    form = re.search(r'<form class="notice-search" method="get" action="(/notices)" role="search">'
                     r'.*?<label for="home-q">([^<]+)</label>\s*<input id="home-q" name="(q)"',
                     home, re.S)
    assert form and form.group(2) == "搜索公告（项目名称、招标人等关键词）"
    results = client.get(form.group(1), params={form.group(3): "教学设备"})
    assert results.status_code == 200
    assert "第一中学教学设备采购公告" in results.text
    assert "南外环道路改造工程招标公告" not in results.text


def test_home_page_without_notices_says_so_in_both_languages(client):
    assert "暂无公告。" in client.get("/").text
    client.cookies.set("ggzy_lang", "en")
    english = client.get("/").text
    assert "Latest notices" in english and "No notice published yet." in english
    assert "Search notices (project, tenderee, ... keywords)" in english
