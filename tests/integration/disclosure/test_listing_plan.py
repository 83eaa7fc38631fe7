"""The portal's newest-first list and the change feed read public notices by index under any
plan a connection settles on (the partial index on public notices needs the status named as
a constant, not a parameter)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from disclosure import listing
from disclosure.notice_types import NoticeType
from tests.conftest import BACKEND
from tests.integration.disclosure.conftest import publish
from trading import db

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's cached plans")

GENERIC_PLANS = ("SET LOCAL plan_cache_mode = force_generic_plan",
                 "SET LOCAL enable_seqscan = off")  # an index if one can serve the statement
NOTICE_SCANS = text(
    "SELECT seq_scan FROM pg_stat_xact_user_tables WHERE relname = 'disclosure_notice'")


def test_the_public_list_and_the_feed_read_by_index(database: str) -> None:
    for ref in ("T-101", "T-102", "T-103"):
        publish(NoticeType.TENDER_ANNOUNCEMENT, ref)
    with db.transaction() as session:  # SET LOCAL needs a transaction (read_only autocommits)
        for setting in GENERIC_PLANS:
            session.execute(text(setting))
        page = listing.list_public(session, listing.Filters(), limit=2)
        feed = listing.changes(session, -1, 10)
        assert session.execute(NOTICE_SCANS).scalar_one() == 0
    assert len(page.items) == 2 and page.next_cursor is not None
    assert len(feed) == 3
