"""The portal's newest-first list and the change feed read public notices by index under any
plan a connection settles on (the partial index on public notices needs the status named as
a constant, not a parameter)."""

from __future__ import annotations

import pytest

from disclosure import listing
from disclosure.notice_types import NoticeType
from tests.conftest import BACKEND
from tests.integration.disclosure.conftest import publish
from tests.plans import force_generic_plans, table_reads
from trading import db

pytestmark = pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's cached plans")

def test_the_public_list_and_the_feed_read_by_index(database: str) -> None:
    for ref in ("T-101", "T-102", "T-103"):
        publish(NoticeType.TENDER_ANNOUNCEMENT, ref)
    with db.transaction() as session:  # SET LOCAL needs a transaction (read_only autocommits)
        force_generic_plans(session)
        page = listing.list_public(session, listing.Filters(), limit=2)
        feed = listing.changes(session, -1, 10)
        assert table_reads(session, "disclosure_notice")[0] == 0
    assert len(page.items) == 2 and page.next_cursor is not None
    assert len(feed) == 3
