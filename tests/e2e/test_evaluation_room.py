"""The evaluation room in a real browser (issue 15): four seated experts, checked in and pledged,
elect their chair, mark every bid of the opened section and submit; the summary ranks the bids
with at most three candidates and flags the outlying mark; staff see every member's marks."""

from __future__ import annotations

import re

import httpx
import pytest

from bidding.evaluation import presets
from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    PASSWORD,
)
from tests.integration.bidding.evaluation_helpers import seated_committee

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]

PASSES = ("Q1", "Q2", "C1", "C2", "C3")


def log_out(page, server: str) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{server}/")


def _benchmark(committee) -> None:
    from sqlalchemy import update

    from bidding.models import Tender
    from trading import db

    with db.transaction() as session:  # as the tenderee set it while the tender was a draft
        session.execute(update(Tender).where(Tender.id == committee.tender_id).values(
            evaluation_plan=presets.to_data(presets.preset("engineering_benchmark")),
            evaluation_method=presets.PRESETS["engineering_benchmark"].zh))


def test_a_committee_elects_marks_and_submits_in_the_browser(live_server, browser) -> None:
    with httpx.Client(base_url=live_server) as http:
        committee = seated_committee(http, "e2v")
    _benchmark(committee)
    members = list(committee.members)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    room = f"{live_server}{committee.room}"

    for index, username in enumerate(members):
        log_in(page, live_server, username, PASSWORD)
        page.get_by_role("link", name="评标室").first.click()
        page.locator("#rooms a").first.click()
        page.wait_for_url(room)
        assert "已签署承诺书" in page.content()
        page.locator("#election input[type=radio]").first.check()
        page.get_by_role("button", name="投票").click()
        page.wait_for_url(re.compile(r"done=voted"))
        if index < len(members) - 1:
            assert "您本轮已投票" in page.content()
        log_out(page, live_server)

    for index, username in enumerate(members):
        log_in(page, live_server, username, PASSWORD)
        page.goto(room)
        assert "评标委员会负责人：" in page.locator("#chair").inner_text()
        links = page.locator("#bids a", has_text="评分")
        for row in range(links.count()):
            page.locator("#bids a", has_text="评分").nth(row).click()
            for code in PASSES:
                page.locator(f"#f-mark-{code}").select_option("1")
            outlier = index == len(members) - 1 and row == 1
            page.locator("#f-mark-T1").fill("3" if outlier else "16")
            page.locator("#f-mark-T2").fill("15")
            page.locator("#f-mark-B1").fill("5")
            if index == 0 and row == 0:  # a deduction without a reason is refused, then kept
                page.locator("#f-mark-T2").fill("12")
                page.get_by_role("button", name="保存评分").click()
                assert "扣分须说明理由" in page.locator("#score-error").inner_text()
                page.locator("#f-reason-T2").fill("质量保证措施不完整")
            page.get_by_role("button", name="保存评分").click()
            page.wait_for_url(re.compile(r"done=marked"))
        assert "提交本人评分后方可查看" in page.content()
        page.get_by_label(re.compile("确认提交")).check()
        page.get_by_role("button", name="提交评分").click()
        page.wait_for_url(re.compile(r"done=submitted"))
        log_out(page, live_server)

    # The last member to submit sees the complete summary; log in as the first again.
    log_in(page, live_server, members[0], PASSWORD)
    page.goto(room)
    summary = page.locator("#summary").inner_text()
    assert "尚有成员未提交" not in summary
    assert "第 1 名" in summary and "第 3 名" in summary and "第 4 名" not in summary
    assert "其他成员中位数 16.00" in page.locator("#outliers").inner_text()
    log_out(page, live_server)

    log_in(page, live_server, "e2v-staff", PASSWORD)
    page.goto(f"{room}/results")
    marks = page.locator("#all-marks").inner_text()
    assert "质量保证措施不完整" in marks and marks.count("12") >= 1
    context.close()
