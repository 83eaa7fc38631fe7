"""The expert pool's operations for other domains: the only module they may import.

The evaluation stage (bidding) asks who sits on a section's committee; it never reads the
pool's tables. Names are returned here because only the committee's own room and staff use
them; callers keep R-33 (names sealed until the result) in their own pages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.models import Draw, DrawPick, DrawState, Expert, PickState

# Seats that count at the evaluation: confirmed, or checked in (R-34: a recused seat is void).
SEATED = (PickState.CONFIRMED.value, PickState.CHECKED_IN.value)


@dataclass(frozen=True)
class Seat:
    draw_number: str
    expert_number: str
    expert_name: str
    user_id: uuid.UUID | None
    specialty_code: str
    checked_in: bool
    pledged: bool


def committee_of(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> list[Seat]:
    """The experts holding a seat for the section, from its live (not cancelled) draws."""
    rows = session.execute(
        select(Draw.number, Expert.number, Expert.name, Expert.user_id, DrawPick.specialty_code,
               DrawPick.checked_in_at, DrawPick.pledged_at)
        .join(DrawPick, DrawPick.draw_id == Draw.id)
        .join(Expert, Expert.id == DrawPick.expert_id)
        .where(Draw.tender_id == tender_id, Draw.section_id == section_id,
               Draw.state != DrawState.CANCELLED.value, DrawPick.state.in_(SEATED))
        .order_by(DrawPick.specialty_code, DrawPick.rank)
    ).all()
    return [Seat(draw, number, name, user, code, checked is not None, pledged is not None)
            for draw, number, name, user, code, checked, pledged in rows]


def sits_on_committee(session: Session, user_id: uuid.UUID, tender_id: uuid.UUID,
                      section_id: uuid.UUID) -> bool:
    return any(seat.user_id == user_id for seat in committee_of(session, tender_id, section_id))


__all__ = ["Seat", "committee_of", "sits_on_committee"]
