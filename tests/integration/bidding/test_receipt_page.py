"""Issue 13: the receipt as a printable page, for the bidder that made the bid only; the
proof its page checks in the browser (the same check done here in Python)."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.common import b64decode
from supervision import merkle
from supervision import services as supervision
from tests.integration.trading.conftest import login
from trading import clock, db

from .conftest import AHEAD, bearer, bid_plaintext, bid_url, db_now, make_tender, publish_now, seal

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")


def submitted(prefix: str):
    scenario = make_tender(prefix=prefix)
    publish_now(scenario, db_now() + AHEAD)
    bidder = scenario.bidders[0]
    put = {"headers": bearer(bidder), "content": seal(scenario, bidder, bid_plaintext(90_000_000))}
    return scenario, put


def visible_text(html: str) -> str:
    main = html.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return re.sub(r"<[^>]+>", " ", main)


def test_the_receipt_page_shows_what_the_signed_receipt_says_in_words(client) -> None:
    scenario, put = submitted("rcp")
    answer = client.put(bid_url(scenario), **put)
    assert answer.status_code == 201, answer.text
    receipt = answer.json()
    bid_id = receipt["fields"]["receipt_id"]
    assert login(client, "rcp-bidder0").status_code == 303
    bid_page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid").text
    assert f'href="/bids/{bid_id}/receipt"' in bid_page
    page = client.get(f"/bids/{bid_id}/receipt")
    assert page.status_code == 200
    text = visible_text(page.text)
    received = clock.format_local(receipts_time(receipt["fields"]["server_time"]))
    assert "测试工程" in text and "第 1 标段 第一标段" in text and "rcp 投标单位 0" in text
    assert received in text and receipt["fields"]["envelope_sha256"] in text
    assert "已提交" in text and "第 " in text
    assert not UUID.search(text) and not ISO_UTC.search(text)  # no raw ids, no UTC times
    assert f'href="/bids/{bid_id}/receipt.json"' in page.text  # the JSON as a download
    assert "/static/bidding-pages/receipt.css" in page.text
    assert "receipt-check.js" in page.text and "record-check.js" in page.text
    css = client.get("/static/bidding-pages/receipt.css")
    assert css.status_code == 200 and "@media print" in css.text
    assert client.get("/static/bidding-pages/receipt-check.js").status_code == 200
    english = visible_text(client.get(f"/bids/{bid_id}/receipt?lang=en").text)
    assert "Bid submission receipt" in english and "Section 1: 第一标段" in english
    assert "：" not in english and "（" not in english
    # The downloaded JSON is the signed receipt.
    download = client.get(f"/bids/{bid_id}/receipt.json")
    assert "attachment" in download.headers["content-disposition"]
    key = b64decode(client.get("/api/v1/receipts/public-key").json()["public_key_b64"])
    receipts.verify_receipt(receipts.Receipt.from_dict(download.json()), key)


def receipts_time(value: str):
    import datetime as dt

    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_another_bidder_gets_404_and_another_role_403(client) -> None:
    scenario, put = submitted("rco")
    bid_id = client.put(bid_url(scenario), **put).json()["fields"]["receipt_id"]
    assert login(client, "rco-bidder1").status_code == 303  # another bidder organization
    for path in (f"/bids/{bid_id}/receipt", f"/bids/{bid_id}/receipt/proof",
                 f"/bids/{bid_id}/receipt.json"):
        assert client.get(path).status_code == 404, path
    assert client.get(f"/bids/{uuid.uuid4()}/receipt").status_code == 404
    client.cookies.clear()
    assert login(client, "rco-tenderee").status_code == 303  # not a bidder
    for path in (f"/bids/{bid_id}/receipt", f"/bids/{bid_id}/receipt/proof"):
        assert client.get(path).status_code == 403, path
    client.cookies.clear()
    anonymous = client.get(f"/bids/{bid_id}/receipt", follow_redirects=False)
    assert anonymous.status_code in (303, 401, 403)


def test_the_proof_is_the_bid_entry_in_a_signed_checkpoint(client) -> None:
    scenario, put = submitted("rcv")
    receipt = client.put(bid_url(scenario), **put).json()
    fields = receipt["fields"]
    bid_id = fields["receipt_id"]
    assert login(client, "rcv-bidder0").status_code == 303
    first = client.get(f"/bids/{bid_id}/receipt/proof").json()
    assert first["state"] in ("pending", "unsigned")  # no checkpoint covers it yet
    with db.transaction() as session:
        supervision.integrate_soon()
        supervision.checkpoint_now(session, "test")
    proof = client.get(f"/bids/{bid_id}/receipt/proof").json()
    assert proof["state"] == "proven"
    # What receipt-check.js does, in Python.
    entry = json.loads(proof["canonical_entry"])
    assert entry["action"] == "bid.submitted" and entry["seq"] == proof["log_index"]
    assert entry["body"]["bid"] == bid_id
    assert entry["body"]["envelope_sha256"] == fields["envelope_sha256"]
    assert entry["body"]["promise"] == fields["log_promise"]
    leaf = hashlib.sha256(b"\x00" + proof["canonical_entry"].encode()).digest()
    root = b64decode(proof["checkpoint"].split("\n")[2])
    path = [bytes.fromhex(p) for p in proof["audit_path"]]
    merkle.verify_inclusion(leaf, proof["log_index"], proof["tree_size"], path, root)
    page = visible_text(client.get(f"/bids/{bid_id}/receipt").text)
    assert f"监督日志第 {proof['log_index']} 条" in " ".join(page.split())
    # the log entry names no bidder: only the commitment
    assert "commitment" in entry["body"] and "bidder" not in entry["body"]
