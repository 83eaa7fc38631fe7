"""Tables of the applicant's materials library (电子信息库, City §34, R-07): every file an
applicant has on record, with its validity, reusable on any later application."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Uuid
from sqlalchemy.orm import Mapped, deferred, mapped_column

from trading.db import Base, UTCDateTime


class LibraryCategory(enum.StrEnum):
    BASIC = "basic"  # 基础信息: licences of the organisation itself, ID documents
    SUBMITTED = "submitted"  # 申请材料: handed in with an application
    CONCLUSION = "conclusion"  # 审查结论
    LICENCE = "licence"  # 证照批文
    OTHER = "other"  # 其他记录


class LibraryEntry(Base):
    """One file on record for an applicant: its organisation's when it has one (so colleagues
    share it), otherwise the user's own."""

    __tablename__ = "intake_library_entry"
    __table_args__ = (Index("ix_intake_library_owner", "owner_org_id", "owner_user_id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="CASCADE"))
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # The last day the document is valid (None: no end, e.g. a signed application form).
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    # The application it came from (submitted materials, licences issued), if any.
    source_tracking: Mapped[str | None] = mapped_column(String(32))
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
