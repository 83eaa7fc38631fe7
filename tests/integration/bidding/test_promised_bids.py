"""A bid's log entry is a promise (issue 17): the receipt names it, the request does not append
it (the dispatcher's sequencer does, within its merge delay), and the tender's close keeps every
one still waiting first, even when no sequencer round came: nothing receipted is missing from
the log."""

from __future__ import annotations

from sqlalchemy import select

from bidding import lookup
from bidding.models import Bid, BidLogSeal
from bidding.sealing.crypto import receipts
from supervision import checkpoints, export, note, sequencer, services, verifier
from trading import db

from .conftest import (
    AHEAD,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    pass_deadline,
    publish_now,
    run_closing,
    seal,
)


def test_the_close_keeps_every_promise_before_its_own_entry(client) -> None:  # type: ignore[no-untyped-def]
    scenario = make_tender(prefix="pb")
    publish_now(scenario, db_now() + AHEAD)
    headers = {bidder: bearer(bidder) for bidder in scenario.bidders}  # tokens are logged
    promised = []
    for bidder in scenario.bidders:
        answer = client.put(bid_url(scenario), headers=headers[bidder],
                            content=seal(scenario, bidder, bid_plaintext(90_000_000)))
        assert answer.status_code == 201, answer.text
        promised.append(receipts.Receipt.from_dict(answer.json()).fields)
    last = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids",
                      headers=headers[scenario.bidders[-1]]).json()
    assert last[0]["log_promise"] == promised[-1]["log_promise"] and last[0]["log_index"] is None
    with db.read_only() as session:
        assert sequencer.waiting(session) == len(promised)  # the close below must keep them

    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    subject = lookup.subject(scenario.tender_id)
    with db.read_only() as session:
        entries = services.entries(session, subject=subject, limit=100)
        bids = {str(b.id): b for b in session.scalars(
            select(Bid).where(Bid.tender_id == scenario.tender_id))}
        seals = list(session.scalars(select(BidLogSeal)))
    actions = [e.action for e in entries]
    assert actions.index("tender.closed") > max(
        i for i, a in enumerate(actions) if a == "bid.submitted")
    by_promise = {e.body["promise"]: e for e in entries if e.action == "bid.submitted"}
    for receipt in promised:
        entry = by_promise[receipt["log_promise"]]
        assert entry.body["bid"] == receipt["receipt_id"]
        assert entry.body["envelope_sha256"] == receipt["envelope_sha256"]
        assert entry.body["received_at"] == receipt["server_time"]
        assert bids[receipt["receipt_id"]].log_index == entry.seq  # settled at the close
    assert sorted(s.seq for s in seals if s.seq is not None) == sorted(
        e.seq for e in by_promise.values())
    report = verifier.verify_lines(export.export_lines(),
                                   log_key=note.parse_vkey(checkpoints.log_vkey()))
    assert report.error is None and report.ok, report.violations
    last = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids",
                      headers=headers[scenario.bidders[-1]]).json()
    assert last[0]["log_index"] == by_promise[promised[-1]["log_promise"]].seq


def test_a_sequencer_round_appends_what_the_requests_promised(client) -> None:  # type: ignore[no-untyped-def]
    scenario = make_tender(prefix="ps")
    publish_now(scenario, db_now() + AHEAD)
    bidder = scenario.bidders[0]
    headers = bearer(bidder)
    answer = client.put(bid_url(scenario), headers=headers,
                        content=seal(scenario, bidder, bid_plaintext(80_000_000)))
    assert answer.status_code == 201, answer.text
    promise = receipts.Receipt.from_dict(answer.json()).fields["log_promise"]
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids", headers=headers).json()
    assert mine[0]["log_promise"] == promise and mine[0]["log_index"] is None  # promised only

    assert sequencer.integrate_soon() >= 1  # the dispatcher's round, within its merge delay
    with db.read_only() as session:
        appended = sequencer.kept_promises(session, [promise])
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/my-bids", headers=headers).json()
    assert mine[0]["log_index"] == appended[promise]
