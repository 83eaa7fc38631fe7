"""Submission (R-20..R-22, R-26): streamed, checked, stored, receipted; refusals store nothing."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bidding.models import Bid
from bidding.sealing.crypto import receipts
from supervision import services as supervision
from trading import db
from trading.accounts.models import OrganizationKind, Role

from .conftest import (
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    log_actions,
    make_tender,
    make_user,
    publish_now,
    seal,
    set_deadline,
)


@pytest.fixture
def scenario(database: str) -> Scenario:
    s = make_tender()
    publish_now(s, db_now() + dt.timedelta(hours=1))
    return s


def bid_count() -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(Bid)) or 0


def stored_files(storage: Path) -> list[Path]:
    return [p for p in (storage / "bids").rglob("*") if p.is_file()] if storage.exists() else []


def test_bid_is_stored_logged_and_receipted(client, scenario: Scenario, storage_dir: Path) -> None:
    bidder = scenario.bidders[0]
    envelope = seal(scenario, bidder, bid_plaintext(99_000_000, "secret"))
    answer = client.put(bid_url(scenario), content=envelope, headers=bearer(bidder))
    assert answer.status_code == 201, answer.text
    receipt = receipts.Receipt.from_dict(answer.json())
    receipts.verify_receipt(receipt, receipts.platform_receipt_public_key())
    assert receipt.fields["tender_id"] == str(scenario.tender_id)
    assert isinstance(receipt.fields["log_promise"], int)
    import hashlib

    assert receipt.fields["envelope_sha256"] == hashlib.sha256(envelope).hexdigest()
    assert len(stored_files(storage_dir)) == 1
    assert "bid.submitted" not in log_actions(f"tender/{scenario.tender_id}")  # promised
    supervision.integrate_soon()  # the dispatcher's sequencer round
    assert "bid.submitted" in log_actions(f"tender/{scenario.tender_id}")
    # the receipt's key is published
    key = client.get("/api/v1/receipts/public-key").json()
    assert key["key_id"] == receipt.key_id


def test_replace_supersedes_and_withdraw(client, scenario: Scenario) -> None:
    bidder = scenario.bidders[0]
    headers = bearer(bidder)
    first = client.put(bid_url(scenario), content=seal(scenario, bidder, bid_plaintext(1)),
                       headers=headers)
    second = client.put(bid_url(scenario), content=seal(scenario, bidder, bid_plaintext(2)),
                        headers=headers)
    assert first.status_code == second.status_code == 201
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids", headers=headers).json()
    assert sorted(b["status"] for b in mine) == ["submitted", "superseded"]
    gone = client.delete(bid_url(scenario), headers=headers)
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    # another bidder sees none of them
    other = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids",
                       headers=bearer(scenario.bidders[1])).json()
    assert other == []


def test_late_bid_is_refused_with_deadline_and_server_time(client, scenario: Scenario,
                                                           storage_dir: Path) -> None:
    bidder = scenario.bidders[0]
    envelope = seal(scenario, bidder, bid_plaintext(5))
    set_deadline(scenario.tender_id, db_now() - dt.timedelta(milliseconds=1))
    answer = client.put(bid_url(scenario), content=envelope, headers=bearer(bidder))
    assert answer.status_code == 409
    body = answer.json()
    assert body["title"] == "deadline_passed"
    assert "服务器时间" in body["message_zh"] and "server time" in body["message_en"]
    assert bid_count() == 0 and stored_files(storage_dir) == []


def _refused(client, scenario: Scenario, storage: Path, content: bytes, status: int,
             code: str) -> None:
    answer = client.put(bid_url(scenario), content=content, headers=bearer(scenario.bidders[0]))
    assert answer.status_code == status, answer.text
    assert answer.json()["title"] == code
    assert bid_count() == 0
    assert stored_files(storage) == []  # not even a partial upload


def test_unencrypted_bid_is_refused(client, scenario: Scenario, storage_dir: Path) -> None:
    _refused(client, scenario, storage_dir, b"%PDF-1.7 my plain bid", 422, "envelope_not_encrypted")


def test_truncated_envelope_is_refused(client, scenario: Scenario, storage_dir: Path) -> None:
    envelope = seal(scenario, scenario.bidders[0], bid_plaintext(5) * 50)
    _refused(client, scenario, storage_dir, envelope[:-10], 422, "envelope_truncated")


def test_malformed_envelope_is_refused(client, scenario: Scenario, storage_dir: Path) -> None:
    envelope = bytearray(seal(scenario, scenario.bidders[0], bid_plaintext(5)))
    envelope[9] = 7  # the version byte
    answer = client.put(bid_url(scenario), content=bytes(envelope),
                        headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 422 and answer.json()["title"].startswith("envelope_")
    assert bid_count() == 0 and stored_files(storage_dir) == []


def test_foreign_tender_envelope_is_refused(client, scenario: Scenario, storage_dir: Path) -> None:
    envelope = seal(scenario, scenario.bidders[0], bid_plaintext(5), tender_id=uuid.uuid4())
    _refused(client, scenario, storage_dir, envelope, 422, "envelope_wrong_target")


def test_oversize_envelope_is_refused(client, scenario: Scenario, storage_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GGZY_MAX_BID_BYTES", "2000")
    envelope = seal(scenario, scenario.bidders[0], bid_plaintext(5) + b"x" * 5000)
    _refused(client, scenario, storage_dir, envelope, 413, "envelope_too_large")


def test_platform_operator_may_not_bid(client, scenario: Scenario) -> None:
    insider = make_user("insider", Role.BIDDER, OrganizationKind.TRADING_CENTER)
    answer = client.put(bid_url(scenario), content=b"x", headers=bearer(insider))
    assert answer.status_code == 403 and answer.json()["title"] == "R-26"


def test_tender_api_gives_what_the_cli_needs(client, scenario: Scenario) -> None:
    bidder = scenario.bidders[0]
    body = client.get(f"/api/v1/tenders/{scenario.tender_id}", headers=bearer(bidder)).json()
    assert body["opening"]["key_id"] == scenario.key_id
    assert body["opening"]["k"] == 2 and body["opening"]["n"] == 3
    assert body["bidder_id"] == str(scenario.bidder_org(bidder))
    assert body["sections"][0]["id"] == str(scenario.section_id)
    assert "min" not in " ".join(body["sections"][0])  # no minimum price anywhere


@pytest.mark.skipif("os.environ.get('GGZY_TEST_DATABASE', 'sqlite') != 'sqlite'")
def test_a_50_mb_bid_streams(client, scenario: Scenario, storage_dir: Path) -> None:
    """Streaming: a 50 MB envelope is accepted (one backend is enough for the size)."""
    import os

    plaintext = bid_plaintext(7) + os.urandom(50 * 1024 * 1024)
    sealed = seal(scenario, scenario.bidders[0], plaintext)
    del plaintext

    def chunks():
        for start in range(0, len(sealed), 1 << 20):
            yield sealed[start:start + (1 << 20)]

    answer = client.put(bid_url(scenario), content=chunks(),
                        headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 201, answer.text
    assert answer.json()["fields"]["envelope_size"] == len(sealed)
