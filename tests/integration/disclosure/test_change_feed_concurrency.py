"""The change feed's cursor is tie-safe: with many publishers committing at once, a client
that polls with the last feed_seq it saw never skips a notice and never sees one twice.

The writers keep their transactions open for a random while after publishing, so that commit
order differs from start order; the reader polls all the time. This is the situation where a
cursor on an id or timestamp assigned before commit would skip rows that commit late.
"""

from __future__ import annotations

import random
import threading
import time

from disclosure import listing, services
from disclosure.notice_types import NoticeType
from tests.integration.disclosure.conftest import STAFF_ACTOR, sample
from trading import db

WRITERS = 6
PER_WRITER = 6


def _writer(index: int, published: list, errors: list) -> None:
    rng = random.Random(index)
    try:
        for n in range(PER_WRITER):
            with db.transaction() as session:
                done = services.publish(
                    session, STAFF_ACTOR, notice_type=NoticeType.FAILED_TENDER,
                    tender_ref=f"C-{index}-{n}", title="流标公告", region="r",
                    category="other", data=sample(NoticeType.FAILED_TENDER))
                time.sleep(rng.uniform(0, 0.02))  # commit late, at random
            published.append(done.id)
    except Exception as error:  # reported to the test thread
        errors.append(error)


def _poll(cursor: int) -> tuple[list, int]:
    with db.read_only() as session:
        items = listing.changes(session, cursor, limit=7)
        return [(n.id, n.feed_seq) for n in items], (items[-1].feed_seq if items else cursor)


def test_no_notice_is_skipped_when_many_commit_at_once(database):
    published: list = []
    errors: list = []
    threads = [threading.Thread(target=_writer, args=(i, published, errors))
               for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    seen: list = []
    cursor = -1
    while any(t.is_alive() for t in threads):
        items, cursor = _poll(cursor)
        seen.extend(items)
    for thread in threads:
        thread.join()
    while True:  # drain what committed after the last poll
        items, cursor = _poll(cursor)
        if not items:
            break
        seen.extend(items)
    assert errors == []
    ids = [ident for ident, _ in seen]
    assert len(ids) == len(set(ids)) == WRITERS * PER_WRITER
    assert set(ids) == set(published)
    seqs = [seq for _, seq in seen]
    assert seqs == sorted(seqs)
