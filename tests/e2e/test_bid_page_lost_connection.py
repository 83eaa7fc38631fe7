"""The bid page after a lost connection (issue 17, part 7d): it looks up "My bids" (by the
envelope's SHA-256) before sending the envelope again, and tells the bidder which it was.

The browser's request is really lost: Playwright lets it reach the server and then resets the
connection instead of handing over the answer (the bid landed), or resets it before it leaves
the browser (it did not)."""

from __future__ import annotations

import httpx
import pytest

from supervision import services as supervision
from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    AHEAD,
    PASSWORD,
    bearer,
    db_now,
    log_actions,
    make_tender,
    publish_now,
)
from tests.integration.bidding.test_key_binding import announce

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


@pytest.mark.parametrize("landed", [True, False], ids=["answer-lost", "request-lost"])
def test_the_bid_page_checks_whether_the_bid_landed(live_server, browser, landed: bool) -> None:
    prefix = "lost-a" if landed else "lost-r"
    scenario = make_tender(prefix=prefix, bidders=1)
    publish_now(scenario, db_now() + AHEAD)
    announce(scenario)
    context = browser.new_context(locale="en-US")
    page = context.new_page()
    log_in(page, live_server, f"{prefix}-bidder0", PASSWORD)
    uploads: list[str] = []

    def lose_once(route) -> None:  # type: ignore[no-untyped-def]
        uploads.append(route.request.method)
        if len(uploads) > 1:
            route.continue_()
            return
        if landed:
            route.fetch()  # the server takes the bid and answers; the answer is lost
        route.abort("connectionreset")

    page.route("**/sections/*/bid", lose_once)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/bid?lang=en")
    page.locator("#record-check.record-ok").wait_for(timeout=30_000)
    page.locator(f"#price-{scenario.section_id}").fill("980000")
    page.locator(f"#duration-{scenario.section_id}").fill("280")
    page.locator(f"#bid-form-{scenario.section_id} button[type=submit]").click()
    page.locator(".bid-receipt pre").wait_for(state="visible", timeout=60_000)
    note = page.locator(".bid-landing").inner_text()
    if landed:
        assert "The bid had arrived; it was not sent again" in note
        assert uploads == ["PUT"]
    else:
        assert "sending it again" in note
        assert uploads == ["PUT", "PUT"]
    assert page.locator(".bid-error").is_hidden()
    mine = httpx.get(f"{live_server}/api/v1/tenders/{scenario.tender_id}/my-bids",
                     headers=bearer(scenario.bidders[0]), timeout=30).json()
    assert [b["status"] for b in mine] == ["submitted"]
    assert page.locator(".bid-receipt pre").inner_text().count(mine[0]["envelope_sha256"]) == 1
    supervision.integrate_soon()  # the dispatcher's sequencer round
    assert log_actions(f"tender/{scenario.tender_id}").count("bid.submitted") == 1
    context.close()
