"""Tables of the opening hall (开标大厅, issue 13): who of each bidding organization signed in,
and each bidder's answer to its line of the opening record (唱标确认 or 异议, R-24).

Registered by one import at the end of ``bidding.models`` (one metadata, one history)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class HallVerdict(enum.StrEnum):
    CONFIRMED = "confirmed"  # the bidder confirmed its line as read out
    OBJECTED = "objected"  # the bidder raised an objection to the opening


class HallSignIn(Base):
    """One bidding organization signed in to a tender's opening hall (at most once)."""

    __tablename__ = "opening_hall_sign_in"

    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), primary_key=True)
    bidder_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    signed_in_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class HallLine(Base):
    """A bidder's answer to its own line of the opening record, and the answer given on the
    spot to its objection. No row after the window: deemed not to object (docs/bidding.md)."""

    __tablename__ = "opening_hall_line"

    bid_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("bid.id", ondelete="CASCADE"), primary_key=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    bidder_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    verdict: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    acted_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    acted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
