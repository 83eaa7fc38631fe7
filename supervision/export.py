"""Writes the log export (format in ``supervision.verifier``) from the database, streaming.

The export ends at a signed checkpoint: entries after the newest checkpoint are covered by no
signature, so the operator's CLI signs one first and the portal download stops at the newest.
``choose_end`` picks another end: the checkpoint of a given size, or the newest one a witness
cosigned (a witness cosigns after the platform signs, so the newest is often not witnessed
yet, and ``ggzy log verify --witness-key`` needs the witnessed one).
Each page is read in its own short read-only transaction; entries and nodes never change, so
pages read at different moments still form one consistent prefix of the log.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from sqlalchemy import func, select

from supervision import checkpoints, services, verifier
from supervision.models import LogCheckpoint, LogEntry
from trading import db
from trading.errors import UserError

PAGE = 2000
MAX_SIZE = 2**63 - 1  # tree sizes are BIGINT


def choose_end(size: int | None = None, witnessed: bool = False,
               witnesses: Sequence[str] = ()) -> int:
    """The size of the signed checkpoint an export is to end at: ``size`` itself, the newest
    checkpoint cosigned by ``witnesses`` (or by any witness), or the newest. ``UserError``
    (400 for bad input, 404 when no such checkpoint exists) names what is wrong."""
    witnessed = witnessed or bool(witnesses)
    if size is not None and witnessed:
        raise UserError("只能指定大小或“截止到已见证的检查点”之一",
                        "give either a size or up-to-witnessed, not both", field="size")
    if size is not None and not 0 <= size <= MAX_SIZE:
        raise UserError(f"树大小须在 0 到 {MAX_SIZE} 之间", f"the size must be 0..{MAX_SIZE}",
                        field="size")
    with db.read_only() as session:
        if size is not None:
            # Measured against the newest signed checkpoint, never the live size, which only
            # signed checkpoints tell (issue 10): 12 and 13 get the same answer.
            if size > services.published_size(session):
                raise UserError(f"没有大小为 {size} 的检查点：超出最新已签名检查点",
                                f"there is no checkpoint of size {size}: beyond the newest "
                                "signed checkpoint", field="size")
            found = checkpoints.checkpoint_at(session, size)
            if found is None:
                below = session.scalar(select(func.max(LogCheckpoint.size))
                                       .where(LogCheckpoint.size < size))
                above = session.scalar(select(func.min(LogCheckpoint.size))
                                       .where(LogCheckpoint.size > size))
                near = [str(n) for n in (below, above) if n is not None]
                raise UserError(f"没有大小为 {size} 的签名检查点（最近的：{'、'.join(near) or '无'}）",
                                f"no signed checkpoint of size {size} (nearest: "
                                f"{', '.join(near) or 'none'})", status=404, field="size",
                                code="not_found")
        elif witnessed:
            found = checkpoints.witnessed_checkpoint(session, witnesses)
            if found is None:
                who = "、".join(witnesses) or "任何见证人"
                raise UserError(f"还没有被{who}联署的检查点",
                                f"no checkpoint is cosigned by {', '.join(witnesses) or 'any witness'} "
                                "yet", status=404, field="witness", code="not_found")
        else:
            found = checkpoints.latest_checkpoint(session)
            if found is None:
                raise UserError("还没有签名检查点：请先运行 ggzy log checkpoint",
                                "no signed checkpoint yet: run `ggzy log checkpoint` first",
                                status=404, code="not_found")
    return found.size


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
