"""The opening: decryption tasks over the frozen bids, in batches (R-23, R-25).

- ``start`` (job ``bidding.open``, scheduled when the key is rebuilt): Celery tasks
  ``bidding.open_bids`` over batches of the frozen bids (``batches``: small enough that every
  worker stays busy to the end, large enough that the fixed cost of a task and of its log
  transaction is shared by several bids), plus a watchdog job that re-sends what is unfinished
  (a lost message or a dead worker never leaves the opening stuck).
- ``open_batch`` (the body of ``bidding.open_bids``): decrypts outside any transaction, then
  one transaction records every outcome of the batch, each by a guarded ``UPDATE bid ... WHERE
  open_status = 'pending'`` (a re-delivered task counts nothing twice) and its own
  ``bid.opened`` entry. The task that opens the last bid writes the opening record and moves
  the tender to ``opened``, under the tender's row lock so two last tasks cannot both (or
  neither) do it.

Bid plaintext format (``ggzy-bid/1``, documented in docs/bidding.md): the plaintext starts
with one line of UTF-8 JSON — ``{"format": "ggzy-bid/1", "price_fen": int, "duration_days":
int, "quality": str, "items": {...}}`` — ended by ``\\n``; attachments follow as raw bytes.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from Crypto.PublicKey.ECC import EccKey
from sqlalchemy import Select, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bidding import config
from bidding.lookup import get_tender, job_subject, subject, tender_id_of
from bidding.models import Bid, OpenStatus, Tender, TenderState
from bidding.opening.notices import OPENING
from bidding.opening.records import finalize
from bidding.sealing.crypto import custody
from bidding.sealing.crypto.envelope import EnvelopeError, ExpectedIds, open_stream
from supervision import services as supervision
from trading import clock, db, jobs
from trading.audit import Actor

if TYPE_CHECKING:
    from celery import Celery


OPEN_TASK = "bidding.open_bid"  # one bid: messages sent before batches existed
OPEN_BATCH_TASK = "bidding.open_bids"
SPREAD = 8
MAX_BATCH = 16
OPEN_JOB = "bidding.open"
WATCH_JOB = "bidding.open_watch"
WATCH_SECONDS = 60
MAX_PLAINTEXT_HEADER = 64 * 1024
PLAINTEXT_FORMAT = "ggzy-bid/1"


# --- fan-out -------------------------------------------------------------------------------


def _sender() -> Celery:
    """The app to publish with: the worker's own inside a task, else the platform's."""
    from celery import current_task

    # current_task is a proxy: falsy outside a task, the running task (and its app) inside.
    if current_task:
        return current_task.app
    from trading.worker import celery_app

    return celery_app


def _pending(tender_id: uuid.UUID) -> Select[uuid.UUID]:
    return select(Bid.id).where(Bid.tender_id == tender_id,
                                Bid.open_status == OpenStatus.PENDING.value)


def pending_bids(session: Session, tender_id: uuid.UUID) -> list[uuid.UUID]:
    return list(session.scalars(_pending(tender_id).order_by(Bid.id)))


def batches(bid_ids: list[uuid.UUID]) -> list[list[uuid.UUID]]:
    """Batches that shrink as the work left does (each a ``SPREAD``-th of what remains, at
    most ``MAX_BATCH``): large ones share a task's and a log transaction's fixed cost among
    several bids; the small ones at the end keep every worker busy until the last bid."""
    result, start = [], 0
    while start < len(bid_ids):
        size = max(1, min(MAX_BATCH, (len(bid_ids) - start) // SPREAD))
        result.append(bid_ids[start:start + size])
        start += size
    return result


def _send_open_tasks(session: Session, bid_ids: list[uuid.UUID]) -> None:
    if not bid_ids:
        return
    app = _sender()

    def send() -> None:
        for batch in batches(bid_ids):
            app.send_task(OPEN_BATCH_TASK, args=[[str(bid_id) for bid_id in batch]])

    jobs.after_commit(session, send)


def start(session: Session, job: jobs.ScheduledJob) -> None:
    """The ``bidding.open`` handler: one decryption task per frozen bid, and the watchdog."""
    tender = get_tender(session, tender_id_of(job.subject))
    if tender.state != TenderState.CLOSED.value or tender.opening_private_key is None:
        return
    bid_ids = pending_bids(session, tender.id)
    supervision.record(session, OPENING, "opening.started", subject(tender.id),
                       {"bids": len(bid_ids)})
    _dispatch_or_finalize(session, tender, bid_ids)


def _dispatch_or_finalize(session: Session, tender: Tender, bid_ids: list[uuid.UUID]) -> None:
    """Send a decryption task per pending bid and re-arm the watchdog; with none left, finish."""
    if not bid_ids:
        finalize(session, tender)
        return
    _send_open_tasks(session, bid_ids)
    jobs.schedule(session, WATCH_JOB, job_subject(tender.id),
                  clock.now(session) + dt.timedelta(seconds=WATCH_SECONDS))


def watch(session: Session, job: jobs.ScheduledJob) -> None:
    """Re-send the tasks of bids still pending (lost message, dead worker); then wait again."""
    tender = get_tender(session, tender_id_of(job.subject))
    if tender.state != TenderState.CLOSED.value:
        return
    _dispatch_or_finalize(session, tender, pending_bids(session, tender.id))


# --- one bid -------------------------------------------------------------------------------


class HeaderSink:
    """Keeps the first line of the plaintext (the announced items); discards the rest, so no
    decrypted attachment is written anywhere by the opening."""

    def __init__(self) -> None:
        self.head = bytearray()
        self.done = False

    def write(self, data: bytes) -> int:
        if not self.done:
            self.head += data[: MAX_PLAINTEXT_HEADER + 1 - len(self.head)]
            self.done = b"\n" in self.head or len(self.head) > MAX_PLAINTEXT_HEADER
        return len(data)


@dataclass(frozen=True)
class Outcome:
    status: OpenStatus
    reason: str | None = None
    price_fen: int | None = None
    announced: dict[str, Any] | None = None


def parse_plaintext_header(head: bytes) -> Outcome:
    """The announced items of a ``ggzy-bid/1`` plaintext; a bidder's fault if malformed."""
    line = head.split(b"\n", 1)[0]
    try:
        document = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return Outcome(OpenStatus.REVOKED, "投标文件首行不是有效的 JSON / the first line is not "
                       "valid JSON")
    price = document.get("price_fen") if isinstance(document, dict) else None
    if not isinstance(price, int) or isinstance(price, bool) or price < 0:
        return Outcome(OpenStatus.REVOKED, "投标文件缺少有效报价 price_fen / no valid price_fen")
    announced = {key: document[key] for key in ("duration_days", "quality", "items")
                 if key in document}
    return Outcome(OpenStatus.OPENED, None, price, announced)


def _expected(bid: Bid, tender: Tender) -> ExpectedIds:
    return ExpectedIds(tender_id=str(tender.id), section_id=str(bid.section_id),
                       bidder_id=str(bid.bidder_id), key_id=tender.opening_key_id,
                       envelope_sha256=bid.envelope_sha256,
                       bid_signature=bid.signature if bid.signer_public_key else None,
                       bidder_public_key=bid.signer_public_key)


def expected_ids(bid: Bid, tender: Tender) -> ExpectedIds:
    """What the opener knows about a frozen bid independently of its envelope."""
    return _expected(bid, tender)


def decrypt(bid: Bid, tender: Tender, key: EccKey | None = None) -> Outcome:
    """Open one envelope; R-25 decides what a failure means. ``key``: the tender's opening
    key already imported (a batch imports it once)."""
    assert tender.opening_private_key is not None
    if tender.bidder_decrypts and bid.bidder_half is None:
        from bidding.opening.halves import MISSING_REASON

        return Outcome(OpenStatus.REVOKED, MISSING_REASON)
    if key is None:
        key = custody.import_opening_private_key(tender.opening_private_key)
    sink = HeaderSink()
    try:
        with open(config.storage_root() / bid.storage_key, "rb", buffering=0) as source:
            open_stream(source, sink, opening_private_key=key,  # type: ignore[arg-type]
                        expected=_expected(bid, tender), bidder_half=bid.bidder_half)
    except FileNotFoundError:
        return Outcome(OpenStatus.WITHDRAWN, "平台未找到存储的投标文件 / the stored envelope is "
                       "missing (platform fault)")
    except EnvelopeError as error:
        status = OpenStatus.WITHDRAWN if error.fault == "platform" else OpenStatus.REVOKED
        return Outcome(status, f"{error.reason_zh} / {error.reason_en}")
    return parse_plaintext_header(bytes(sink.head))


def open_one(bid_id: uuid.UUID) -> str:
    """One bid (``bidding.open_bid``, and tests): ``open_batch`` of that bid alone."""
    return open_batch([bid_id]).get(bid_id, "done")


def open_batch(bid_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The body of ``bidding.open_bids``: idempotent, safe to run twice or concurrently.
    Returns each bid's outcome ("opened", "revoked", ..., "duplicate", "no-key"); bids
    already opened are left out."""
    with db.read_only() as session:
        query = select(Bid).where(Bid.id.in_(bid_ids),
                                  Bid.open_status == OpenStatus.PENDING.value)
        by_tender: dict[uuid.UUID, list[Bid]] = {}
        for bid in session.scalars(query.order_by(Bid.id)):
            by_tender.setdefault(bid.tender_id, []).append(bid)
        decided: dict[uuid.UUID, dict[uuid.UUID, Outcome]] = {}
        results: dict[uuid.UUID, str] = {}
        for tender_id, bids in by_tender.items():  # one tender, unless sent by hand
            tender = get_tender(session, tender_id)
            if tender.opening_private_key is None:
                results.update((bid.id, "no-key") for bid in bids)
                continue
            key = custody.import_opening_private_key(tender.opening_private_key)
            decided[tender_id] = {bid.id: decrypt(bid, tender, key) for bid in bids}
    for tender_id, outcomes in decided.items():
        with db.transaction() as session:
            results.update(_record_outcomes(session, tender_id, outcomes))
    return results


def _record_outcomes(session: Session, tender_id: uuid.UUID,
                     outcomes: dict[uuid.UUID, Outcome]) -> dict[uuid.UUID, str]:
    # Lock the tender first: the last two batches finishing together must serialise here, so
    # that exactly one of them sees "nothing pending" and writes the record.
    tender = get_tender(session, tender_id, lock=True)
    now = clock.now(session)
    results: dict[uuid.UUID, str] = {}
    entries: list[tuple[Actor, str, str, dict[str, Any]]] = []
    for bid_id, outcome in outcomes.items():
        statement = (
            update(Bid).where(Bid.id == bid_id, Bid.open_status == OpenStatus.PENDING.value)
            .values(open_status=outcome.status.value, open_reason=outcome.reason,
                    price_fen=outcome.price_fen, announced=outcome.announced, opened_at=now)
            .execution_options(synchronize_session=False)
        )
        if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
            results[bid_id] = "duplicate"  # a re-delivered task: already counted
            continue
        results[bid_id] = outcome.status.value
        entries.append((OPENING, "bid.opened", subject(tender_id), {
            "bid": str(bid_id), "status": outcome.status.value, "reason": outcome.reason,
            "price_fen": outcome.price_fen}))
    if entries:
        supervision.record_many(session, entries)
    if tender.state == TenderState.CLOSED.value and not _any_pending(session, tender_id):
        finalize(session, tender)
    return results


def _any_pending(session: Session, tender_id: uuid.UUID) -> bool:
    return session.scalars(_pending(tender_id).limit(1)).first() is not None
