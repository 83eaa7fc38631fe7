"""Who bid stays secret until the deadline, from everyone, regulators included (issue 10).

A ``bid.*`` entry made before the deadline (``bid.submitted``, ``bid.withdrawn``) names
neither the bidder organization nor the user nor the address: its actor is the bare role
``bidder`` and its body carries ``commitment`` = ``supervision.services.bid_commitment(action,
bid, envelope_sha256, bidder, user_id, ip, salt)`` instead. What the commitment hides is kept
in the platform's own table ``bid_log_seal`` (one row per entry, with its salt); the closing
logs it all in one entry, ``tender.bidders_revealed``, so the record is complete and
tamper-evident while nobody reads it early. The offline verifier opens every commitment
(``supervision.rules``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from bidding.lookup import subject
from bidding.models import Bid, BidLogSeal
from supervision import services as supervision
from trading.accounts.models import Role
from trading.audit import Actor
from trading.db import Base

REVEAL_ACTION = "tender.bidders_revealed"
SALT_BYTES = 16
ANONYMOUS = Actor(user_id=None, role=Role.BIDDER.value, ip=None)


@dataclass(frozen=True)
class SealedEntry:
    """A sealed bid entry to log: who made it stays in ``bid_log_seal`` until the closing."""

    action: str
    tender_id: uuid.UUID
    bid_id: uuid.UUID
    bidder_id: uuid.UUID
    envelope_sha256: str
    body: dict[str, Any]


def record_sealed(session: Session, actor: Actor, entry: SealedEntry) -> int:
    """Log a bid entry whose author stays sealed until the closing; return its index."""
    salt, logged = _sealed_body(actor, entry)
    seq = supervision.record(session, ANONYMOUS, entry.action, subject(entry.tender_id), logged)
    _keep_seal(session, actor, entry, salt, seq=seq)
    return seq


def promise_sealed(session: Session, actor: Actor, entry: SealedEntry,
                   at: dt.datetime) -> tuple[supervision.Promise, dict[str, Any]]:
    """Promise the entry instead (a submission at the deadline must not queue for the log's
    head): the sequencer appends it, and always before the tender's close (sequencer). The
    seal's row is returned for the caller to insert with its own (``SEAL_TABLE``): one
    statement fewer on a bid's hot path."""
    salt, logged = _sealed_body(actor, entry)
    promised = supervision.promise(session, ANONYMOUS, entry.action, subject(entry.tender_id),
                                   logged, at=at)
    return promised, _seal_row(actor, entry, salt, promise=promised.number)


def _sealed_body(actor: Actor, entry: SealedEntry) -> tuple[str, dict[str, Any]]:
    salt = secrets.token_bytes(SALT_BYTES).hex()
    commitment = supervision.bid_commitment(entry.action, str(entry.bid_id),
                                            entry.envelope_sha256, str(entry.bidder_id),
                                            actor.user_id, actor.ip, salt)
    return salt, {**entry.body, "bid": str(entry.bid_id),
                  "envelope_sha256": entry.envelope_sha256, "commitment": commitment}


SEAL_TABLE = Base.metadata.tables[BidLogSeal.__tablename__]
_INSERT_SEAL = insert(SEAL_TABLE)


def _keep_seal(session: Session, actor: Actor, entry: SealedEntry, salt: str, *,
               seq: int | None = None) -> None:
    insert_seal(session, _seal_row(actor, entry, salt, seq=seq))


def insert_seal(session: Session, row: dict[str, Any]) -> None:
    """Insert a seal's row (``promise_sealed``'s or ``record_sealed``'s); a Core INSERT, no ORM
    object to flush."""
    session.connection().execute(_INSERT_SEAL, row)


def _seal_row(actor: Actor, entry: SealedEntry, salt: str, *, seq: int | None = None,
              promise: int | None = None) -> dict[str, Any]:
    return {"salt": salt, "seq": seq, "promise": promise, "tender_id": entry.tender_id,
            "bid_id": entry.bid_id, "bidder_id": entry.bidder_id, "user_id": actor.user_id,
            "ip": actor.ip}


def settle(session: Session, tender_id: uuid.UUID) -> None:
    """At the closing, after the close entry (which appended every promise before it): give
    the tender's promised seals and bids their log positions."""
    seals = list(session.scalars(select(BidLogSeal).where(BidLogSeal.tender_id == tender_id,
                                                          BidLogSeal.seq.is_(None))))
    bids = list(session.scalars(select(Bid).where(Bid.tender_id == tender_id,
                                                  Bid.log_index.is_(None))))
    numbers = [s.promise for s in seals if s.promise is not None]
    kept = supervision.kept_promises(session, numbers)
    if len(kept) != len(numbers) or len(seals) != len(numbers):
        raise RuntimeError("a promised bid entry is not in the log at the close")
    for seal in seals:
        assert seal.promise is not None
        seal.seq = kept[seal.promise]
    for bid in bids:
        if bid.log_promise is not None and bid.log_promise in kept:
            bid.log_index = kept[bid.log_promise]
    session.flush()


def reveal(session: Session, actor: Actor, tender_id: uuid.UUID) -> int:
    """The closing: open every sealed bid entry of the tender in one log entry."""
    settle(session, tender_id)
    rows = session.scalars(select(BidLogSeal).where(BidLogSeal.tender_id == tender_id)
                           .order_by(BidLogSeal.seq))
    return supervision.record(session, actor, REVEAL_ACTION, subject(tender_id), {
        "entries": [{"seq": row.seq, "bid": str(row.bid_id), "bidder": str(row.bidder_id),
                     "user_id": row.user_id, "ip": row.ip, "salt": row.salt} for row in rows]})

