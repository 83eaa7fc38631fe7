"""Tables of the evaluation (issue 15): the committee's room for a section, the chair's
election, marks, rejections, clarifications, the report's signatures, and the price
adjustments of the lowest evaluated price method. Registered by one import at the end of
``bidding.models`` (the one ``models_module`` of the domain); foreign keys by name, so that this
module needs nothing from it."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class EvaluationRoom(Base):
    """A section's evaluation: the chair election's round and outcome, and the close of scoring.
    The members are the expert pool's seated committee (expert_pool.services.committee_of)."""

    __tablename__ = "evaluation_room"

    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender_section.id", ondelete="CASCADE"), primary_key=True
    )
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    election_round: Mapped[int] = mapped_column(Integer, default=1)
    # The round's candidates when an earlier round tied (user ids); empty: every member.
    runoff: Mapped[list[str] | None] = mapped_column(JSON)
    chair_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    chair_elected_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ChairVote(Base):
    """One member's vote in one round of the chair election (评标委员会负责人)."""

    __tablename__ = "evaluation_chair_vote"
    __table_args__ = (UniqueConstraint("section_id", "round", "voter_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    voter_user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    candidate_user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class EvaluationMark(Base):
    """A member's mark for one bid on one criterion (decimal text, two places), with the reason
    for a deduction or a failure. Editable until the member submits."""

    __tablename__ = "evaluation_mark"
    __table_args__ = (UniqueConstraint("section_id", "member_user_id", "bid_id", "criterion"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    member_user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(20))
    mark: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    marked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class MarkSubmission(Base):
    """A member's marks submitted: final; only then may the member see the others'."""

    __tablename__ = "evaluation_submission"

    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), primary_key=True
    )
    member_user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BidRejection(Base):
    """A bid rejected by the committee (否决投标), recorded by the chair with its legal ground
    (``bidding.evaluation.rejection.GROUNDS``) and the committee's reason; out of the standings."""

    __tablename__ = "evaluation_rejection"
    __table_args__ = (UniqueConstraint("section_id", "bid_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"))
    ground: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    rejected_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class ReportSignature(Base):
    """A member's signature of the evaluation report (R-35): the report's SHA-256 as they read
    it, and a dissent with its reasons if they disagree. Void (``void_at``) once a review sends
    a step back; the report is final when every seated member holds a live signature of it."""

    __tablename__ = "evaluation_report_signature"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    member_user_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    report_sha256: Mapped[str] = mapped_column(String(64))
    dissent: Mapped[str | None] = mapped_column(Text)
    signed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    void_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class EvaluationClarification(Base):
    """A request for clarification (澄清) from the committee to a bidder, with a reply deadline;
    the bidder's reply is attached to the record (and the report)."""

    __tablename__ = "evaluation_clarification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    asked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    reply_by: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the deadline
    reply: Mapped[str | None] = mapped_column(Text)
    replied_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    replied_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PriceAdjustment(Base):
    """One price adjustment (评标价格调整) of a bid by the committee, lowest evaluated price
    method (评标委员会和评标方法暂行规定 第三十二条): a deviation priced in, up (positive) or down
    (negative), in fen, with its reason; recorded by the chair. The evaluated price is the bid
    price plus the bid's adjustments."""

    __tablename__ = "evaluation_price_adjustment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evaluation_room.section_id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("bid.id", ondelete="CASCADE"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
