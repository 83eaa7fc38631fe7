"""Disclosure tables: public notices, and the unredacted originals kept apart for regulators.

``disclosure_notice`` holds only what may be public (redacted title and data); every public
path (pages, feeds, OCDS) reads it and nothing else. ``disclosure_notice_private`` holds the
data as submitted, read only by the regulator's view.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    Uuid,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime

# The partial index's predicate. A query meant to use that index must name the status with this
# constant, not a parameter: a connection's generic plan cannot prove a parameter matches it.
PUBLIC_SQL = "status = 'public'"


class Notice(Base):
    __tablename__ = "disclosure_notice"
    __table_args__ = (
        CheckConstraint("status IN ('scheduled', 'public')", name="status"),
        # Keyset pagination of the portal's lists, newest first, with and without filters.
        Index("ix_disclosure_notice_public_order", "published_at", "id",
              sqlite_where=PUBLIC_SQL, postgresql_where=PUBLIC_SQL),
        Index("ix_disclosure_notice_region_order", "region", "published_at", "id"),
        Index("ix_disclosure_notice_category_order", "category", "published_at", "id"),
        Index("ix_disclosure_notice_type_order", "notice_type", "published_at", "id"),
        Index("ix_disclosure_notice_tender", "tender_ref", "published_at"),
        Index("ix_disclosure_notice_corrects", "corrects_id"),
        # PostgreSQL only: keyword search narrows rows by the bigrams of search_text (see
        # disclosure/search.py); SQLite (the embedded mode) searches with LIKE alone.
        Index("ix_disclosure_notice_search_grams",
              func.string_to_array(text("search_grams"), " "),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    notice_type: Mapped[str] = mapped_column(String(32))
    tender_ref: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    region: Mapped[str] = mapped_column(String(32))
    category: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # redacted: safe to publish
    content_hash: Mapped[str] = mapped_column(String(64))
    # Index of the ``notice.published`` log entry, which carries content_hash.
    log_index: Mapped[int] = mapped_column(BigInteger, unique=True)
    # Index of the log entry that made the notice public: the change feed's cursor. Taken
    # under the log's head lock, so it grows in commit order (see docs/disclosure.md).
    feed_seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    status: Mapped[str] = mapped_column(String(16))
    publish_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    corrects_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("disclosure_notice.id", ondelete="RESTRICT")
    )
    # Normalized (NFKC, lower case) title and key items; searched with LIKE, and on
    # PostgreSQL through a GIN index over its character bigrams (search_grams).
    search_text: Mapped[str] = mapped_column(Text)
    search_grams: Mapped[str] = mapped_column(Text)
    # For candidate publicity: when the window closes.
    publicity_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class NoticePrivate(Base):
    """The notice as submitted (unredacted) and what was marked secret: regulators only."""

    __tablename__ = "disclosure_notice_private"

    notice_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("disclosure_notice.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(String(300))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    secret_fields: Mapped[list[str]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(64))
