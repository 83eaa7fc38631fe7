"""Paid or not, per bidder of a section: what the opening record shows (amount due against
what was received by the deadline, or a guarantee letter valid long enough)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.models import Section, Tender
from bidding.security.models import GuaranteeLetter, PaymentStatus, SecurityPayment
from trading import clock


@dataclass(frozen=True)
class BidderSecurity:
    due_fen: int
    received_fen: int  # matched payments with a trade date on or before the deadline's day
    late_fen: int  # matched payments traded after the deadline's day
    guarantee: bool  # a letter handed in (and not withdrawn) before the deadline

    @property
    def paid(self) -> bool:
        return self.due_fen == 0 or self.guarantee or self.received_fen >= self.due_fen

    def as_dict(self) -> dict[str, Any]:
        return {"due_fen": self.due_fen, "received_fen": self.received_fen,
                "late_fen": self.late_fen, "guarantee": self.guarantee, "paid": self.paid}


def of_section(session: Session, tender: Tender, section: Section,
               bidders: set[uuid.UUID]) -> dict[uuid.UUID, BidderSecurity]:
    day = clock.legal_day(tender.deadline) if tender.deadline else None
    received: dict[uuid.UUID, int] = {}
    late: dict[uuid.UUID, int] = {}
    for payment in session.scalars(select(SecurityPayment).where(
            SecurityPayment.section_id == section.id,
            SecurityPayment.status == PaymentStatus.MATCHED.value)):
        if payment.bidder_id is None or payment.amount_fen is None:
            continue
        target = received if day is None or payment.trade_date <= day else late
        target[payment.bidder_id] = target.get(payment.bidder_id, 0) + payment.amount_fen
    letters = {letter.bidder_id for letter in session.scalars(select(GuaranteeLetter).where(
        GuaranteeLetter.section_id == section.id, GuaranteeLetter.withdrawn_at.is_(None)))
        if tender.deadline is None or letter.uploaded_at < tender.deadline}
    return {bidder: BidderSecurity(section.bid_security_fen, received.get(bidder, 0),
                                   late.get(bidder, 0), bidder in letters)
            for bidder in bidders}
