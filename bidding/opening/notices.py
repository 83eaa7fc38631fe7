"""What the closing and the opening hand to others: notices to disclosure (a refusal there
never undoes the opening), signed log checkpoints, and the facts supervision's collusion
detectors read."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import lookup
from bidding.lookup import subject
from bidding.models import Bid, Tender
from supervision import services as supervision
from trading.accounts.models import Organization
from trading.audit import Actor

# The logger keeps the name it had before the opening was split into modules.
logger = logging.getLogger("bidding.opening")
OPENING = Actor.system("opening")


def sign_checkpoint(session: Session, what: str, tender: Tender) -> None:
    """A signed checkpoint of the log right after the closing or opening entry (supervision)."""
    checkpoint = getattr(supervision, "checkpoint_now", None)
    if checkpoint is not None:
        checkpoint(session, reason=f"{what} {tender.id}")


def org_names(session: Session, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.id.in_(ids)))
    return {row.id: row.name for row in rows}


def red_flags(session: Session, tender_id: uuid.UUID, bids: list[Bid], stage: str) -> None:
    """Hand supervision the facts its collusion detectors read (no bid content at closing)."""
    if not bids:
        return
    facts = [supervision.BidFacts(bidder_id=str(b.bidder_id), ip=b.submitted_ip,
                                  envelope_hash=b.envelope_sha256,
                                  price_fen=b.price_fen if stage == "opening" else None)
             for b in bids]
    max_prices = [s.max_price_fen for s in lookup.sections_of(session, tender_id)
                  if s.max_price_fen is not None]
    supervision.assess_bids(session, subject(tender_id), facts, stage=stage,
                            max_price_fen=min(max_prices) if max_prices else None)


def tenderee_name(session: Session, tender: Tender) -> str:
    if tender.tenderee_org_id is None:
        return "—"
    return org_names(session, {tender.tenderee_org_id}).get(tender.tenderee_org_id, "—")


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
                               tender_ref=str(tender.id), title=tender.title,
                               data={"project_code": tender.code, **data},
                               region=tender.region, category=tender.category,
                               corrects=corrects)
    except Exception as error:
        logger.exception("disclosure refused the %s notice of %s", notice_type, tender.id)
        supervision.record(session, OPENING, "opening.disclosure_failed", subject(tender.id), {
            "notice_type": notice_type, "error": str(error)[:500]})
