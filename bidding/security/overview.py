"""The tenderee's list of the bidders' security per section (投标保证金情况), after the opening:
each bidder's status (paid / guarantee letter / not paid in full), what it paid, and the refunds
with their interest (Regs §57). Before the opening it is refused: until the deadline nobody may
learn who bids (E-rules §27), and the register it reads (``security_account``) is written only
at the close anyway."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import rules
from bidding.lookup import sections_of
from bidding.models import Section, Tender
from bidding.security import releases, status
from bidding.security.interest import Interest
from bidding.security.models import (
    GuaranteeLetter,
    GuaranteeRelease,
    PaymentStatus,
    SecurityAccount,
    SecurityPayment,
    SecurityRefund,
)
from bidding.security.refunds import interest_on
from trading.accounts.models import Organization
from trading.errors import UserError


@dataclass(frozen=True)
class Refund:
    refund: SecurityRefund
    payment: SecurityPayment
    interest: Interest  # fixed once paid; to today while due


@dataclass
class BidderRow:
    bidder_id: uuid.UUID
    name: str
    security: status.BidderSecurity
    letters: list[GuaranteeLetter] = field(default_factory=list)
    paid_fen: int = 0
    refunds: list[Refund] = field(default_factory=list)

    @property
    def label(self) -> str:
        """paid | guarantee | unpaid (the opening record's words)."""
        if self.security.guarantee:
            return "guarantee"
        return "paid" if self.security.paid else "unpaid"


@dataclass
class SectionRows:
    section: Section
    rows: list[BidderRow]
    releases: dict[uuid.UUID, GuaranteeRelease] = field(default_factory=dict)  # by letter


def check_opened(tender: Tender) -> None:
    """Refused (403) until the bids are opened: before the deadline the list would say who bids."""
    if tender.opened_at is None:
        zh, en = rules.under("R-22")
        raise UserError(f"{zh}，投标截止前任何人不得知悉投标人信息；投标保证金情况在开标后可查看",
                        f"{en}, nobody may learn who bids before the deadline; the bidders' "
                        "security is shown after the opening", status=403, code="sealed")


def of_tender(session: Session, tender: Tender, now: dt.datetime) -> list[SectionRows]:
    check_opened(tender)
    accounts = list(session.execute(
        select(SecurityAccount, Organization.name)
        .join(Organization, Organization.id == SecurityAccount.bidder_id)
        .where(SecurityAccount.tender_id == tender.id).order_by(Organization.name)))
    found = []
    for section in sections_of(session, tender.id):
        mine = [(a, name) for a, name in accounts if a.section_id == section.id]
        states = status.of_section(session, tender, section, {a.bidder_id for a, _ in mine})
        rows = {a.bidder_id: BidderRow(a.bidder_id, name, states[a.bidder_id]) for a, name in mine}
        _add_payments(session, section.id, rows, now)
        for letter in session.scalars(select(GuaranteeLetter).where(
                GuaranteeLetter.section_id == section.id).order_by(GuaranteeLetter.uploaded_at)):
            if letter.bidder_id in rows:
                rows[letter.bidder_id].letters.append(letter)
        letters = [g.id for row in rows.values() for g in row.letters]
        found.append(SectionRows(section, list(rows.values()),
                                 releases.of_letters(session, letters)))
    return found


def _add_payments(session: Session, section_id: uuid.UUID, rows: dict[uuid.UUID, BidderRow],
                  now: dt.datetime) -> None:
    paid = session.execute(
        select(SecurityPayment, SecurityRefund)
        .outerjoin(SecurityRefund, SecurityRefund.payment_id == SecurityPayment.id)
        .where(SecurityPayment.section_id == section_id,
               SecurityPayment.status == PaymentStatus.MATCHED.value)
        .order_by(SecurityPayment.trade_date, SecurityPayment.id))
    for payment, refund in paid:
        row = rows.get(payment.bidder_id) if payment.bidder_id else None
        if row is None:
            continue
        row.paid_fen += payment.amount_fen or 0
        if refund is not None:
            row.refunds.append(Refund(refund, payment, interest_on(refund, payment, now)))
