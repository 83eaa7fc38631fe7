"""Issue 13: the receipt page in Chromium: the verify button checks the receipt's signature and,
once a signed checkpoint covers the bid's log entry, its inclusion proof; an altered receipt is
refused; on paper the page shows no site navigation."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import update

from bidding.models import Bid
from supervision import services as supervision
from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    AHEAD,
    PASSWORD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    publish_now,
    seal,
)
from trading import db

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def test_the_receipt_page_checks_the_signature_and_the_log_proof(live_server, browser) -> None:
    scenario = make_tender(prefix="e2r")
    publish_now(scenario, db_now() + AHEAD)
    bidder = scenario.bidders[0]
    answer = httpx.put(f"{live_server}{bid_url(scenario)}", headers=bearer(bidder),
                       content=seal(scenario, bidder, bid_plaintext(90_000_000)), timeout=60)
    assert answer.status_code == 201, answer.text
    bid_id = answer.json()["fields"]["receipt_id"]
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "e2r-bidder0", PASSWORD)
    page.goto(f"{live_server}/bids/{bid_id}/receipt")
    assert "投标文件递交回执" in page.locator("h1").inner_text()
    results = page.locator("#receipt-check")

    def verify() -> str:
        page.locator("#receipt-verify").click()
        # (Locators, not wait_for_function: the page's CSP forbids evaluating strings.)
        page.locator("#receipt-check[data-result]").wait_for(timeout=30_000)
        page.locator("#receipt-verify:enabled").wait_for(timeout=30_000)
        return results.inner_text()

    first = verify()
    assert results.get_attribute("data-result") == "valid", first
    assert "回执签名有效" in first
    assert "尚无覆盖它的已签名检查点" in first or "尚未写入" in first  # no proof yet
    supervision.integrate_soon()
    with db.transaction() as session:
        supervision.checkpoint_now(session, "test")  # as the closing or the hourly job would
    second = verify()
    assert results.get_attribute("data-result") == "valid", second
    assert "存证证明有效" in second and "包含在已签名的检查点中" in second

    # On paper: the receipt, without the site's header and buttons.
    page.emulate_media(media="print")
    assert page.locator(".site-header").is_hidden()
    assert page.locator("#receipt-download").is_hidden()
    assert page.locator("#receipt-digest").is_visible()
    page.emulate_media(media="screen")

    # A receipt altered in the database no longer carries a valid signature.
    with db.transaction() as session:
        bid = session.get(Bid, uuid.UUID(bid_id))
        assert bid is not None
        altered = json.loads(bid.receipt)
        altered["fields"]["server_time"] = "2020-01-01T00:00:00.000Z"
        session.execute(update(Bid).where(Bid.id == bid.id).values(receipt=json.dumps(altered)))
    third = verify()
    assert results.get_attribute("data-result") == "invalid", third
    assert "回执签名无效" in third
    context.close()
