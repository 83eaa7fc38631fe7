"""From the final evaluation report to the refund in a real browser (issue 16): the tenderee
publishes the candidates and the notice is on the public portal; a bidder objects from its
workspace, the tenderee answers and the bidder reads the answer; after the publicity the
tenderee awards the first candidate, and the winner and another bidder each open their own
printable notice; the contract is filed and its notice is public; staff record the
non-winners' security refunds and a bidder sees principal and interest on its page.

Up to the signed report the state is built through services (tests/integration/bidding/
award_flow.py), with the bidders' security paid through the bank gateway before the bids; time
moves only with tests/clock.py."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from bidding.award.models import SectionAward
from tests import clock as test_clock
from tests.e2e.conftest import log_in
from tests.e2e.test_crawl import Crawl
from tests.integration.bidding.award_flow import final_report, security_paid
from tests.integration.bidding.conftest import PASSWORD
from trading import clock, db

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(400), pytest.mark.usefixtures("bid_storage")]

PREFIX = "e2a"
NAVIGATION_MS = 60_000  # a loaded machine renders slowly; never a sleep
DONE = re.compile(r"[?&]done=")


class Visit:
    """One person at a time in the browser: a fresh context per log-in (a session of days
    ago has expired once the clock moved), every page read checked as the crawl test checks
    (no status code, message key, UUID or UTC time in its text)."""

    def __init__(self, browser: Any, server: str) -> None:
        self.browser, self.server = browser, server
        self.context: Any = None
        self.page: Any = None
        self.crawl: Crawl | None = None

    def as_user(self, username: str | None) -> Any:
        if self.context is not None:
            self.context.close()
        self.context = self.browser.new_context(locale="zh-CN")
        self.context.set_default_navigation_timeout(NAVIGATION_MS)
        self.context.set_default_timeout(NAVIGATION_MS)
        self.page = self.context.new_page()
        self.crawl = Crawl(self.page, self.server)
        if username is not None:
            log_in(self.page, self.server, username, PASSWORD)
        return self.page

    def open(self, path: str) -> Any:
        self.page.goto(f"{self.server}{path}")
        self.readable()
        return self.page

    def readable(self) -> None:
        assert self.crawl is not None
        problems = self.crawl.problems(self.page.inner_text("body"))
        assert not problems, (self.page.url, problems)

    def submit(self, button: str, done: str) -> str:
        """Press the form's button; the page it lands on shows the success message."""
        self.page.get_by_role("button", name=button, exact=True).click()
        self.page.wait_for_url(DONE)
        assert f"done={done}" in self.page.url
        self.readable()
        return self.page.locator("#success-message").inner_text()

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


def _award_row(section_id: Any) -> SectionAward:
    with db.read_only() as session:
        row = session.get(SectionAward, section_id)
        assert row is not None
        session.expunge(row)
        return row


def _from_workspace(visit: Visit, link: str, lands_on: str) -> Any:
    """The bidder's way in: 我的项目, then the tender's link (its page's path ends so)."""
    page = visit.open("/bidding/my")
    page.locator(link).first.click()
    page.wait_for_url(re.compile(re.escape(lands_on) + "$"))
    visit.readable()
    return page


def _publish(visit: Visit, award: str) -> list[str]:
    page = visit.open(award)
    candidates = page.locator(".award-candidates tbody tr td:nth-child(2)").all_inner_texts()
    assert len(candidates) == 3
    page.locator(".publish-form input[name=objection_contact]").fill("王工 0353-2020888")
    assert visit.submit("发布中标候选人公示", "published") == "中标候选人已公示"
    assert "公示期" in page.locator(".publicity-window").inner_text()
    return candidates


def _public_notice(visit: Visit, kind: str, names: list[str]) -> None:
    """Anyone on the portal: the list names the notice, which shows its kind and the names."""
    page = visit.open("/notices")
    page.get_by_role("link", name=re.compile(kind)).first.click()
    page.wait_for_url(re.compile(r"/notices/[^/?]+$"))
    visit.readable()
    assert kind in page.locator(".notice-kind").inner_text()
    body = page.locator("article.notice").inner_text()
    for name in names:
        assert name in body, (kind, name)


def _object_and_answer(visit: Visit, award: str, objector: str) -> None:
    visit.as_user(f"{PREFIX}-bidder{objector[-1]}")
    page = _from_workspace(visit, ".award-link", "/award")
    page.locator(".objection-form textarea[name=text]").fill("排名第一的中标候选人类似业绩证明不实")
    assert "异议已提交" in visit.submit("提出异议", "objected")
    assert "排名第一的中标候选人类似业绩证明不实" in page.locator(".award-objections").inner_text()

    visit.as_user(f"{PREFIX}-tenderee")
    page = visit.open(award)
    assert "定标暂停" in page.locator(".award-paused").inner_text()
    page.locator(".award-objections textarea[name=answer]").fill("经核查，其类似业绩证明真实有效")
    assert visit.submit("答复异议", "answered") == "异议已答复"

    visit.as_user(f"{PREFIX}-bidder{objector[-1]}")
    page = visit.open("/bidding/my")
    assert "经核查，其类似业绩证明真实有效" in page.locator("main").inner_text()
    page = _from_workspace(visit, ".award-link", "/award")
    assert page.locator(".objection-answer").inner_text() == "经核查，其类似业绩证明真实有效"


def _award_first(visit: Visit, award: str, winner: str) -> None:
    visit.as_user(f"{PREFIX}-tenderee")
    page = visit.open(award)
    assert page.get_by_label(re.compile(re.escape(winner))).is_checked()  # the first, by default
    page.get_by_label(re.compile("我确认")).check()
    assert visit.submit("确定中标人并发出通知书", "awarded") == \
        "已定标，中标通知书和中标结果通知书已同时发出"
    assert f"中标人：{winner}" in page.locator(".award-winner").inner_text()


def _own_letter(visit: Visit, bidder: str, kind: str, winner: str) -> None:
    """A bidder opens its own notice (addressed to it, naming the winner) from the award page;
    printed, only the letter shows."""
    visit.as_user(f"{PREFIX}-bidder{bidder[-1]}")
    page = _from_workspace(visit, ".award-link", "/award")
    letters = page.locator(".award-letters a")
    assert letters.all_inner_texts() == [f"{kind}：{bidder}"]
    letters.first.click()
    page.wait_for_url(re.compile(r"/bidding/award-letters/"))
    visit.readable()
    assert page.locator("#letter-title").inner_text() == kind
    assert f"{bidder}：" in page.locator(".award-letter").inner_text()
    assert kind == "中标通知书" or winner in page.locator("#letter-body").inner_text()
    assert page.locator("#letter-signature-state").inner_text().startswith("签名有效")
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert page.locator("#letter-body").is_visible()


def _file_contract(visit: Visit, award: str) -> None:
    visit.as_user(f"{PREFIX}-tenderee")
    page = visit.open(award)
    with db.read_only() as session:
        today = clock.legal_day(clock.now(session)).isoformat()
    form = page.locator(".contract-form")
    form.locator("input[name=file]").set_input_files(
        files=[{"name": "施工合同.pdf", "mimeType": "application/pdf",
                "buffer": b"%PDF-1.4 construction contract"}])
    form.get_by_label("合同名称").fill("道路工程施工合同")
    form.get_by_label("合同金额（元）").fill("1000000.00")
    form.get_by_label("签订日期").fill(today)
    form.locator("input[name=term]").fill("365 日历天")
    assert visit.submit("备案合同", "filed") == "合同已备案，合同公告已发布"
    assert "道路工程施工合同" in page.locator(".award-contract").inner_text()


def _refund(visit: Visit, payers: list[str]) -> None:
    """Staff, on the security desk, record the transfer back to each payer's own account."""
    visit.as_user(f"{PREFIX}-staff")
    page = visit.open("/home")
    page.get_by_role("navigation").get_by_role("link", name="保证金管理").click()
    page.wait_for_url(re.compile(r"/bidding/security$"))
    for index, payer in enumerate(payers):
        if index:  # back on the desk itself, so that the next ?done= is a new page
            visit.open("/bidding/security")
        row = page.locator("#owed-refunds tbody tr", has_text=payer)
        account = row.locator("td").nth(1).inner_text().strip()
        assert "利息" in row.locator(".refund-interest").inner_text()
        row.locator("input[name=to_account]").fill(account)
        row.locator("input[name=bank_serial]").fill(f"E2AOUT{index}")
        row.get_by_label("确认已向付款人原账户退款").check()
        row.get_by_role("button", name="登记退款").click()
        page.wait_for_url(DONE)
        visit.readable()
        assert page.locator("#success-message").inner_text() == "退款已登记"
        assert page.locator("#owed-refunds tbody tr", has_text=payer).count() == 0


def test_from_the_report_to_the_refund(live_server, browser) -> None:
    with httpx.Client(base_url=live_server, timeout=60) as http:
        committee = final_report(http, PREFIX, before_bids=security_paid(http, PREFIX))
    award = f"/bidding/tenders/{committee.tender_id}/award"
    visit = Visit(browser, live_server)
    try:
        visit.as_user(f"{PREFIX}-tenderee")
        candidates = _publish(visit, award)
        first, second, third = candidates
        visit.as_user(None)
        _public_notice(visit, "中标候选人公示", candidates)

        _object_and_answer(visit, award, third)

        test_clock.advance_past(_award_row(committee.section_id).publicity_ends_at)
        _award_first(visit, award, first)
        visit.as_user(None)
        _public_notice(visit, "中标结果公告", [first])
        _own_letter(visit, first, "中标通知书", first)
        _own_letter(visit, second, "中标结果通知书", first)

        _file_contract(visit, award)
        visit.as_user(None)
        _public_notice(visit, "合同公告", ["道路工程施工合同"])

        _refund(visit, [second, third])
        visit.as_user(f"{PREFIX}-bidder{third[-1]}")
        page = _from_workspace(visit, ".security-link", "/security")
        status = page.locator(".security-payments .refund-status").inner_text()
        assert status.startswith("未中标：已退还")
        interest = re.search(r"本金 20,000\.00 元，利息 (\d+\.\d\d) 元", status)
        assert interest is not None and float(interest.group(1)) > 0, status
    finally:
        visit.close()
