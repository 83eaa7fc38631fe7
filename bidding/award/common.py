"""What the award stage's modules share: a section's award row (created from the final
report), the bidders of a section with their organisations, and who may act on it."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding.award.models import SectionAward
from bidding.evaluation import report as reports
from bidding.evaluation.models import ReportSignature
from bidding.lookup import get_section, get_tender, sections_of
from bidding.models import Bid, BidStatus, Section, Tender
from bidding.web import is_manager
from trading import calendar_years, clock
from trading.accounts.models import Organization, Role, User
from trading.accounts.services import CurrentUser
from trading.calendar_years import Period
from trading.errors import ConflictError, UserError

PUBLISH_DAYS = 3  # the publicity starts within 3 days of the report
MIN_PUBLICITY_DAYS = 3  # and lasts at least 3 days
MAX_PUBLICITY_DAYS = 30
ANSWER_DAYS = 3
CONTRACT_DAYS = 30
MAX_TEXT = 2000
MAX_REASON = 500


@dataclass(frozen=True)
class SectionBidder:
    org_id: uuid.UUID
    name: str
    bid_id: uuid.UUID
    price_fen: int | None
    open_status: str | None
    announced: dict[str, Any]


def section(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> tuple[Tender, Section]:
    return get_tender(session, tender_id), get_section(session, tender_id, section_id)


def bidders(session: Session, section_id: uuid.UUID) -> list[SectionBidder]:
    """The section's bidders: every live bid frozen at the closing, opened or not (R-37: a
    result notice goes to every bidder but the winner)."""
    rows = session.execute(
        select(Bid, Organization.name).join(Organization, Organization.id == Bid.bidder_id)
        .where(Bid.section_id == section_id, Bid.status == BidStatus.SUBMITTED.value,
               Bid.open_status.is_not(None))
        .order_by(Organization.name))
    return [SectionBidder(bid.bidder_id, name, bid.id, bid.price_fen, bid.open_status,
                          dict(bid.announced or {})) for bid, name in rows]


def org_users(session: Session, org_id: uuid.UUID) -> list[uuid.UUID]:
    return sorted(session.scalars(select(User.id).where(User.organization_id == org_id)))


def final_report(session: Session, tender_id: uuid.UUID,
                 section_id: uuid.UUID) -> reports.Report:
    found = reports.report(session, tender_id, section_id)
    if not found.final:
        raise ConflictError("评标报告尚未经评标委员会全体成员签署",
                            "The evaluation report is not signed by every member yet")
    return found


def publish_due(session: Session, final_at: dt.datetime) -> dt.datetime:
    """R-35: the publicity starts within 3 days of the report: 24:00 (Beijing) of the 3rd day."""
    end = calendar_years.period_end(session, Period("R-35", clock.legal_day(final_at),
                                                    PUBLISH_DAYS))
    return clock.legal_end_of_day_utc(end.end)


def state_of(session: Session, section_id: uuid.UUID, *, lock: bool = False) -> SectionAward | None:
    return session.get(SectionAward, section_id, with_for_update=lock, populate_existing=lock)


def ensure(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> SectionAward:
    """The section's award row; made from the final report when it is missing (a report made
    final before this stage existed). Refused while the report is not final."""
    row = state_of(session, section_id, lock=True)
    if row is not None:
        return row
    final_report(session, tender_id, section_id)
    signed = session.scalar(select(func.max(ReportSignature.signed_at)).where(
        ReportSignature.section_id == section_id, ReportSignature.void_at.is_(None)))
    final_at = signed or clock.now(session)
    row = SectionAward(section_id=section_id, tender_id=tender_id, report_final_at=final_at,
                       publish_due=publish_due(session, final_at))
    session.add(row)
    session.flush()
    return row


def access(session: Session, user: CurrentUser, tender: Tender) -> tuple[bool, uuid.UUID | None]:
    """(manages, bidder organisation) of a reader of the tender's award: its managers (staff,
    its tenderee's people), regulators (read only) and the bidders of its sections (their own
    section only). A tenderee of another organisation, a bidder of no section: 403."""
    if is_manager(user, tender):
        return True, None
    if Role.REGULATOR.value in user.roles:
        return False, None
    if Role.BIDDER.value in user.roles and user.organization_id is not None:
        orgs = {b.org_id for s in sections_of(session, tender.id) for b in bidders(session, s.id)}
        if user.organization_id in orgs:
            return False, user.organization_id
    raise UserError("您无权查看该项目的定标信息", "You may not see this tender's award",
                    status=403, code="forbidden")
