"""A bid's store reads only the bid it replaces, however many bids the platform holds.

The store supersedes the bidder's live bid in the section. The partial unique index on live
bids (``uq_bid_live_section_bidder``) finds it, but only if the statement names the live status
as a constant: after five executions on a connection, psycopg prepares a statement and
PostgreSQL may settle on one generic plan for every parameter value, and such a plan cannot use
an index whose predicate depends on a parameter. Until 2026-12-07 it then read every bid of
every tender for every submission (``make bench`` (a): 8 million rows read in 10 s).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select, text

from bidding.models import Bid, BidStatus
from bidding.submission import intake, storing
from tests.conftest import BACKEND
from trading import db
from trading.audit import Actor

from .conftest import AHEAD, Scenario, bid_plaintext, current, db_now, make_tender, publish_now, seal

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's cached plans")

# What a connection may settle on after five executions of a statement, made deterministic.
GENERIC_PLANS = ("SET LOCAL plan_cache_mode = force_generic_plan",
                 "SET LOCAL enable_seqscan = off")  # an index if one can serve the statement
BID_SCANS = text("SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'bid'")


def _upload(scenario: Scenario, bidder: uuid.UUID, price_fen: int) -> intake.IncomingBid:
    with db.read_only() as session:
        target = intake.precheck(session, current(bidder), scenario.tender_id,
                                 scenario.section_id)
    upload = intake.IncomingBid(target)
    upload.write(seal(scenario, bidder, bid_plaintext(price_fen)))
    return upload


def test_a_replacement_finds_the_bid_it_replaces_by_index(database: str) -> None:
    scenario = make_tender(bidders=2, prefix="plan")
    publish_now(scenario, db_now() + AHEAD)
    first, other = scenario.bidders
    replaced = storing.accept(Actor(str(first), "bidder"), _upload(scenario, first, 1_000))
    storing.accept(Actor(str(other), "bidder"), _upload(scenario, other, 1_100))
    replacement = _upload(scenario, first, 900)
    with db.transaction() as session:
        for setting in GENERIC_PLANS:
            session.execute(text(setting))
        accepted, _ = storing.store_in(session, Actor(str(first), "bidder"), replacement)
        assert session.execute(BID_SCANS).scalar_one() == 0
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
    withdrawn = storing.accept(Actor(str(first), "bidder"), _upload(scenario, first, 1_000))
    kept = storing.accept(Actor(str(other), "bidder"), _upload(scenario, other, 1_100))
    with db.transaction() as session:
        for setting in GENERIC_PLANS:
            session.execute(text(setting))
        intake.withdraw(session, Actor(str(first), "bidder"), current(first),
                        scenario.tender_id, scenario.section_id)
        assert session.execute(BID_SCANS).scalar_one() == 0
    with db.read_only() as session:
        assert session.get_one(Bid, withdrawn.bid_id).status == BidStatus.WITHDRAWN.value
        assert session.get_one(Bid, kept.bid_id).status == BidStatus.SUBMITTED.value


BID_FETCHES = text("SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables "
                   "WHERE relname = 'bid'")


def test_my_bids_reads_only_the_bidders_own(database: str) -> None:
    """``my-bids`` runs once per bidder in a spike: it must not read the tender's other bids."""
    scenario = make_tender(bidders=3, prefix="planm")
    publish_now(scenario, db_now() + AHEAD)
    mine, *others = scenario.bidders
    for index, bidder in enumerate(others):
        storing.accept(Actor(str(bidder), "bidder"), _upload(scenario, bidder, 1_100 + index))
    # One bid of its own: a replacement would leave the first version's dead row in the index.
    own = [storing.accept(Actor(str(mine), "bidder"), _upload(scenario, mine, 1_000)).bid_id]
    with db.transaction() as session:
        for setting in GENERIC_PLANS:
            session.execute(text(setting))
        found = intake.bids_of_bidder(session, scenario.tender_id, scenario.bidder_org(mine))
        scans, fetched = session.execute(BID_FETCHES).one()
    assert [bid.id for bid in found] == own
    assert (scans, fetched) == (0, len(own))
