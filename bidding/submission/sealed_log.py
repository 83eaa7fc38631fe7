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

import secrets
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.lookup import subject
from bidding.models import BidLogSeal
from supervision import services as supervision
from trading.accounts.models import Role
from trading.audit import Actor

REVEAL_ACTION = "tender.bidders_revealed"
SALT_BYTES = 16


def record_sealed(session: Session, actor: Actor, action: str, tender_id: uuid.UUID,
                  bid_id: uuid.UUID, bidder_id: uuid.UUID, envelope_sha256: str,
                  body: dict[str, Any]) -> int:
    """Log a bid entry whose author stays sealed until the closing; return its index."""
    salt = secrets.token_bytes(SALT_BYTES).hex()
    commitment = supervision.bid_commitment(action, str(bid_id), envelope_sha256, str(bidder_id),
                                            actor.user_id, actor.ip, salt)
    anonymous = Actor(user_id=None, role=Role.BIDDER.value, ip=None)
    seq = supervision.record(session, anonymous, action, subject(tender_id), {
        **body, "bid": str(bid_id), "envelope_sha256": envelope_sha256,
        "commitment": commitment})
    session.add(BidLogSeal(seq=seq, tender_id=tender_id, bid_id=bid_id, bidder_id=bidder_id,
                           user_id=actor.user_id, ip=actor.ip, salt=salt))
    session.flush()
    return seq


def reveal(session: Session, actor: Actor, tender_id: uuid.UUID) -> int:
    """The closing: open every sealed bid entry of the tender in one log entry."""
    rows = session.scalars(select(BidLogSeal).where(BidLogSeal.tender_id == tender_id)
                           .order_by(BidLogSeal.seq))
    return supervision.record(session, actor, REVEAL_ACTION, subject(tender_id), {
        "entries": [{"seq": row.seq, "bid": str(row.bid_id), "bidder": str(row.bidder_id),
                     "user_id": row.user_id, "ip": row.ip, "salt": row.salt} for row in rows]})

