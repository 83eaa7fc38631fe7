"""Storing a received bid (R-21): the one transaction between a checked upload and its receipt.

The tender row is share-locked by every submission and updated by the closing job, so a bid
whose transaction is still running when the deadline comes is either committed before the
closing freezes the list or refused: nothing receipted can be missing from it. The decisive
check reads the database clock after every lock the bid needs.

This is the hot path of a deadline spike, so it is written in Core statements built once, and
on PostgreSQL grouped into three (SQLite, which has no data-modifying ``WITH``, runs six):

1. the tender share-locked, the bidder's live bid superseded and the clock read, in that order;
2. the log promise (``supervision.promise``);
3. the bid and its log seal.

Each statement is a round trip and CPU through SQLAlchemy and psycopg: the three fewer saved
about a tenth of the store's CPU in-process (docs/performance.md, "The store in three
statements").
"""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Executable,
    Select,
    bindparam,
    exists,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bidding import config
from bidding.models import LIVE_BID, BidStatus, TenderState
from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.envelope import EnvelopeError, verify_envelope_signature
from bidding.submission import sealed_log
from bidding.submission.intake import IncomingBid, Target, envelope_refused, late_error
from supervision import services as supervision
from trading import clock, db, files
from trading.audit import Actor
from trading.db import Base
from trading.errors import ConflictError, NotFoundError
from trading.settings import get_settings


@dataclass(frozen=True)
class Accepted:
    bid_id: uuid.UUID
    receipt: str  # the signed receipt, JSON
    received_at: dt.datetime
    log_promise: int  # the log's promise to append the entry (supervision.sequencer)
    document: dict[str, Any]  # the same receipt as the API answers it (not parsed back)


def accept(actor: Actor, incoming: IncomingBid, signature: bytes | None = None,
           signer_public_key: bytes | None = None) -> Accepted:
    """Store a completely received envelope, or refuse it; owns its transaction because the
    file move must happen before the commit and be undone when the commit does not happen."""
    incoming.finish()
    if signature is not None and signer_public_key is not None:
        try:
            verify_envelope_signature(incoming.digest, signature, signer_public_key)
        except EnvelopeError as error:
            incoming.discard()
            raise envelope_refused(error) from error
    final: Path | None = None
    try:
        with db.transaction() as session:
            accepted, final = store_in(session, actor, incoming, signature, signer_public_key)
    except IntegrityError as error:
        _forget(incoming, final)
        raise ConflictError("同一标段的另一份投标正在提交，请重试",
                            "Another bid for this section is being submitted; retry") from error
    except BaseException:
        _forget(incoming, final)
        raise
    # The bid's entry is appended by the dispatcher's sequencer within its merge delay (or by
    # the next logged change, whichever comes first), not here: appending after each commit
    # cost the web workers a second transaction per bid and a quarter of the receipts
    # (``make bench`` (a): 204-219 receipts/s with it, 271-296 without).
    return accepted


def _forget(incoming: IncomingBid, final: Path | None) -> None:
    incoming.discard()
    if final is not None:
        final.unlink(missing_ok=True)


def store_in(session: Session, actor: Actor, incoming: IncomingBid,
             signature: bytes | None = None,
             signer_public_key: bytes | None = None) -> tuple[Accepted, Path]:
    """Store a finished upload in the caller's transaction (``accept`` wraps it in its own)."""
    info = incoming.finish()
    target = incoming.target
    session.flush()  # the Core statements below do not flush what the caller left pending
    # The decisive check, on the database clock after every lock the bid needs; the same
    # moment is the log promise's, the bid's and the receipt's time. The deadline is the one
    # read under the share lock, not the pre-check's (a notice may have extended it since).
    deadline, now = _open_superseded_and_clock(session, target)
    bid_id = uuid.uuid4()
    # Who bid is sealed until the closing: the entry names neither the bidder nor the user
    # nor the address, only a commitment (sealed_log); the receipt goes to the bidder alone.
    promised, seal = sealed_log.promise_sealed(session, actor, sealed_log.SealedEntry(
        "bid.submitted", target.tender_id, bid_id, target.bidder_id, incoming.digest,
        {"section": str(target.section_id), "size": incoming.size, "key_id": target.key_id,
         "signed": signature is not None}), at=now)
    signed = _receipt(target, bid_id, incoming, now, deadline, promised.number)
    receipt = signed.to_json()
    final = config.bids_dir() / str(target.tender_id) / f"{bid_id}.env"
    _insert_bid_and_seal(session, seal, {
        "id": bid_id, "tender_id": target.tender_id, "section_id": target.section_id,
        "bidder_id": target.bidder_id, "submitted_by": target.user_id,
        "submitted_ip": actor.ip, "status": BidStatus.SUBMITTED.value,
        "envelope_sha256": incoming.digest, "size": incoming.size, "key_id": info.key_id,
        "storage_key": str(final.relative_to(config.storage_root())), "submitted_at": now,
        "log_promise": promised.number, "receipt": receipt, "signature": signature,
        "signer_public_key": signer_public_key,
    })
    files.private_dir(final.parent)
    os.replace(incoming.path, final)
    return Accepted(bid_id, receipt, now, promised.number, signed.to_dict()), final


_BIDS, _TENDERS = Base.metadata.tables["bid"], Base.metadata.tables["tender"]
_SUPERSEDED = dict(status=BidStatus.SUPERSEDED.value)
# The live status as SQL text, not a parameter: a connection's generic plan for a parameter
# cannot use the live bids' partial index and read every bid of every tender instead (docs/
# performance.md, "The supersede by index").
_LIVE_BID = (_BIDS.c.section_id == bindparam("section"), _BIDS.c.bidder_id == bindparam("bidder"),
             LIVE_BID)


def _open_superseded_and_clock(session: Session,
                               target: Target) -> tuple[dt.datetime, dt.datetime]:
    """Share-lock the tender (the closing's UPDATE waits for this lock), supersede the
    bidder's live bid in the section, read the database clock; refuse unless the tender takes
    bids at that moment. Return its deadline and the moment."""
    params = {"tender": target.tender_id, "section": target.section_id,
              "bidder": target.bidder_id}
    if session.get_bind().dialect.name == "postgresql":
        row = session.connection().execute(_statement(session, _locked_superseded_and_clock), params)
        found = row.one_or_none()
        if found is None:
            raise NotFoundError("招标项目", "Tender")
        state, deadline, read_at = found
    else:  # SQLite: BEGIN IMMEDIATE already holds the database; the same steps one by one
        found = session.connection().execute(_statement(session, _locked_tender),
                                              params).one_or_none()
        if found is None:
            raise NotFoundError("招标项目", "Tender")
        state, deadline, locked_at = found
        session.connection().execute(_SUPERSEDE, {**params, "ended": clock.as_utc(locked_at)})
        read_at = clock.now(session)
    now = clock.as_utc(read_at)
    if deadline is not None and now >= deadline:
        raise late_error(deadline, now)
    if state != TenderState.PUBLISHED.value or deadline is None:
        raise ConflictError("该项目当前不接受投标", "This tender does not accept bids now")
    return deadline, now


_SUPERSEDE = update(_BIDS).where(*_LIVE_BID).values(ended_at=bindparam("ended"), **_SUPERSEDED)
_STATEMENTS: dict[tuple[str, str, bool], Executable] = {}


def _statement(session: Session, build: Callable[[Session], Executable]) -> Executable:
    # Built once per kind of clock column (the backend, the test clock on or off): a reused
    # statement object keeps its compiled form in SQLAlchemy's cache.
    dialect = session.get_bind().dialect.name
    key = (build.__name__, dialect, get_settings().test_clock)
    found = _STATEMENTS.get(key)
    if found is None:
        found = _STATEMENTS[key] = build(session)
    return found


def _share_locked_tender(*columns: Any) -> Select[Any]:
    return (select(_TENDERS.c.state, _TENDERS.c.deadline, *columns)
            .where(_TENDERS.c.id == bindparam("tender"))
            .with_for_update(read=True, of=_TENDERS))


def _locked_tender(session: Session) -> Select[Any]:
    return _share_locked_tender(clock.now_column(session))


def _locked_superseded_and_clock(session: Session) -> Select[Any]:
    """PostgreSQL: the three steps in one statement, in SQLite's order.
    ``locked`` takes the tender's share lock; the UPDATE cannot touch a bid before its
    ``EXISTS`` has read ``locked`` (so a bid row is never held while waiting for the tender,
    which could deadlock with the closing); the clock is read in the outer SELECT, after the
    aggregate over the UPDATE has consumed every row it changed (and waited for its locks)."""
    now = clock.now_column(session)
    locked = _share_locked_tender().cte("locked")
    superseded = (update(_BIDS).where(*_LIVE_BID, exists(select(literal(1)).select_from(locked)))
                  .values(ended_at=now, **_SUPERSEDED).returning(_BIDS.c.id).cte("superseded"))
    counted = select(func.count().label("n")).select_from(superseded).cte("counted")
    return (select(locked.c.state, locked.c.deadline, now.label("now"))
            .select_from(locked.join(counted, counted.c.n >= 0)))


_SEALS = sealed_log.SEAL_TABLE
_INSERT_BID = insert(_BIDS)
# PostgreSQL: the seal's INSERT rides on the bid's as a data-modifying WITH (one round trip).
_INSERT_BID_WITH_SEAL = insert(_BIDS).add_cte(insert(_SEALS).values(
    {column.name: bindparam(f"seal_{column.name}", type_=column.type)
     for column in _SEALS.columns}).cte("kept_seal"))


def _insert_bid_and_seal(session: Session, seal: dict[str, Any], bid: dict[str, Any]) -> None:
    connection = session.connection()
    if session.get_bind().dialect.name == "postgresql":
        connection.execute(_INSERT_BID_WITH_SEAL,
                           {**bid, **{f"seal_{key}": value for key, value in seal.items()}})
    else:
        sealed_log.insert_seal(session, seal)
        connection.execute(_INSERT_BID, bid)


def _receipt(target: Target, bid_id: uuid.UUID, incoming: IncomingBid, now: dt.datetime,
             deadline: dt.datetime, promise: int) -> receipts.Receipt:
    fields: dict[str, str | int] = {
        "receipt_id": str(bid_id),
        "tender_id": str(target.tender_id),
        "section_id": str(target.section_id),
        "bidder_id": str(target.bidder_id),
        "envelope_sha256": incoming.digest,
        "envelope_size": incoming.size,
        "server_time": supervision.format_time(now),
        "deadline": supervision.format_time(deadline),
        "log_promise": promise,
    }
    return receipts.sign_receipt(fields)
