"""Writes the log export (format in ``supervision.verifier``) from the database, streaming.

The export ends at a signed checkpoint: entries after the newest checkpoint are covered by no
signature, so the operator's CLI signs one first and the portal download stops at the newest.
Each page is read in its own short read-only transaction; entries and nodes never change, so
pages read at different moments still form one consistent prefix of the log.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from supervision import checkpoints, verifier
from supervision.models import LogEntry
from trading import db

PAGE = 2000


def export_lines(upto: int | None = None) -> Iterator[bytes]:
    """The export's lines up to the checkpoint of size ``upto`` (default: the newest)."""
    with db.read_only() as session:
        newest = checkpoints.latest_checkpoint(session) if upto is None else \
            checkpoints.checkpoint_at(session, upto)
    if newest is None:
        raise LookupError("no signed checkpoint yet: run `ggzy log checkpoint` first")
    size = newest.size
    yield verifier.header_line(checkpoints.signing_key().name, checkpoints.log_vkey(), size)
    pending = _checkpoints(size)
    upcoming = next(pending, None)
    count = 0
    while upcoming is not None and upcoming.size == 0:
        yield verifier.checkpoint_line(upcoming.note)
        count, upcoming = count + 1, next(pending, None)
    for seq, canonical, leaf in _entries(size):
        yield verifier.entry_line(canonical, leaf)
        while upcoming is not None and upcoming.size == seq + 1:
            yield verifier.checkpoint_line(upcoming.note)
            count, upcoming = count + 1, next(pending, None)
    yield verifier.end_line(size, count)


def _entries(size: int) -> Iterator[tuple[int, bytes, bytes]]:
    after = -1
    while after + 1 < size:
        with db.read_only() as session:
            rows = session.execute(
                select(LogEntry.seq, LogEntry.canonical, LogEntry.leaf_hash)
                .where(LogEntry.seq > after, LogEntry.seq < size)
                .order_by(LogEntry.seq).limit(PAGE)
            ).all()
        if not rows:
            return
        for row in rows:
            yield row.seq, bytes(row.canonical), bytes(row.leaf_hash)
        after = rows[-1].seq


def _checkpoints(size: int) -> Iterator[checkpoints.SignedCheckpoint]:
    after = -1
    while True:
        with db.read_only() as session:
            page = checkpoints.list_checkpoints(session, after=after, limit=PAGE, upto=size)
        if not page:
            return
        yield from page
        after = page[-1].size
