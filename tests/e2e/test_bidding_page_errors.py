"""Issue 13: the bid page's script shows every refusal in words and leaves "uploading": after
the deadline the bidder reads the law and the deadline (Chinese, or English in English mode);
an attachment over the limit the page states is refused before anything is sealed; after a
submission "my bids" shows the new bid without a reload."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    AHEAD,
    PASSWORD,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
)
from tests.integration.bidding.test_key_binding import announce

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]

SMALL_LIMIT = 64 * 1024


@pytest.fixture
def small_bid_limit(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A small bid limit, set before the live server starts (it inherits the environment)."""
    monkeypatch.setenv("GGZY_MAX_BID_BYTES", str(SMALL_LIMIT))
    yield


def fill(page, price: str = "980000") -> None:
    page.get_by_label("投标报价（元）").fill(price)
    page.get_by_label("工期（日历天）").fill("280")


def test_after_the_deadline_the_page_says_why_in_words(live_server, browser) -> None:
    scenario = make_tender(prefix="e2l")
    publish_now(scenario, db_now() + AHEAD)
    announce(scenario)
    cases = (("zh-CN", "依据《电子招标投标办法》第二十七条，投标截止时间", "未提交"),
             ("en", "Under the Measures for Electronic Tendering and Bidding, Art. 27: the bid "
                    "deadline", "not submitted"))
    pages = []
    for lang, _expected, _phase in cases:  # both pages are loaded before the deadline
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        log_in(page, live_server, "e2l-bidder0", PASSWORD)
        context.add_cookies([{"name": "ggzy_lang", "value": lang, "url": live_server}])
        page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/bid")
        page.locator("#record-check.record-ok").wait_for(timeout=30_000)
        form = page.locator("form.bid-form")
        form.locator("input[name=price]").fill("980000")
        form.locator("input[name=duration_days]").fill("280")
        pages.append((context, page))
    pass_deadline(scenario.tender_id)
    for (context, page), (_lang, expected, phase) in zip(pages, cases, strict=True):
        page.locator("form.bid-form button[type=submit]").click()
        error = page.locator(".bid-error")
        error.wait_for(state="visible", timeout=30_000)
        assert expected in error.inner_text()
        assert "HTTP" not in error.inner_text() and "R-21" not in error.inner_text()
        assert page.locator(".bid-phase").inner_text() == phase  # not "上传中 / uploading"
        assert page.locator(".bid-receipt").is_hidden()
        context.close()
    # Loaded after the deadline, the form is disabled and says why.
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "e2l-bidder1", PASSWORD)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/bid")
    page.locator("#record-check.record-ok").wait_for(timeout=30_000)
    assert "投标截止时间已过，不再接受投标" in page.locator("#bid-closed").inner_text()
    assert page.get_by_role("button", name="加密并提交").is_disabled()
    context.close()


def test_an_oversized_attachment_is_refused_before_sealing(small_bid_limit, live_server, browser,
                                                            tmp_path: Path) -> None:
    scenario = make_tender(prefix="e2s")
    publish_now(scenario, db_now() + AHEAD)
    announce(scenario)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "e2s-bidder0", PASSWORD)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/bid")
    page.locator("#record-check.record-ok").wait_for(timeout=30_000)
    assert "0.1 MB" in page.locator("#bid-size-limit").inner_text()
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.7 " + b"x" * (2 * SMALL_LIMIT))
    fill(page)
    page.get_by_label("投标文件附件").set_input_files(str(big))
    page.get_by_role("button", name="加密并提交").click()
    error = page.locator(".bid-error")
    error.wait_for(state="visible", timeout=30_000)
    assert "投标文件过大" in error.inner_text() and "未加密、未上传" in error.inner_text()
    assert page.locator(".bid-progress").get_attribute("value") == "0"
    assert page.locator("#my-bids tbody tr").count() == 0
    # A small attachment goes through, and "my bids" shows it without a reload.
    small = tmp_path / "small.pdf"
    small.write_bytes(b"%PDF-1.7 small")
    page.get_by_label("投标文件附件").set_input_files(str(small))
    page.get_by_role("button", name="加密并提交").click()
    page.locator(".bid-receipt pre").wait_for(state="visible", timeout=30_000)
    assert page.locator(".bid-error").is_hidden()
    row = page.locator("#my-bids tbody tr")
    row.first.wait_for(timeout=30_000)
    assert row.count() == 1 and "已提交" in row.inner_text()
    context.close()
