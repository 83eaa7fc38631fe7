"""A newcomer bids in the browser: seals the bid in Chromium (seal.js), uploads it with a progress
bar, gets a signed receipt; after the deadline the bid opens in Python and is on the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bidding.sealing.crypto import receipts
from tests import clock as test_clock
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
    seal,
    share_body,
)
from tests.integration.bidding.test_key_binding import (
    announce,
    forge_log_entry,
    forge_notice,
    rebuild_tree,
    swap_key,
)
from tests.integration.bidding.test_opening import open_all_directly, run_close

# A real server process (and a browser): a time limit, so that a hang fails the test.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300), pytest.mark.usefixtures("bid_storage")]


def test_newcomer_seals_and_submits_in_the_browser(live_server, browser, tmp_path: Path) -> None:
    import httpx

    scenario = make_tender(prefix="e2e")
    publish_now(scenario, db_now() + AHEAD)
    notice_id = announce(scenario)
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, "e2e-bidder0", PASSWORD)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/bid")
    # The page checks the key against the logged announcement before anything is sealed.
    status = page.locator("#record-check.record-ok")
    status.wait_for(timeout=30_000)
    assert "开标公钥已与招标公告核对一致" in status.inner_text()
    assert scenario.key_id[:4] + " " + scenario.key_id[4:8] in status.inner_text()
    assert status.locator("a").get_attribute("href") == f"/notices/{notice_id}"
    attachment = tmp_path / "技术标.pdf"
    attachment.write_bytes(b"%PDF-1.7 technical bid " * 5000)
    page.get_by_label("投标报价（元）").fill("987,654.32")
    page.get_by_label("工期（日历天）").fill("280")
    page.get_by_label("投标文件附件").set_input_files(str(attachment))
    page.get_by_role("button", name="加密并提交").click()
    receipt_box = page.locator(".bid-receipt pre")
    receipt_box.wait_for(state="visible", timeout=30_000)
    receipt = receipts.Receipt.from_dict(json.loads(receipt_box.inner_text()))
    receipts.verify_receipt(receipt, receipts.platform_receipt_public_key())
    assert receipt.fields["tender_id"] == str(scenario.tender_id)
    assert page.locator(".bid-progress").get_attribute("value") == "100"
    assert page.locator(".receipt-page-link").get_attribute("href") == \
        f"/bids/{receipt.fields['receipt_id']}/receipt"
    with page.expect_download() as download:
        page.locator(".receipt-link").click()
    assert json.loads(Path(download.value.path()).read_text())["signature"] == \
        json.loads(receipt_box.inner_text())["signature"]
    context.close()
    # two more bidders through the API (as the CLI would), then the deadline and the opening
    client = httpx.Client(base_url=live_server)
    for bidder, price in zip(scenario.bidders[1:], (99_000_000, 101_000_000), strict=True):
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(price)))
        assert answer.status_code == 201, answer.text
    pass_deadline(scenario.tender_id)  # the server reads the moved clock too
    run_close(scenario)
    for custodian in scenario.custodians[:2]:
        answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/shares",
                             headers=bearer(custodian), json=share_body(scenario, custodian))
        assert answer.status_code == 201, answer.text
    open_all_directly(scenario)
    record = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()["record"]
    browser_bid = [b for b in record["sections"][0]["bids"]
                   if b["bid_id"] == receipt.fields["receipt_id"]]
    assert browser_bid and browser_bid[0]["status"] == "opened"
    assert browser_bid[0]["price_fen"] == 98_765_432 and browser_bid[0]["duration_days"] == 280
    # The opening record on a 390 px phone: every bid a card with each value under its column's
    # name, nothing wider than the screen.
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True)
    page = phone.new_page()
    log_in(page, live_server, "e2e-bidder0", PASSWORD)
    page.goto(f"{live_server}/bidding/tenders/{scenario.tender_id}/opening")
    rows = page.locator("#record-1 .record-row")
    assert rows.count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    price = rows.first.locator("td").nth(1)
    label = page.evaluate("td => getComputedStyle(td, '::before').content", price.element_handle())
    assert price.is_visible() and label == '"投标报价（元）"'
    box = rows.first.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone.close()


def test_the_bid_page_refuses_a_key_not_on_the_record(live_server, browser) -> None:
    """A DBA swaps the tender's key, then also forges the announcement, the log entry and the
    whole tree: at every depth the bid page refuses to seal, says why and tells the bidder not
    to bid; nothing reaches the platform."""
    import rfc8785
    from sqlalchemy import func, select

    from bidding.models import Bid
    from trading import db

    scenario = make_tender(prefix="e2r")
    publish_now(scenario, db_now() + AHEAD)
    notice_id = announce(scenario)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    log_in(page, live_server, "e2r-bidder0", PASSWORD)
    bid_page = f"{live_server}/bidding/tenders/{scenario.tender_id}/bid"
    page.goto(bid_page)
    page.locator("#record-check.record-ok").wait_for(timeout=30_000)
    # The browser's RFC 8785 is the server's, on awkward input (escapes, UTF-16 key order).
    awkward = {"\U0001f600": 1, "\ufffd": [None, True, -7, 10**15], "a\u2028": "\x1f\"\\/é€",
               "": {"z": "", "Z": 0}}
    assert page.evaluate("v => GgzyRecordCheck.canonicalJson(v)", awkward) == \
        rfc8785.dumps(awkward).decode()

    def refused(expected: str) -> None:
        page.goto(bid_page)
        box = page.locator("#record-check.error-message")
        box.wait_for(timeout=30_000)
        assert expected in box.inner_text() and "请勿投标，并联系交易中心" in box.inner_text()
        page.get_by_label("投标报价（元）").fill("980000")
        page.get_by_label("工期（日历天）").fill("280")
        page.get_by_role("button", name="加密并提交").click()
        error = page.locator(".bid-error")
        error.wait_for(state="visible", timeout=30_000)
        assert expected in error.inner_text() and "Do not bid" in error.inner_text()
        assert page.locator(".bid-receipt").is_hidden()

    public, key_id = swap_key(scenario)
    refused("本页的开标公钥与招标公告载明的开标公钥不同")
    forge_notice(notice_id, public, key_id)
    refused("公告内容与监督日志记录的摘要不符")
    forge_log_entry(notice_id)
    refused("公告的日志条目不在已签名的检查点中")
    rebuild_tree()
    refused("检查点签名无效")
    context.close()
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(Bid).where(
            Bid.tender_id == scenario.tender_id)) == 0


def _record(client, scenario) -> list[tuple[object, ...]]:
    record = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()["record"]
    return sorted((b["price_fen"], b["duration_days"], b["quality"], b["status"])
                  for s in record["sections"] for b in s["bids"])


def _open(client, scenario) -> None:
    pass_deadline(scenario.tender_id)  # the server reads the moved clock too
    run_close(scenario)


def test_cli_and_api_give_the_same_record(live_server, tmp_path: Path) -> None:
    """The bidder's and custodian's CLI (bidding/cli/) against a real server, and the same
    bids sent straight to the JSON API: the same opening record."""
    import httpx
    from click.testing import CliRunner

    from bidding.cli.bidder import yuan_to_fen
    from bidding.sealing.crypto import custody
    from trading.cli import main

    prices = ("980000.00", "955000", "1012500.5")
    client = httpx.Client(base_url=live_server, timeout=30)
    # 1. through the JSON API
    api = make_tender(prefix="capi")
    publish_now(api, db_now() + AHEAD)
    for bidder, price in zip(api.bidders, prices, strict=True):
        fen = yuan_to_fen(price)
        plaintext = json.dumps({"format": "ggzy-bid/1", "price_fen": fen, "duration_days": 200,
                                "quality": "合格", "items": {}}, ensure_ascii=False).encode()
        answer = client.put(bid_url(api), headers=bearer(bidder),
                            content=seal(api, bidder, plaintext + b"\n"))
        assert answer.status_code == 201, answer.text
    _open(client, api)
    for custodian in api.custodians[:2]:
        client.post(f"/api/v1/tenders/{api.tender_id}/shares", headers=bearer(custodian),
                    json=share_body(api, custodian))
    open_all_directly(api)
    # 2. through the CLI
    cli = make_tender(prefix="ccli")
    publish_now(cli, db_now() + AHEAD)
    announce(cli)  # `bid seal` checks the key against it
    runner = CliRunner()
    attachment = tmp_path / "bid.pdf"
    attachment.write_bytes(b"%PDF-1.7 attachment")
    for index, (bidder, price) in enumerate(zip(cli.bidders, prices, strict=True)):
        token = bearer(bidder)["Authorization"].split()[1]
        envelope = tmp_path / f"bid{index}.env"
        sealed = runner.invoke(main, [
            "bid", "seal", "--tender-key", f"{live_server}/api/v1/tenders/{cli.tender_id}",
            "--token", token, "--price", price, "--duration-days", "200", "--quality", "合格",
            str(attachment), str(envelope)])
        assert sealed.exit_code == 0, sealed.output
        submitted = runner.invoke(main, ["bid", "submit", "--url", live_server, "--token", token,
                                         str(envelope)])
        assert submitted.exit_code == 0, submitted.output
    _open(client, cli)
    for index, custodian in enumerate(cli.custodians[:2]):
        key_file = tmp_path / f"custodian{index}.json"
        custody.save_key_file(key_file, cli.keys[custodian], "pass phrase",
                              iterations=custody.MIN_KDF_ITERATIONS)
        token = bearer(custodian)["Authorization"].split()[1]
        opened = runner.invoke(main, [
            "custody", "open-share", "--url", live_server, "--token", token,
            "--tender", str(cli.tender_id), "--key", str(key_file)],
            env={"GGZY_KEY_PASSPHRASE": "pass phrase"})
        assert opened.exit_code == 0, opened.output
    open_all_directly(cli)
    assert _record(client, cli) == _record(client, api)
    assert [row[0] for row in _record(client, cli)] == [95_500_000, 98_000_000, 101_250_050]


def test_bidder_decrypts_in_the_browser_and_the_cli(live_server, browser, tmp_path: Path) -> None:
    """Bidder-decrypts mode end to end: bidder 0 makes its key on the bid page, seals with it
    and later unseals and submits its half there; bidder 1 uses the CLI (``keygen --decrypt``,
    ``seal --bidder-key``, ``open-half``); bidder 2 never submits its half and is revoked."""
    import io

    import httpx
    from click.testing import CliRunner
    from Crypto.PublicKey import ECC
    from sqlalchemy import select, update

    from bidding import lookup
    from bidding.models import Bid, Tender
    from bidding.opening import decryption, halves
    from bidding.sealing.crypto.envelope import seal_stream
    from trading import db, jobs
    from trading.cli import main

    scenario = make_tender(prefix="bde")
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            bidder_decrypts=True))
    publish_now(scenario, db_now() + AHEAD)
    announce(scenario)  # the page and `bid seal` check the key against it
    context = browser.new_context(locale="zh-CN", accept_downloads=True)
    page = context.new_page()
    log_in(page, live_server, "bde-bidder0", PASSWORD)
    bid_page = f"{live_server}/bidding/tenders/{scenario.tender_id}/bid"
    page.goto(bid_page)
    with page.expect_download() as download:
        page.locator("button.bidder-keygen").click()
    key_file = tmp_path / "browser-key.json"
    download.value.save_as(key_file)
    assert json.loads(key_file.read_text())["format"] == "ggzy-bidder-decrypt-key/1"
    page.get_by_label("投标报价（元）").fill("980000")
    page.get_by_label("工期（日历天）").fill("280")
    page.locator(f"#bidder-key-{scenario.section_id}").set_input_files(str(key_file))
    page.get_by_role("button", name="加密并提交").click()
    page.locator(".bid-receipt pre").wait_for(state="visible", timeout=30_000)

    runner = CliRunner()
    attachment = tmp_path / "bid1.pdf"
    attachment.write_bytes(b"%PDF-1.7 bidder decrypts")
    cli_key = tmp_path / "cli-key.pem"
    env = {"GGZY_KEY_PASSPHRASE": "pass phrase"}
    made = runner.invoke(main, ["bid", "keygen", "--decrypt", "--out", str(cli_key)], env=env)
    assert made.exit_code == 0, made.output
    token1 = bearer(scenario.bidders[1])["Authorization"].split()[1]
    cli_envelope = tmp_path / "bid1.env"
    sealed = runner.invoke(main, [
        "bid", "seal", "--tender-key", f"{live_server}/api/v1/tenders/{scenario.tender_id}",
        "--token", token1, "--price", "955000", "--bidder-key", str(cli_key),
        str(attachment), str(cli_envelope)], env=env)
    assert sealed.exit_code == 0, sealed.output
    assert runner.invoke(main, ["bid", "submit", "--url", live_server, "--token", token1,
                                str(cli_envelope)]).exit_code == 0
    client = httpx.Client(base_url=live_server, timeout=30)
    out = io.BytesIO()
    third = scenario.bidders[2]
    seal_stream(io.BytesIO(bid_plaintext(101_000_000)), out, opening_public_key=scenario.public_key,
                tender_id=str(scenario.tender_id), section_id=str(scenario.section_id),
                bidder_id=str(scenario.bidder_org(third)), key_id=scenario.key_id,
                bidder_public_key=ECC.generate(curve="p256").public_key().export_key(format="raw"))
    assert client.put(bid_url(scenario), headers=bearer(third),
                      content=out.getvalue()).status_code == 201

    pass_deadline(scenario.tender_id)  # the server reads the moved clock too
    run_close(scenario)
    for custodian in scenario.custodians[:2]:
        answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/shares",
                             headers=bearer(custodian), json=share_body(scenario, custodian))
        assert answer.status_code == 201, answer.text
    opened = runner.invoke(main, ["bid", "open-half", "--url", live_server, "--token", token1,
                                  "--key", str(cli_key), str(cli_envelope)], env=env)
    assert opened.exit_code == 0, opened.output
    page.goto(bid_page)
    with db.read_only() as session:
        bid_id = session.scalars(select(Bid.id).where(
            Bid.bidder_id == scenario.bidder_org(scenario.bidders[0]))).one()
    page.locator(f"#half-key-{bid_id}").set_input_files(str(key_file))
    page.get_by_role("button", name="解开并提交密钥半份").click()
    page.get_by_text("密钥半份已提交").wait_for(timeout=30_000)
    context.close()

    with db.read_only() as session:  # the window ends: 30 minutes pass
        halves_due = lookup.get_tender(session, scenario.tender_id).halves_due_at
    assert halves_due is not None
    test_clock.advance_past(halves_due)
    for kind, handler in ((halves.HALVES_JOB, halves.close_window),
                          (decryption.OPEN_JOB, decryption.start)):
        with db.transaction() as session:
            job = jobs.get_job(session, kind, lookup.job_subject(scenario.tender_id))
            assert job is not None
            handler(session, job)
    open_all_directly(scenario)
    record = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()["record"]
    rows = sorted((b["price_fen"] or 0, b["status"]) for b in record["sections"][0]["bids"])
    assert rows == [(0, "revoked"), (95_500_000, "opened"), (98_000_000, "opened")]
