"""A custodian after the deadline, in the browser: the custody page derives its share from the
public key-ceremony transcript with its key file (share-open.js), signs it and submits it; the
key file and the passphrase never leave the page."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from bidding import lookup
from bidding.sealing.crypto import custody
from tests.e2e.conftest import log_in
from tests.integration.bidding.conftest import (
    AHEAD,
    FAST_KDF,
    PASSWORD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
)
from tests.integration.bidding.test_opening import run_close
from trading import db

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def test_a_custodian_submits_its_share_from_the_browser(live_server, browser,
                                                         tmp_path: Path) -> None:
    scenario = make_tender(prefix="cpg")
    publish_now(scenario, db_now() + AHEAD)
    client = httpx.Client(base_url=live_server, timeout=30)
    for bidder, price in zip(scenario.bidders, (98_000_000, 99_000_000, 97_000_000),
                             strict=True):
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(price)))
        assert answer.status_code == 201, answer.text
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    key_file = tmp_path / "my-key.json"
    custody.save_key_file(key_file, scenario.keys[scenario.custodians[0]], "保管人口令",
                          iterations=FAST_KDF)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "cpg-cust0", PASSWORD)
    page.goto(f"{live_server}/custody/bidding/tenders/{scenario.tender_id}")
    assert "已完成" in page.locator("#ceremony-phase").inner_text()
    page.get_by_label("保管人密钥文件").set_input_files(str(key_file))
    page.get_by_label("口令").fill("保管人口令")
    page.get_by_role("button", name="计算并提交份额").click()
    page.locator("#share-count").filter(has_text="1 / 2").wait_for(timeout=30_000)
    context.close()
    with db.read_only() as session:
        [member] = [m for m in lookup.panel_of(session, scenario.tender_id)
                    if m.user_id == scenario.custodians[0]]
        assert member.share is not None and not member.share_bad
