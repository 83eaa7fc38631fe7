"""What the expert pool needs to know about a section to draw its committee (R-30, R-32).

Bidders are known only after the closing: before it, who bid is sealed (R-22), so asking for
them earlier is refused rather than answered with a partial list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.lookup import get_section, get_tender
from bidding.models import Bid, BidStatus, Section, Tender, TenderState
from trading.accounts.models import Organization
from trading.errors import ConflictError

# Tender states in which the bidders of a section are known and a committee can be drawn.
_BIDDERS_KNOWN = {TenderState.CLOSED.value, TenderState.OPENED.value, TenderState.EVALUATED.value}
PROCUREMENT = "procurement"


@dataclass(frozen=True)
class BidderFacts:
    name: str
    credit_code: str | None


@dataclass(frozen=True)
class SectionFacts:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    tender_title: str
    section_name: str
    section_number: int
    category: str
    region: str
    estimated_price_fen: int
    tenderee_name: str | None
    tenderee_credit_code: str | None
    deadline: dt.datetime | None
    state: str
    bidders: tuple[BidderFacts, ...]

    @property
    def government_procurement(self) -> bool:
        return self.category == PROCUREMENT


def _organization(session: Session, org_id: uuid.UUID | None) -> Organization | None:
    return session.get(Organization, org_id) if org_id is not None else None


def _bidders(session: Session, section: Section) -> tuple[BidderFacts, ...]:
    rows = session.execute(
        select(Organization.name, Organization.credit_code)
        .join(Bid, Bid.bidder_id == Organization.id)
        .where(Bid.section_id == section.id, Bid.status == BidStatus.SUBMITTED.value)
        .order_by(Organization.name)
    ).all()
    return tuple(BidderFacts(name, code) for name, code in rows)


def section_facts(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> SectionFacts:
    """The section as a committee draw sees it; refused while its bidders are still sealed."""
    tender: Tender = get_tender(session, tender_id)
    section = get_section(session, tender_id, section_id)
    if tender.state not in _BIDDERS_KNOWN:
        raise ConflictError(
            "投标截止前投标人名单保密，评标专家须在投标截止后抽取（《招标投标法》第三十七条）",
            "Bidders stay sealed until the deadline: experts are drawn after it (Bidding Law §37)",
        )
    tenderee = _organization(session, tender.tenderee_org_id)
    return SectionFacts(
        tender_id=tender.id, section_id=section.id, tender_title=tender.title,
        section_name=section.name, section_number=section.number, category=tender.category,
        region=tender.region, estimated_price_fen=section.estimated_price_fen,
        tenderee_name=tenderee.name if tenderee else None,
        tenderee_credit_code=tenderee.credit_code if tenderee else None,
        deadline=tender.deadline, state=tender.state, bidders=_bidders(session, section),
    )


@dataclass(frozen=True)
class DrawableSection:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    tender_title: str
    section_number: int
    section_name: str
    deadline: dt.datetime | None


def sections_for_draw(session: Session) -> list[DrawableSection]:
    """Sections whose bidders are known, for the staff's draw-request form."""
    rows = session.execute(
        select(Tender.id, Section.id, Tender.title, Section.number, Section.name, Tender.deadline)
        .join(Section, Section.tender_id == Tender.id)
        .where(Tender.state.in_(_BIDDERS_KNOWN), Section.failed.is_(False))
        .order_by(Tender.deadline.desc(), Section.number)
    ).all()
    return [DrawableSection(*row) for row in rows]
