"""The optional "bidder decrypts" mode (design item 7; docs/bidding.md).

In a tender with ``bidder_decrypts`` every envelope uses the suite
``HPKE-P256-SHA256-AES256GCM-BD/1``: the file key is the XOR of a half sealed to the tender's
opening key and a half sealed to the bidder's own P-256 key. The lifecycle:

1. k custodian shares rebuild the opening key (``shares``); instead of starting the decryption
   at once, ``open_window`` fixes the window's end (``GGZY_BIDDER_DECRYPT_WINDOW_MINUTES``,
   default 30), schedules job ``bidding.halves_close`` then, and notifies the bidders.
2. Each bidder unseals its half locally (``ggzy bid open-half`` or the bid page) and submits
   it (``submit_half``): refused before the window opens and from its end on, and refused
   (and named) when it does not authenticate the envelope's first segment.
3. At the window's end, or as soon as every frozen bid has its half, ``close_window`` schedules
   the ordinary opening (job ``bidding.open``). A bid whose half never arrived is revoked
   (撤销, the bidder's fault, R-25) with that cause by ``decryption.decrypt``.

Every step is logged to supervision.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding import config
from bidding.lookup import get_tender, job_subject, subject, tender_id_of
from bidding.models import Bid, OpenStatus, Tender, TenderState
from bidding.sealing.crypto import custody, envelope
from bidding.sealing.crypto.common import b64decode
from bidding.sealing.crypto.envelope import HALF_LENGTH, EnvelopeError, check_bidder_half
from bidding.submission import intake
from bidding.tendering import notifications
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import UserError

HALVES_JOB = "bidding.halves_close"
OPEN_JOB = "bidding.open"
OPENING = Actor.system("opening")
MISSING_REASON = ("投标人未在解密时限内提交其密钥半份（投标人原因） / the bidder did not submit "
                  "its key half within the decryption window (bidder's fault)")


def frozen_bids(session: Session, tender_id: uuid.UUID) -> list[Bid]:
    query = select(Bid).where(Bid.tender_id == tender_id,
                              Bid.open_status == OpenStatus.PENDING.value)
    return list(session.scalars(query.order_by(Bid.id)))


def open_window(session: Session, tender: Tender, now: dt.datetime) -> dt.datetime:
    """Called when the opening key is rebuilt, in that transaction: the halves window opens."""
    due = now + dt.timedelta(minutes=config.bidder_decrypt_window_minutes())
    session.execute(update(Tender).where(Tender.id == tender.id).values(halves_due_at=due))
    jobs.schedule(session, HALVES_JOB, job_subject(tender.id), due)
    bids = frozen_bids(session, tender.id)
    supervision.record(session, OPENING, "opening.halves_window_opened", subject(tender.id), {
        "until": due.isoformat(), "bids": len(bids)})
    notifications.notify(session, tender.id, sorted({b.submitted_by for b in bids}), "opening",
                         f"「{tender.title}」开标私钥已重建：请在 {clock.format_local(due)}（北京时间）前"
                         "提交您的密钥半份",
                         f"'{tender.title}': the opening key is rebuilt; submit your key half before "
                         f"{clock.format_local(due)} (Beijing time)")
    return due


def _refuse(zh: str, en: str, code: str, status: int = 409,
            field: str | None = None) -> UserError:
    return UserError(zh, en, status=status, field=field, code=code)


def window_open(session: Session, tender: Tender, now: dt.datetime) -> bool:
    return (tender.state == TenderState.CLOSED.value and tender.halves_due_at is not None
            and now < tender.halves_due_at
            and jobs.get_job(session, OPEN_JOB, job_subject(tender.id)) is None)


def submit_half(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
                section_id: uuid.UUID, half_b64: str) -> Bid:
    """Accept the caller's key half for its frozen bid in the section, within the window."""
    org = intake.bidder_org(session, user)
    tender = get_tender(session, tender_id, lock=True)  # serialises with ``close_window``
    now = clock.now(session)
    if not tender.bidder_decrypts:
        raise _refuse("本项目不采用“投标人解密”方式", "this tender does not use the "
                      "bidder-decrypts mode", "not_bidder_decrypts")
    if tender.halves_due_at is None or tender.opening_private_key is None:
        raise _refuse("解密时限尚未开始：投标截止且开标私钥重建后才接受密钥半份（服务器时间 "
                      f"{now.isoformat()}）", "the decryption window has not begun: key halves "
                      "are accepted after the deadline, once the opening key is rebuilt (server "
                      f"time {now.isoformat()})", "halves_not_open")
    if not window_open(session, tender, now):
        raise _refuse(f"解密时限已于 {tender.halves_due_at.isoformat()} 结束（服务器时间 "
                      f"{now.isoformat()}）", f"the decryption window ended at "
                      f"{tender.halves_due_at.isoformat()} (server time {now.isoformat()})",
                      "halves_closed")
    bid = session.scalars(select(Bid).where(
        Bid.tender_id == tender_id, Bid.section_id == section_id, Bid.bidder_id == org.id,
        Bid.open_status == OpenStatus.PENDING.value)).first()
    if bid is None:
        raise _refuse("该标段没有您待解密的投标", "you have no bid waiting for decryption in "
                      "this section", "no_bid", status=404)
    if bid.bidder_half is not None:
        raise _refuse("您的密钥半份已提交", "your key half is in already", "half_already_in")
    try:
        half = b64decode(half_b64)
    except ValueError:
        half = b""
    if len(half) != HALF_LENGTH:
        raise _refuse("密钥半份应为 32 字节的 base64", "the key half must be 32 bytes, base64",
                      "bad_half", status=400, field="half_b64")
    _check(bid, tender, half)
    bid.bidder_half, bid.bidder_half_at = half, now
    session.flush()
    supervision.record(session, actor, "bid.half_submitted", subject(tender_id), {
        "bid": str(bid.id), "section": str(section_id), "bidder": str(org.id)})
    if all(b.bidder_half is not None for b in frozen_bids(session, tender_id)):
        _end_early(session, tender, now)
    return bid


def _check(bid: Bid, tender: Tender, half: bytes) -> None:
    from bidding.opening.decryption import expected_ids

    assert tender.opening_private_key is not None
    key = custody.import_opening_private_key(tender.opening_private_key)
    try:
        with open(config.storage_root() / bid.storage_key, "rb") as source:
            check_bidder_half(source, opening_private_key=key, bidder_half=half,
                              expected=expected_ids(bid, tender))
    except FileNotFoundError:
        # The platform lost the file: the opening records that as its own fault.
        return
    except EnvelopeError as error:
        if error.code != "wrong_half" or _stored_differs(bid):
            # The envelope itself is broken, or the stored bytes are not the receipted ones
            # (the platform's fault, R-25): the half is kept and the opening names the cause.
            return
        raise _refuse(f"密钥半份不正确：{error.reason_zh}", f"wrong key half: {error.reason_en}",
                      "wrong_half", status=400, field="half_b64") from error


def _stored_differs(bid: Bid) -> bool:
    digest = hashlib.sha256()
    with open(config.storage_root() / bid.storage_key, "rb") as source:
        while chunk := source.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest() != bid.envelope_sha256


def _end_early(session: Session, tender: Tender, now: dt.datetime) -> None:
    """Every half is in: the window ends now and the opening starts."""
    session.execute(update(Tender).where(Tender.id == tender.id).values(halves_due_at=now))
    jobs.schedule(session, HALVES_JOB, job_subject(tender.id), now)


def close_window(session: Session, job: jobs.ScheduledJob) -> None:
    """The ``bidding.halves_close`` handler: the window is over; the decryption starts."""
    tender = get_tender(session, tender_id_of(job.subject), lock=True)
    now = clock.now(session)
    if (tender.state != TenderState.CLOSED.value or tender.halves_due_at is None
            or jobs.get_job(session, OPEN_JOB, job_subject(tender.id)) is not None):
        return
    if now < tender.halves_due_at:
        raise RuntimeError("halves window job ran early")  # retried by the job runner
    bids = frozen_bids(session, tender.id)
    missing = [str(b.id) for b in bids if b.bidder_half is None]
    jobs.schedule(session, OPEN_JOB, job_subject(tender.id), now)
    supervision.record(session, OPENING, "opening.halves_window_closed", subject(tender.id), {
        "halves": len(bids) - len(missing), "bids": len(bids), "missing": missing})


def half_status(session: Session, tender_id: uuid.UUID, bidder_org: uuid.UUID) -> dict[str, Any]:
    """For the bidder's page and API: the window and which of its bids have their half."""
    tender = get_tender(session, tender_id)
    bids = [b for b in frozen_bids(session, tender_id) if b.bidder_id == bidder_org]
    return {"bidder_decrypts": tender.bidder_decrypts,
            "halves_due_at": tender.halves_due_at.isoformat() if tender.halves_due_at else None,
            "window_open": window_open(session, tender, clock.now(session)),
            "bids": [{"bid_id": str(b.id), "section_id": str(b.section_id),
                      "half_submitted": b.bidder_half is not None} for b in bids]}


def envelope_prefix(session: Session, tender_id: uuid.UUID, bid_id: uuid.UUID,
                    bidder_org: uuid.UUID) -> bytes:
    """The prefix (header and key slots) of the caller's own stored envelope: what the bid page
    needs to unseal the bidder's half when the bidder kept no copy. Nothing in it is secret to
    its bidder: the bidder's slot is sealed to the bidder's own key."""
    bid = session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender_id or bid.bidder_id != bidder_org:
        raise UserError("投标不存在", "Bid not found", status=404, code="not_found")
    with open(config.storage_root() / bid.storage_key, "rb") as source:
        fixed = source.read(envelope.FIXED_PREFIX_LENGTH)
        if len(fixed) < envelope.FIXED_PREFIX_LENGTH or fixed[8] not in envelope.SUITES:
            raise UserError("信封无法读取", "the envelope cannot be read", status=409,
                            code="unreadable")
        length = envelope.prefix_length(int.from_bytes(fixed[9:11], "big"), fixed[8])
        return fixed + source.read(length - len(fixed))
