"""Tables of the service's aftercare (City §41, §35): the applicant's rating with its follow-up,
complaints with their assignment and answer, and failed public look-ups (for the throttle)."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class RatingLevel(enum.StrEnum):
    """Five levels, best first (好差评)."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    NEUTRAL = "neutral"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


BAD_LEVELS = frozenset({RatingLevel.DISSATISFIED.value, RatingLevel.VERY_DISSATISFIED.value})
SCORES = {RatingLevel.VERY_SATISFIED.value: 5, RatingLevel.SATISFIED.value: 4,
          RatingLevel.NEUTRAL.value: 3, RatingLevel.DISSATISFIED.value: 2,
          RatingLevel.VERY_DISSATISFIED.value: 1}


class ComplaintStatus(enum.StrEnum):
    REGISTERED = "registered"  # filed, waiting to be assigned
    ASSIGNED = "assigned"  # a staff member answers it
    ANSWERED = "answered"


class Rating(Base):
    """The applicant's one rating of one application; a bad one is followed up by staff."""

    __tablename__ = "intake_rating"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(String(1000), default="")
    rated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    rated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Only for a bad rating: followed up by the end of this day.
    follow_up_due_day: Mapped[dt.date | None] = mapped_column(Date)
    followed_up_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    followed_up_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    follow_up_note: Mapped[str] = mapped_column(String(2000), default="")


class Complaint(Base):
    """A complaint about the service, registered, assigned to a staff member and answered in
    time; regulators see them all."""

    __tablename__ = "intake_complaint"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    # The application complained about, if any (its tracking number, checked on filing).
    application_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("intake_application.id", ondelete="SET NULL"), index=True)
    filed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    filed_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"))
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    subject: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=ComplaintStatus.REGISTERED.value)
    answer_due_day: Mapped[dt.date] = mapped_column(Date)
    assigned_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    assigned_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))


class LookupFailure(Base):
    """A public look-up (progress or notice verification) that matched nothing, kept for the
    throttle window: guessing verification codes is slowed per address."""

    __tablename__ = "intake_lookup_failure"
    __table_args__ = (Index("ix_intake_lookup_failure_address_at", "address", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
