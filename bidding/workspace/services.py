"""What the bidder's workspace (我的项目) gathers, per tender the bidder organization took
part in: its bids with their receipts, the tender's public notices, the objections its people
raised with their answers, and the notifications sent to the signed-in user.

A tender counts when one of the organization's users downloaded its documents, raised an
objection to it or was notified about it, or when the organization bid for it. Only the
organization's own bids are read; never another bidder's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.models import (
    Bid,
    DocumentDownload,
    Notification,
    Objection,
    Section,
    Tender,
    TenderState,
)
from bidding.submission import intake
from bidding.tendering import announcement
from trading.accounts.models import User
from trading.accounts.services import CurrentUser

#: Tenders a draft (never shown to bidders) does not count.
HIDDEN = (TenderState.DRAFT.value,)
MAX_TENDERS = 200


@dataclass
class TenderFile:
    """One tender as its bidder sees it in the workspace."""

    tender: Tender
    downloaded: bool = False
    sections: dict[uuid.UUID, Section] = field(default_factory=dict)
    bids: list[Bid] = field(default_factory=list)
    log_positions: dict[uuid.UUID, int] = field(default_factory=dict)
    notices: list[Any] = field(default_factory=list)  # disclosure's public notices
    objections: list[Objection] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)

    @property
    def live_bids(self) -> int:
        return sum(1 for b in self.bids if b.status == "submitted")


def colleagues(session: Session, user: CurrentUser) -> list[uuid.UUID]:
    """The users of the signed-in user's organization (the user alone without one)."""
    if user.organization_id is None:
        return [user.id]
    ids = list(session.scalars(select(User.id).where(User.organization_id == user.organization_id)))
    return ids or [user.id]


def workspace(session: Session, user: CurrentUser) -> list[TenderFile]:
    """The bidder's tenders, the newest deadline first."""
    org = intake.bidder_org(session, user)
    people = colleagues(session, user)
    downloaded = set(session.scalars(select(DocumentDownload.tender_id).where(
        DocumentDownload.user_id.in_(people))))
    bids = list(session.scalars(select(Bid).where(Bid.bidder_id == org.id)
                                .order_by(Bid.submitted_at.desc())))
    objections = list(session.scalars(select(Objection).where(Objection.raised_by.in_(people))
                                      .order_by(Objection.raised_at)))
    notes = list(session.scalars(select(Notification).where(Notification.user_id == user.id)
                                 .order_by(Notification.id.desc()).limit(500)))
    ids = downloaded | {b.tender_id for b in bids} | {o.tender_id for o in objections} | {
        n.tender_id for n in notes}
    if not ids:
        return []
    tenders = list(session.scalars(select(Tender).where(Tender.id.in_(ids),
                                                        Tender.state.not_in(HIDDEN))))
    files = {t.id: TenderFile(t, downloaded=t.id in downloaded) for t in tenders}
    for section in session.scalars(select(Section).where(Section.tender_id.in_(files))):
        files[section.tender_id].sections[section.id] = section
    positions = intake.log_positions(session, bids)
    for bid in bids:
        if bid.tender_id in files:
            files[bid.tender_id].bids.append(bid)
            if bid.id in positions:
                files[bid.tender_id].log_positions[bid.id] = positions[bid.id]
    for objection in objections:
        if objection.tender_id in files:
            files[objection.tender_id].objections.append(objection)
    for note in notes:
        if note.tender_id in files:
            files[note.tender_id].notifications.append(note)
    for tender_id, item in files.items():
        item.notices = announcement.public_notices(session, tender_id)
    ordered = sorted(files.values(), key=lambda f: (
        f.tender.deadline is None, -(f.tender.deadline.timestamp() if f.tender.deadline else 0)))
    return ordered[:MAX_TENDERS]

