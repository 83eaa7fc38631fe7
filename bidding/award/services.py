"""The award stage's facts for the rest of the platform (re-exported by ``bidding.services``):
which section is awarded, to whom, and the ranked candidates (bid security refunds, R-16, keep
the winner's and the second candidate's security until the contract)."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bidding.award import common


@dataclass(frozen=True)
class Candidate:
    rank: int
    org_id: uuid.UUID
    name: str
    price_fen: int


@dataclass(frozen=True)
class Award:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    winner_org_id: uuid.UUID
    winner_rank: int
    notice_issued_at: dt.datetime  # the award notice (中标通知书) went out
    contract_due: dt.datetime | None
    candidates: tuple[Candidate, ...]  # as published, ranked

    @property
    def winner(self) -> Candidate:
        return next(c for c in self.candidates if c.org_id == self.winner_org_id)

    @property
    def second(self) -> Candidate | None:
        """The best-ranked published candidate other than the winner (R-16 keeps its
        security until the contract)."""
        return next((c for c in self.candidates if c.org_id != self.winner_org_id), None)


def awarded(session: Session, section_id: uuid.UUID) -> Award | None:
    """The section's award once the award notice is issued; None before."""
    row = common.state_of(session, section_id)
    if row is None or row.awarded_at is None or row.winner_org_id is None:
        return None
    candidates = tuple(Candidate(int(c["rank"]), uuid.UUID(c["org_id"]), str(c["bidder"]),
                                 int(c["price_fen"])) for c in row.candidates or [])
    return Award(row.tender_id, row.section_id, row.winner_org_id, row.winner_rank or 1,
                 row.awarded_at, row.contract_due, candidates)
