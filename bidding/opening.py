"""Closing at the deadline and the opening (R-23..R-25).

- ``close`` (job ``bidding.close``, at the deadline): a guarded transition published → closed,
  run exactly once; freezes the list of (bid, digest), logs its hash list and root; a section
  with fewer than 3 bidders fails, and with every section failed the tender fails (R-24).
  Otherwise custodians are notified and the opening waits for k shares (``panel``).
- ``start`` (job ``bidding.open``, scheduled when the key is rebuilt): one Celery task
  ``bidding.open_bid`` per frozen bid, plus a watchdog job that re-sends what is unfinished
  (a lost message or a dead worker never leaves the opening stuck).
- ``open_one`` (the body of ``bidding.open_bid``): decrypts outside any transaction, then a
  guarded ``UPDATE bid ... WHERE open_status = 'pending'``: a re-delivered task counts nothing
  twice. The task that opens the last bid writes the opening record and moves the tender to
  ``opened``, under the tender's row lock so two last tasks cannot both (or neither) do it.

Bid plaintext format (``ggzy-bid/1``, documented in docs/bidding.md): the plaintext starts
with one line of UTF-8 JSON — ``{"format": "ggzy-bid/1", "price_fen": int, "duration_days":
int, "quality": str, "items": {...}}`` — ended by ``\\n``; attachments follow as raw bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from bidding import config, sealed_log, tenders
from bidding.models import (
    Bid,
    BidStatus,
    OpeningRecord,
    OpenStatus,
    PanelMember,
    Section,
    Tender,
    TenderState,
)
from bidding.sealing.crypto import custody
from bidding.sealing.crypto.envelope import EnvelopeError, ExpectedIds, open_stream
from bidding.tenders import get_tender, job_subject, subject, tender_id_of
from supervision import services as supervision
from trading import clock, db, jobs
from trading.accounts.models import Organization
from trading.audit import Actor

if TYPE_CHECKING:
    from celery import Celery

logger = logging.getLogger(__name__)

OPEN_TASK = "bidding.open_bid"
OPEN_JOB = "bidding.open"
WATCH_JOB = "bidding.open_watch"
SHARE_ALERT_JOB = "bidding.share_alert"
MIN_BIDDERS = 3
WATCH_SECONDS = 60
SHARE_ALERT_SECONDS = 1800
SHARES_ALERT_KIND = "bidding.opening_shares"
MAX_PLAINTEXT_HEADER = 64 * 1024
PLAINTEXT_FORMAT = "ggzy-bid/1"
OPENING = Actor.system("opening")

STATUS_ZH = {OpenStatus.OPENED.value: "已开启", OpenStatus.REVOKED.value: "撤销（投标人原因）",
             OpenStatus.WITHDRAWN.value: "撤回（非投标人原因）", OpenStatus.PENDING.value: "待解密"}


# --- closing -------------------------------------------------------------------------------


def close(session: Session, job: jobs.ScheduledJob) -> None:
    """The ``bidding.close`` handler: runs in the job's guarded transaction."""
    tender_id = tender_id_of(job.subject)
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        return  # cancelled, or closed by an earlier run: nothing to do
    if now < tender.deadline:
        raise RuntimeError("closing job ran before the deadline")  # retried by the job runner
    pending = tenders.open_objections(session, tender_id)
    if pending:  # R-13 (Regs §22): the procedure pauses until the objection is answered
        tenders.postpone_closing(session, OPENING, tender, pending)
        return
    # The UPDATE waits for submissions holding the tender row in share mode (PostgreSQL), so
    # the list below sees every bid committed before the deadline.
    tenders.transition(session, OPENING, tender_id, TenderState.PUBLISHED, TenderState.CLOSED,
                       "tender.closed", {"deadline": tender.deadline.isoformat()}, closed_at=now)
    tenders.reveal_downloads(session, OPENING, tender_id)
    sealed_log.reveal(session, OPENING, tender_id)  # who bid: public from the close on
    frozen = _freeze(session, tender_id)
    _red_flags(session, tender_id, frozen, "closing")
    failed_sections = _fail_small_sections(session, tender_id, frozen)
    root = _list_root(frozen)
    session.execute(update(Tender).where(Tender.id == tender_id).values(frozen_root=root))
    supervision.record(session, OPENING, "opening.bids_frozen", subject(tender_id), {
        "root": root, "bids": [{"bid": str(b.id), "section": str(b.section_id),
                                "envelope_sha256": b.envelope_sha256} for b in frozen],
        "failed_sections": [str(s) for s in failed_sections]})
    if len(failed_sections) == len(tenders.sections_of(session, tender_id)):
        _fail(session, tender, len(frozen))
        return
    _announce_opening(session, tender)


def _freeze(session: Session, tender_id: uuid.UUID) -> list[Bid]:
    query = select(Bid).where(Bid.tender_id == tender_id, Bid.status == BidStatus.SUBMITTED.value)
    frozen = list(session.scalars(query.order_by(Bid.section_id, Bid.submitted_at, Bid.id)))
    for bid in frozen:
        bid.open_status = OpenStatus.PENDING.value
    session.flush()
    return frozen


def _fail_small_sections(session: Session, tender_id: uuid.UUID,
                         frozen: list[Bid]) -> list[uuid.UUID]:
    """R-24: a section with fewer than 3 bidders is not opened (its bids stay sealed)."""
    failed = []
    for section in tenders.sections_of(session, tender_id):
        bids = [b for b in frozen if b.section_id == section.id]
        if len({b.bidder_id for b in bids}) < MIN_BIDDERS:
            section.failed = True
            failed.append(section.id)
            for bid in bids:
                bid.open_status = None
    session.flush()
    return failed


def _list_root(frozen: list[Bid]) -> str:
    """RFC 9162-style Merkle root over leaves "bid id : envelope digest", in frozen order."""
    leaves = [hashlib.sha256(b"\x00" + f"{b.id}:{b.envelope_sha256}".encode()).digest()
              for b in frozen]
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    while len(leaves) > 1:
        paired = [hashlib.sha256(b"\x01" + leaves[i] + leaves[i + 1]).digest()
                  for i in range(0, len(leaves) - 1, 2)]
        leaves = paired + ([leaves[-1]] if len(leaves) % 2 else [])
    return leaves[0].hex()


def _fail(session: Session, tender: Tender, bid_count: int) -> None:
    tenders.transition(session, OPENING, tender.id, TenderState.CLOSED, TenderState.FAILED,
                       "tender.failed", {"rule": "R-24", "bids": bid_count,
                                         "reason": "fewer than 3 bidders"})
    disclose_notice(session, tender, "failed_tender", {
        "tenderee": _tenderee_name(session, tender),
        "reason": f"R-24：投标人少于 3 个（共 {bid_count} 份有效投标），依法不予开标，重新招标",
        "next_steps": "招标人将依法重新招标",
    })


def _announce_opening(session: Session, tender: Tender) -> None:
    members = list(session.scalars(select(PanelMember.user_id).where(
        PanelMember.tender_id == tender.id)))
    tenders.notify(session, tender.id, members, "opening",
                   f"「{tender.title}」已截止，请解密并提交您的开标密钥份额",
                   f"'{tender.title}' closed: please open and submit your key share")
    now = clock.now(session)
    due = now + dt.timedelta(seconds=_share_alert_seconds())
    jobs.schedule(session, SHARE_ALERT_JOB, job_subject(tender.id), due)
    # e-supervision watches the shares (yellow before, red after); cleared at the key.
    supervision.watch_deadline(session, SHARES_ALERT_KIND, subject(tender.id), "custodian", due,
                               f"「{tender.title}」开标密钥份额", f"opening key shares of "
                               f"'{tender.title}'")
    sign_checkpoint(session, "closed", tender)
    from bidding import panel  # shares may have arrived between the deadline and this job

    panel.try_reconstruct(session, OPENING, get_tender(session, tender.id))


def _share_alert_seconds() -> int:
    import os

    return int(os.environ.get("GGZY_SHARE_ALERT_SECONDS", "") or SHARE_ALERT_SECONDS)


def sign_checkpoint(session: Session, what: str, tender: Tender) -> None:
    """A signed checkpoint of the log right after the closing or opening entry (supervision)."""
    checkpoint = getattr(supervision, "checkpoint_now", None)
    if checkpoint is not None:
        checkpoint(session, reason=f"{what} {tender.id}")


def share_alert(session: Session, job: jobs.ScheduledJob) -> None:
    """R-52: fewer than k shares long after closing: alert; there is no weaker path."""
    tender = get_tender(session, tender_id_of(job.subject))
    if tender.state != TenderState.CLOSED.value or tender.key_reconstructed_at is not None:
        return
    missing = [str(m.user_id) for m in session.scalars(select(PanelMember).where(
        PanelMember.tender_id == tender.id, PanelMember.share.is_(None)))]
    supervision.record(session, OPENING, "opening.alert", subject(tender.id), {
        "reason": "shares_missing", "need": tender.custody_k, "missing": missing})
    tenders.notify(session, tender.id, [uuid.UUID(m) for m in missing], "opening",
                   f"「{tender.title}」开标等待您的密钥份额", f"'{tender.title}' waits for your share")


# --- fan-out -------------------------------------------------------------------------------


def _sender() -> Celery:
    """The app to publish with: the worker's own inside a task, else the platform's."""
    from celery import current_task

    # current_task is a proxy: falsy outside a task, the running task (and its app) inside.
    if current_task:
        return current_task.app
    from trading.worker import celery_app

    return celery_app


def pending_bids(session: Session, tender_id: uuid.UUID) -> list[uuid.UUID]:
    query = select(Bid.id).where(Bid.tender_id == tender_id,
                                 Bid.open_status == OpenStatus.PENDING.value)
    return list(session.scalars(query.order_by(Bid.id)))


def _send_open_tasks(session: Session, bid_ids: list[uuid.UUID]) -> None:
    if not bid_ids:
        return
    app = _sender()

    def send() -> None:
        for bid_id in bid_ids:
            app.send_task(OPEN_TASK, args=[str(bid_id)])

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
        _finalize(session, tender)
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


class _HeaderSink:
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


def decrypt(bid: Bid, tender: Tender) -> Outcome:
    """Open one envelope; R-25 decides what a failure means."""
    assert tender.opening_private_key is not None
    if tender.bidder_decrypts and bid.bidder_half is None:
        from bidding.halves import MISSING_REASON

        return Outcome(OpenStatus.REVOKED, MISSING_REASON)
    key = custody.import_opening_private_key(tender.opening_private_key)
    sink = _HeaderSink()
    try:
        with open(config.storage_root() / bid.storage_key, "rb") as source:
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
    """The body of ``bidding.open_bid``: idempotent, safe to run twice or concurrently."""
    with db.read_only() as session:
        bid = session.get(Bid, bid_id)
        if bid is None or bid.open_status != OpenStatus.PENDING.value:
            return "done"
        tender = get_tender(session, bid.tender_id)
        if tender.opening_private_key is None:
            return "no-key"
        outcome = decrypt(bid, tender)
    with db.transaction() as session:
        return _record_outcome(session, bid_id, bid.tender_id, outcome)


def _record_outcome(session: Session, bid_id: uuid.UUID, tender_id: uuid.UUID,
                    outcome: Outcome) -> str:
    # Lock the tender first: the last two bids finishing together must serialise here, so
    # that exactly one of them sees "nothing pending" and writes the record.
    tender = get_tender(session, tender_id, lock=True)
    now = clock.now(session)
    statement = (
        update(Bid).where(Bid.id == bid_id, Bid.open_status == OpenStatus.PENDING.value)
        .values(open_status=outcome.status.value, open_reason=outcome.reason,
                price_fen=outcome.price_fen, announced=outcome.announced, opened_at=now)
        .execution_options(synchronize_session=False)
    )
    if cast(CursorResult[Any], session.execute(statement)).rowcount != 1:
        return "duplicate"  # a re-delivered task: already counted
    supervision.record(session, OPENING, "bid.opened", subject(tender_id), {
        "bid": str(bid_id), "status": outcome.status.value, "reason": outcome.reason,
        "price_fen": outcome.price_fen})
    if tender.state == TenderState.CLOSED.value and not pending_bids(session, tender_id):
        _finalize(session, tender)
    return outcome.status.value


# --- the record ----------------------------------------------------------------------------


def _org_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(ids)))
    return {row.id: row.name for row in rows}


def build_record(session: Session, tender: Tender) -> dict[str, Any]:
    bids = list(session.scalars(select(Bid).where(
        Bid.tender_id == tender.id, Bid.open_status.is_not(None))))
    names = _org_names(session, {b.bidder_id for b in bids})
    sections = []
    for section in tenders.sections_of(session, tender.id):
        entries = sorted((_entry(b, names) for b in bids if b.section_id == section.id),
                         key=lambda e: (e["bidder_name"], e["bid_id"]))
        sections.append({"section_id": str(section.id), "number": section.number,
                         "name": section.name, "max_price_fen": section.max_price_fen,
                         "failed": section.failed, "bids": entries})
    return {"format": "ggzy-opening-record/1", "tender_id": str(tender.id),
            "title": tender.title, "key_id": tender.opening_key_id,
            "deadline": tender.deadline.isoformat() if tender.deadline else None,
            "frozen_root": tender.frozen_root, "sections": sections}


def _entry(bid: Bid, names: dict[uuid.UUID, str]) -> dict[str, Any]:
    announced = bid.announced or {}
    return {"bid_id": str(bid.id), "bidder_id": str(bid.bidder_id),
            "bidder_name": names.get(bid.bidder_id, str(bid.bidder_id)),
            "envelope_sha256": bid.envelope_sha256, "status": bid.open_status,
            "price_fen": bid.price_fen, "duration_days": announced.get("duration_days"),
            "quality": announced.get("quality"), "items": announced.get("items"),
            "reason": bid.open_reason}


def _finalize(session: Session, tender: Tender) -> None:
    now = clock.now(session)
    record = build_record(session, tender)
    record["opened_at"] = now.isoformat()
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    tenders.transition(session, OPENING, tender.id, TenderState.CLOSED, TenderState.OPENED,
                       "tender.opened", {"record_sha256": digest}, opened_at=now)
    index = supervision.record(session, OPENING, "opening.record", subject(tender.id),
                               {"sha256": digest, "record": record})
    session.add(OpeningRecord(tender_id=tender.id, record=record, sha256=digest,
                              log_index=index, created_at=now))
    session.flush()
    sign_checkpoint(session, "opened", tender)
    disclose_notice(session, tender, "opening_record", _notice_data(session, tender, record, now))
    opened = list(session.scalars(select(Bid).where(
        Bid.tender_id == tender.id, Bid.open_status == OpenStatus.OPENED.value)))
    _red_flags(session, tender.id, opened, "opening")


def _red_flags(session: Session, tender_id: uuid.UUID, bids: list[Bid], stage: str) -> None:
    """Hand supervision the facts its collusion detectors read (no bid content at closing)."""
    if not bids:
        return
    facts = [supervision.BidFacts(bidder_id=str(b.bidder_id), ip=b.submitted_ip,
                                  envelope_hash=b.envelope_sha256,
                                  price_fen=b.price_fen if stage == "opening" else None)
             for b in bids]
    max_prices = [s.max_price_fen for s in tenders.sections_of(session, tender_id)
                  if s.max_price_fen is not None]
    supervision.assess_bids(session, subject(tender_id), facts, stage=stage,
                            max_price_fen=min(max_prices) if max_prices else None)



def _notice_data(session: Session, tender: Tender, record: dict[str, Any],
                 now: dt.datetime) -> dict[str, Any]:
    bids = []
    for section in record["sections"]:
        for entry in section["bids"]:
            bids.append({
                "bidder": entry["bidder_name"], "price": tenders.yuan_text(entry["price_fen"] or 0),
                "duration": str(entry["duration_days"] or ""),
                "quality": str(entry["quality"] or ""),
                "status": STATUS_ZH.get(entry["status"], entry["status"]),
                "remarks": f"标段 {section['number']} {section['name']}",
            })
    return {"tenderee": _tenderee_name(session, tender), "opening_time": now.isoformat(),
            "opening_place": "电子交易平台线上开标", "bids": bids}


def _tenderee_name(session: Session, tender: Tender) -> str:
    if tender.tenderee_org_id is None:
        return "—"
    return _org_names(session, {tender.tenderee_org_id}).get(tender.tenderee_org_id, "—")


def disclose_notice(session: Session, tender: Tender, notice_type: str, data: dict[str, Any],
                    corrects: uuid.UUID | None = None) -> None:
    """Hand a notice to disclosure; a refusal there must not undo the opening itself."""
    try:
        from disclosure import services as disclosure
    except ImportError:  # pragma: no cover - disclosure not installed
        return
    try:
        with session.begin_nested():
            disclosure.publish(session, OPENING, notice_type=notice_type,
                               tender_ref=str(tender.id), title=tender.title, data=data,
                               region=tender.region, category=tender.category,
                               corrects=corrects)
    except Exception as error:
        logger.exception("disclosure refused the %s notice of %s", notice_type, tender.id)
        supervision.record(session, OPENING, "opening.disclosure_failed", subject(tender.id), {
            "notice_type": notice_type, "error": str(error)[:500]})


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    state: str
    shares: int
    need: int
    total: int
    done: int
    key_rebuilt: bool

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "shares": self.shares, "need": self.need,
                "total": self.total, "done": self.done, "key_rebuilt": self.key_rebuilt}


def progress(session: Session, tender_id: uuid.UUID) -> Progress:
    tender = get_tender(session, tender_id)
    counts = dict(session.execute(
        select(Bid.open_status, func.count()).where(
            Bid.tender_id == tender_id, Bid.open_status.is_not(None))
        .group_by(Bid.open_status)).all())
    shares = session.scalar(select(func.count()).select_from(PanelMember).where(
        PanelMember.tender_id == tender_id, PanelMember.share.is_not(None),
        PanelMember.share_bad.is_(False))) or 0
    total = sum(counts.values())
    return Progress(tender.state, int(shares), tender.custody_k, total,
                    total - counts.get(OpenStatus.PENDING.value, 0),
                    tender.key_reconstructed_at is not None)


def record_of(session: Session, tender_id: uuid.UUID) -> OpeningRecord | None:
    return session.get(OpeningRecord, tender_id)


def sections_failed(session: Session, tender_id: uuid.UUID) -> list[Section]:
    return [s for s in tenders.sections_of(session, tender_id) if s.failed]
