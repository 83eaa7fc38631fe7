"""Tables of the award stage: one row per section for the publicity, the award and the
contract, the objections to the result, and the signed award / result notices (R-35..R-37).

Registered by one import at the end of ``bidding.models`` (one metadata, one history)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Integer, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class AwardLetterKind:
    AWARD = "award_notice"  # 中标通知书, to the winner
    RESULT = "result_notice"  # 中标结果通知书, to every other bidder


class SectionAward(Base):
    """A section's way from the final report to the contract (R-35..R-37)."""

    __tablename__ = "award_section"

    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender_section.id", ondelete="CASCADE"), primary_key=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    report_final_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    publish_due: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # 3 days
    # The candidate publicity (中标候选人公示), as published.
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    publicity_notice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    publicity_days: Mapped[int | None] = mapped_column(Integer)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    publicity_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The award (定标).
    winner_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    winner_rank: Mapped[int | None] = mapped_column(Integer)
    award_reason: Mapped[str | None] = mapped_column(Text)
    awarded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    awarded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result_notice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    contract_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # 30 days


class ResultObjection(Base):
    """异议 to the evaluation result, raised by a bidder of the section during publicity (R-36)."""

    __tablename__ = "award_objection"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("award_section.section_id", ondelete="CASCADE"), index=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    bidder_org_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    raised_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer_due: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class AwardLetter(Base):
    """A signed 中标通知书 (winner) or 中标结果通知书 (the others), all issued at one moment."""

    __tablename__ = "award_letter"
    __table_args__ = (UniqueConstraint("section_id", "bidder_org_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("award_section.section_id", ondelete="CASCADE"), index=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    bidder_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content: Mapped[dict[str, Any]] = mapped_column(JSON)  # the signed fields
    key_id: Mapped[str] = mapped_column(String(32))
    signature: Mapped[str] = mapped_column(Text)  # base64 Ed25519
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class AwardContract(Base):
    """The contract filed after the award notice (R-37), one per section."""

    __tablename__ = "award_contract"

    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("award_section.section_id", ondelete="CASCADE"), primary_key=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    term: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(300))
    filed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    notice_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
