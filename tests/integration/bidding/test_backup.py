"""R-25: a bid whose stored bytes were damaged by the platform is withdrawn (撤回) at the
opening; the bidder's backup copy with the receipted digest opens it and revises the record."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from bidding.models import Bid, OpenStatus
from disclosure import services as disclosure
from tests.integration.trading.conftest import csrf_token, login
from trading import db

from .conftest import (
    AHEAD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    log_actions,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    share_body,
    tender_state,
)
from .test_opening import PRICES, open_all_directly, run_close


def test_backup_reupload_opens_a_bid_damaged_by_the_platform(client, storage_dir: Path) -> None:
    scenario = make_tender(prefix="bk")
    publish_now(scenario, db_now() + AHEAD)
    envelopes = {}
    for bidder, price in zip(scenario.bidders, PRICES, strict=True):
        envelopes[bidder] = seal(scenario, bidder, bid_plaintext(price))
        sent = client.put(bid_url(scenario), headers=bearer(bidder), content=envelopes[bidder])
        assert sent.status_code == 201, sent.text
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    owner, other = scenario.bidders[0], scenario.bidders[1]
    with db.read_only() as session:
        damaged = session.scalars(select(Bid).where(
            Bid.tender_id == scenario.tender_id,
            Bid.bidder_id == scenario.bidder_org(owner), Bid.status == "submitted")).one()
    # the platform damages the stored file before the opening (one byte flipped)
    stored = storage_dir / damaged.storage_key
    content = bytearray(stored.read_bytes())
    content[len(content) // 2] ^= 0x01
    stored.write_bytes(bytes(content))
    for custodian in scenario.custodians[:2]:
        client.post(f"/api/v1/tenders/{scenario.tender_id}/shares", headers=bearer(custodian),
                    json=share_body(scenario, custodian))
    open_all_directly(scenario)
    assert tender_state(scenario.tender_id) == "opened"
    with db.read_only() as session:
        bid = session.get(Bid, damaged.id)
        assert bid is not None and bid.open_status == OpenStatus.WITHDRAWN.value
        [published] = [n for n in disclosure.tender_history(session, str(scenario.tender_id))
                       if n.notice_type == "opening_record"]
    url = f"/api/v1/tenders/{scenario.tender_id}/bids/{damaged.id}/backup"
    # another bidder cannot upload for it; a different file is refused with the reason
    assert client.put(url, headers=bearer(other), content=envelopes[owner]).status_code == 404
    wrong = client.put(url, headers=bearer(owner), content=envelopes[other])
    assert wrong.status_code == 422, wrong.text
    assert wrong.json()["title"] == "backup_digest_mismatch"
    assert damaged.envelope_sha256 in wrong.json()["message_zh"]
    assert "SHA-256" in wrong.json()["message_en"]
    # the right copy, from the bidder's page
    assert login(client, "bk-bidder0").status_code == 303
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/bid")
    assert f"/bids/{damaged.id}/backup" in page.text
    token = csrf_token(client, f"/bidding/tenders/{scenario.tender_id}/bid")
    answer = client.post(f"/bidding/tenders/{scenario.tender_id}/bids/{damaged.id}/backup",
                         data={"_csrf_token": token},
                         files={"file": ("bid.env", envelopes[owner], "application/octet-stream")},
                         follow_redirects=False)
    assert answer.status_code == 303, answer.text
    body = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()
    record = body["record"]
    entry = next(b for b in record["sections"][0]["bids"] if b["bid_id"] == str(damaged.id))
    assert entry["status"] == "opened" and entry["price_fen"] == PRICES[0]
    assert record["version"] == 2 and record["previous_sha256"]
    assert body["record_sha256"] != record["previous_sha256"]
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.count("bid.backup_refused") == 1 and "bid.backup_accepted" in actions
    assert "opening.record_revised" in actions and "opening.disclosure_failed" not in actions
    with db.read_only() as session:
        notices = disclosure.tender_history(session, str(scenario.tender_id))
    assert notices[-1].notice_type == "correction" and notices[-1].corrects_id == published.id
    # done once: a second upload is refused
    again = client.put(url, headers=bearer(owner), content=envelopes[owner])
    assert again.status_code == 409 and again.json()["title"] == "not_withdrawn"
    assert len(list(stored.parent.glob(f"{stored.name}.damaged-*"))) == 1  # evidence kept
