"""Issue 13: the opening hall in Chromium: the live progress polled by hall.js moves from the
shares to the record without a reload by hand, and a bidder confirms its line there."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    AHEAD,
    PASSWORD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    run_closing,
    seal,
    share_body,
)
from tests.integration.bidding.test_opening import open_all_directly

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def test_the_hall_shows_the_progress_live_and_a_bidder_confirms(live_server, browser) -> None:
    scenario = make_tender(prefix="e2h")
    publish_now(scenario, db_now() + AHEAD)
    for index, bidder in enumerate(scenario.bidders):
        answer = httpx.put(f"{live_server}{bid_url(scenario)}", headers=bearer(bidder),
                           content=seal(scenario, bidder, bid_plaintext(90_000_000 + index)),
                           timeout=60)
        assert answer.status_code == 201, answer.text
    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "e2h-bidder0", PASSWORD)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/hall")
    assert page.locator("#hall-shares").inner_text() == "0 / 2"
    page.get_by_role("button", name="签到").click()
    assert "签到成功" in page.locator("#success-message").inner_text()

    # The custodians' shares arrive and the bids are decrypted: the page follows by itself.
    for custodian in scenario.custodians[:2]:
        answer = httpx.post(f"{live_server}/api/v1/tenders/{scenario.tender_id}/shares",
                            json=share_body(scenario, custodian), headers=bearer(custodian),
                            timeout=30)
        assert answer.status_code in (200, 201), answer.text
    page.locator("#hall-shares", has_text="2 / 2").wait_for(timeout=10_000)
    open_all_directly(scenario)
    page.locator("#hall-record").wait_for(timeout=10_000)  # hall.js reloaded the page
    assert page.locator("#hall-done").inner_text() == "3 / 3"

    form = page.locator("form.hall-confirm")
    form.get_by_label("我已核对本单位的开标记录").check()
    form.get_by_role("button", name="确认开标记录").click()
    assert "已确认本单位的开标记录" in page.locator("#success-message").inner_text()
    assert "已确认无误" in page.locator("#hall-record").inner_text()
    context.close()
