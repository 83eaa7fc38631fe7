"""A bid's store reads only the bid it replaces, however many bids the platform holds.

The store supersedes the bidder's live bid in the section. The partial unique index on live
bids (``uq_bid_live_section_bidder``) finds it, but only if the statement names the live status
as a constant: after five executions on a connection, psycopg prepares a statement and
PostgreSQL may settle on one generic plan for every parameter value, and such a plan cannot use
an index whose predicate depends on a parameter. Until 2026-12-07 it then read every bid of
every tender for every submission (``make bench`` (a): 8 million rows read in 10 s).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bidding.models import Bid, BidStatus
from bidding.submission import intake, storing
from tests.conftest import BACKEND
from tests.plans import force_generic_plans, table_reads
from trading import db
from trading.audit import Actor

from .conftest import AHEAD, current, db_now, make_tender, publish_now, sealed_upload

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's cached plans")


def test_a_replacement_finds_the_bid_it_replaces_by_index(database: str) -> None:
    scenario = make_tender(bidders=2, prefix="plan")
    publish_now(scenario, db_now() + AHEAD)
    first, other = scenario.bidders
    replaced = storing.accept(Actor(str(first), "bidder"), sealed_upload(scenario, first, 1_000))
    storing.accept(Actor(str(other), "bidder"), sealed_upload(scenario, other, 1_100))
    replacement = sealed_upload(scenario, first, 900)
    with db.transaction() as session:
        force_generic_plans(session)
        accepted, _ = storing.store_in(session, Actor(str(first), "bidder"), replacement)
        assert table_reads(session, "bid")[0] == 0
    with db.read_only() as session:
        statuses = {bid.id: bid.status for bid in session.scalars(
            select(Bid).where(Bid.tender_id == scenario.tender_id))}
    assert statuses[replaced.bid_id] == BidStatus.SUPERSEDED.value
    assert statuses[accepted.bid_id] == BidStatus.SUBMITTED.value
    assert list(statuses.values()).count(BidStatus.SUBMITTED.value) == 2


def test_a_withdrawal_finds_the_live_bid_by_index(database: str) -> None:
    scenario = make_tender(bidders=2, prefix="planw")
    publish_now(scenario, db_now() + AHEAD)
    first, other = scenario.bidders
    withdrawn = storing.accept(Actor(str(first), "bidder"), sealed_upload(scenario, first, 1_000))
    kept = storing.accept(Actor(str(other), "bidder"), sealed_upload(scenario, other, 1_100))
    with db.transaction() as session:
        force_generic_plans(session)
        intake.withdraw(session, Actor(str(first), "bidder"), current(first),
                        scenario.tender_id, scenario.section_id)
        assert table_reads(session, "bid")[0] == 0
    with db.read_only() as session:
        assert session.get_one(Bid, withdrawn.bid_id).status == BidStatus.WITHDRAWN.value
        assert session.get_one(Bid, kept.bid_id).status == BidStatus.SUBMITTED.value


def test_my_bids_reads_only_the_bidders_own(database: str) -> None:
    """``my-bids`` runs once per bidder in a spike: it must not read the tender's other bids."""
    scenario = make_tender(bidders=3, prefix="planm")
    publish_now(scenario, db_now() + AHEAD)
    mine, *others = scenario.bidders
    for index, bidder in enumerate(others):
        storing.accept(Actor(str(bidder), "bidder"), sealed_upload(scenario, bidder, 1_100 + index))
    # One bid of its own: a replacement would leave the first version's dead row in the index.
    own = [storing.accept(Actor(str(mine), "bidder"), sealed_upload(scenario, mine, 1_000)).bid_id]
    with db.transaction() as session:
        force_generic_plans(session)
        found = intake.bids_of_bidder(session, scenario.tender_id, scenario.bidder_org(mine))
        scans, fetched = table_reads(session, "bid")
    assert [bid.id for bid in found] == own
    assert (scans, fetched) == (0, len(own))
