"""Tables of the award stage: one row per section for the publicity, the award and the
contract, the objections to the result, and the signed award / result notices (R-35..R-37).

Registered by one import at the end of ``bidding.models`` (one metadata, one history)."""

from __future__ import annotations

import datetime as dt
import enum
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


class ComplaintStatus(enum.StrEnum):
    """A complaint to the supervising department (投诉, R-38)."""

    FILED = "complaint_filed"  # 待受理: acceptance decided within 3 working days
    NOT_ACCEPTED = "not_accepted"  # 不予受理
    ACCEPTED = "complaint_accepted"  # 已受理: decision within 30 working days
    DISMISSED = "dismissed"  # 驳回
    UPHELD = "upheld"  # 投诉成立, with what must be corrected


class ComplaintSubject(enum.StrEnum):
    """Which objection came first (Regs §60: some matters are objected to before a complaint)."""

    DOCUMENTS = "documents_objection"  # 对招标文件的异议
    RESULT = "result_objection"  # 对评标结果的异议


class ExclusionKind(enum.StrEnum):
    """Time not counted in the 30 working days (Regs §61)."""

    TESTING = "testing"  # 检验、检测、鉴定
    EXPERT_REVIEW = "expert_review"  # 专家评审


class Complaint(Base):
    """投诉 to the supervising department after an objection (R-38), with the objection and its
    answer attached as they stood when the complaint was filed."""

    __tablename__ = "award_complaint"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)  # a result objection's section
    objection_kind: Mapped[str] = mapped_column(String(24))
    objection_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    objection_text: Mapped[str] = mapped_column(Text)
    objection_answer: Mapped[str | None] = mapped_column(Text)  # None: left unanswered
    complainant_org_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    filed_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    knew_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # the answer, or its limit
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(24))
    accept_due: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # 3 working days
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # or refused at
    acceptance_reason: Mapped[str | None] = mapped_column(Text)
    decision_due: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # moved by pauses
    excluded_days: Mapped[int] = mapped_column(Integer, default=0)
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decision_text: Mapped[str | None] = mapped_column(Text)
    corrections: Mapped[str | None] = mapped_column(Text)  # upheld: what must be corrected
    award_paused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    award_pause_reason: Mapped[str | None] = mapped_column(Text)


class ComplaintExclusion(Base):
    """A period the regulator excluded from the 30 working days (testing, expert review)."""

    __tablename__ = "award_complaint_exclusion"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    complaint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("award_complaint.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    working_days: Mapped[int | None] = mapped_column(Integer)  # added to the limit at the end
