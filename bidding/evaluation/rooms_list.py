"""Which evaluation rooms a signed-in user may enter: staff and regulators every opened
section's; an expert those of the sections whose committee seats them."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.evaluation.room import EVALUABLE
from bidding.models import Section, Tender
from expert_pool import services as experts
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser


@dataclass(frozen=True)
class RoomEntry:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    tender_title: str
    section_number: int
    section_name: str


def rooms_for(session: Session, user: CurrentUser, limit: int = 200) -> list[RoomEntry]:
    rows = session.execute(
        select(Tender.id, Section.id, Tender.title, Section.number, Section.name)
        .join(Section, Section.tender_id == Tender.id)
        .where(Tender.state.in_(EVALUABLE), Section.failed.is_(False))
        .order_by(Tender.opened_at.desc(), Section.number).limit(limit)
    ).all()
    entries = [RoomEntry(*row) for row in rows]
    if Role.STAFF.value in user.roles or Role.REGULATOR.value in user.roles:
        return entries
    return [e for e in entries
            if experts.sits_on_committee(session, user.id, e.tender_id, e.section_id)]
