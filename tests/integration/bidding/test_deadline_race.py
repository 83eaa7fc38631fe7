"""The deadline race: bids committing concurrently across the deadline while the closing runs.

Exactly the bids whose transaction passed the deadline check (database clock, last statement
before the commit) are accepted; every accepted bid has a receipt dated before the deadline and
is on the list the closing froze; every refused one was refused with a server time at or after
the deadline (or, once closed, because the tender no longer takes bids), and left no row.

Real time is the point here: the threads race the database clock across the deadline. The test
clock only puts the deadline just ahead once the slow preparation (sealing every bid) is done,
so that a loaded machine cannot eat the lead time before the race starts.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid

import pytest
from sqlalchemy import select, update

from bidding import lookup
from bidding.models import Bid, BidStatus, Tender
from bidding.opening import closing
from bidding.sealing.crypto import receipts
from bidding.submission import intake, storing
from bidding.tendering import tenders
from supervision import services as log
from tests import clock as test_clock
from tests.conftest import BACKEND
from tests.locks import until_waiting_for_a_lock
from trading import db, jobs
from trading.audit import Actor
from trading.errors import UserError

from .conftest import (
    AHEAD,
    db_now,
    make_tender,
    publish_now,
    sealed_upload,
)

BIDDERS = 16 if BACKEND == "postgresql" else 8
# The submissions are spread evenly over this span, centred on the deadline: wide enough that
# on a loaded machine the first ones still commit before it (and the last ones cannot).
SPREAD = dt.timedelta(seconds=2)
# How long before the deadline the test clock is put once the bids are sealed.
LEAD = dt.timedelta(seconds=2)


def test_bids_across_the_deadline(database: str) -> None:
    scenario = make_tender(bidders=BIDDERS, prefix="race")
    deadline = db_now() + AHEAD
    publish_now(scenario, deadline)
    incoming = [(bidder, sealed_upload(scenario, bidder, 1_000 + index))
                for index, bidder in enumerate(scenario.bidders)]
    accepted: dict[uuid.UUID, storing.Accepted] = {}
    refused: list[UserError] = []
    lock = threading.Lock()
    test_clock.set_now(deadline - LEAD)  # everything is ready: the race starts in real time
    start = time.monotonic() + (deadline - db_now() - SPREAD / 2).total_seconds()

    def submit(index: int, bidder: uuid.UUID, upload: intake.IncomingBid) -> None:
        time.sleep(max(0.0, start + index * SPREAD.total_seconds() / BIDDERS - time.monotonic()))
        try:
            result = storing.accept(Actor(str(bidder), "bidder"), upload)
        except UserError as error:
            with lock:
                refused.append(error)
        else:
            with lock:
                accepted[result.bid_id] = result

    def close() -> None:
        while db_now() < deadline:
            time.sleep(0.001)
        with db.transaction() as session:
            job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
            assert job is not None
            closing.close(session, job)

    threads = [threading.Thread(target=submit, args=(i, b, u)) for i, (b, u) in enumerate(incoming)]
    threads.append(threading.Thread(target=close))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(accepted) + len(refused) == BIDDERS
    assert accepted and refused, "the spread must straddle the deadline"
    for result in accepted.values():
        assert result.received_at < deadline
        receipt = receipts.Receipt.from_json(result.receipt)
        receipts.verify_receipt(receipt, receipts.platform_receipt_public_key())
    for error in refused:
        assert error.code in ("deadline_passed", "conflict"), error
    with db.read_only() as session:
        rows = {b.id for b in session.scalars(select(Bid).where(
            Bid.tender_id == scenario.tender_id))}
        frozen = log.entries(session, action="opening.bids_frozen")
    assert rows == set(accepted)  # nothing stored for a refused bid
    assert len(frozen) == 1
    assert {uuid.UUID(b["bid"]) for b in frozen[0].body["bids"]} == set(accepted)


@pytest.mark.skipif(BACKEND != "postgresql", reason="concurrent writers need PostgreSQL")
def test_a_replacement_waits_for_the_closing_without_holding_the_bid(database: str) -> None:
    """The closing holds the tender row and then updates its bids; a replacement arriving
    meanwhile must wait for the tender before it touches the bid it replaces, or the two
    would deadlock (PostgreSQL would abort one of them after a second)."""
    scenario = make_tender(bidders=1, prefix="lockorder")
    publish_now(scenario, db_now() + AHEAD)
    bidder = scenario.bidders[0]
    first = storing.accept(Actor(str(bidder), "bidder"), sealed_upload(scenario, bidder, 1_000))
    replacement = sealed_upload(scenario, bidder, 900)
    outcome: list[object] = []
    with db.transaction() as closing_session:  # what the closing does, in its order
        closing_session.execute(update(Tender).where(Tender.id == scenario.tender_id)
                                .values(state=Tender.state))
        thread = threading.Thread(target=lambda: outcome.append(_accept_or_error(
            bidder, replacement)))
        thread.start()
        assert until_waiting_for_a_lock(), "the replacement should wait for the tender row"
        frozen = closing_session.execute(update(Bid).where(
            Bid.tender_id == scenario.tender_id, Bid.status == BidStatus.SUBMITTED.value)
            .values(open_status=Bid.open_status))  # must not wait for the replacement
        assert frozen.rowcount == 1
        closing_session.rollback()
    thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], storing.Accepted), outcome
    with db.read_only() as session:
        rows = session.execute(select(Bid.id, Bid.status)
                               .where(Bid.tender_id == scenario.tender_id))
        statuses = {row.id: row.status for row in rows}
    assert statuses == {first.bid_id: BidStatus.SUPERSEDED.value,
                        outcome[0].bid_id: BidStatus.SUBMITTED.value}


def _accept_or_error(bidder: uuid.UUID, upload: intake.IncomingBid) -> object:
    try:
        return storing.accept(Actor(str(bidder), "bidder"), upload)
    except Exception as error:  # the test reports whatever the store raised
        return error
