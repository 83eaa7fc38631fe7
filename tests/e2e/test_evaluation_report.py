"""The evaluation report in a real browser (issue 15): the chair rejects a bid choosing its legal
ground, every member reads the report and signs it (one dissents with reasons), the report is
final, and printed it shows the report without the site's navigation or forms."""

from __future__ import annotations

import re

import httpx
import pytest

from bidding.evaluation import marks
from bidding.evaluation import room as rooms
from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    PASSWORD,
    TEST,
)
from tests.integration.bidding.evaluation_helpers import seated_committee
from trading import db

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]

CODES = ("Q1", "Q2", "C1", "C2", "C3", "D1")


def log_out(page, server: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{server}/")


def _elect_and_mark(committee, rejected: str) -> None:
    """The election and the marks as the room tests do them (the browser part is the report)."""
    chair = next(iter(committee.members.values()))
    for voter in committee.members.values():
        with db.transaction() as session:
            rooms.vote(session, TEST, voter, committee.tender_id, committee.section_id, chair)
    with db.read_only() as session:
        bids = [b.id for b in rooms.opened_bids(session, committee.section_id)
                if b.valid and b.bidder != rejected]
    for member in committee.members.values():
        for bid_id in bids:
            with db.transaction() as session:
                marks.save_marks(session, TEST, member, committee.tender_id, committee.section_id,
                                 bid_id, {c: ("1", "") for c in CODES})


def test_the_committee_rejects_signs_and_prints_the_report(live_server, browser) -> None:
    with httpx.Client(base_url=live_server) as http:
        committee = seated_committee(http, "e2r")
    rejected = "e2r 投标单位 2"
    _elect_and_mark(committee, rejected)
    members = list(committee.members)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    room = f"{live_server}{committee.room}"

    log_in(page, live_server, members[0], PASSWORD)  # the chair
    page.goto(room)
    form = page.locator("#reject-form")
    form.locator("select[name=bid]").select_option(label=rejected)
    form.locator("select[name=ground]").select_option("non_responsive")
    form.locator("textarea[name=reason]").fill("投标文件未对工期作出实质性响应")
    page.get_by_role("button", name="否决", exact=True).click()
    page.wait_for_url(re.compile(r"done=rejected"))
    assert "第五十一条第（六）项" in page.locator("#rejections").inner_text()
    log_out(page, live_server)

    for username in members:
        log_in(page, live_server, username, PASSWORD)
        page.goto(room)
        page.get_by_label(re.compile("确认提交")).check()
        page.get_by_role("button", name="提交评分").click()
        page.wait_for_url(re.compile(r"done=submitted"))
        log_out(page, live_server)

    for index, username in enumerate(members):
        log_in(page, live_server, username, PASSWORD)
        page.goto(room)
        page.get_by_role("link", name="评标报告").click()
        page.wait_for_url(re.compile(r"/report$"))
        assert "投标文件未对工期作出实质性响应" in page.locator("#rejections").inner_text()
        if index == 1:
            page.get_by_label(re.compile("持不同意见")).check()
            page.locator("textarea[name=dissent]").fill("投标单位 0 的类似业绩证明不足")
        else:
            page.get_by_label("同意本报告").check()
        page.get_by_role("button", name="签署", exact=True).click()
        page.wait_for_url(re.compile(r"done=signed"))
        log_out(page, live_server)

    log_in(page, live_server, "e2r-staff", PASSWORD)
    page.goto(f"{room}/report")
    assert "评标委员会全体成员已签署" in page.locator("#cover").inner_text()
    assert "类似业绩证明不足" in page.locator("#opinions").inner_text()
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("#member-marks").is_visible()
    context.close()
