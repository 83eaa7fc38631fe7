"""Tables of the bidding domain: tenders, sections, documents, custody, bids, the opening.

Money is integer fen (分). There is deliberately no minimum-price column anywhere (R-17: a
minimum price is forbidden). The plain opening private key column stays empty until the
opening: custodians' shares are refused before the deadline, so nothing here can open a bid
before it (R-22).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from trading.db import Base, UTCDateTime


class TenderState(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CLOSED = "closed"  # submission over; the opening waits for shares or is decrypting
    OPENED = "opened"
    FAILED = "failed"  # 流标
    EVALUATED = "evaluated"
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class BidStatus(enum.StrEnum):
    SUBMITTED = "submitted"  # the bidder's live bid for the section
    SUPERSEDED = "superseded"  # replaced by a newer envelope before the deadline
    WITHDRAWN = "withdrawn"  # withdrawn by the bidder before the deadline


class OpenStatus(enum.StrEnum):
    PENDING = "pending"  # frozen at closing, not decrypted yet
    OPENED = "opened"
    REVOKED = "revoked"  # 撤销: failed to decrypt by the bidder's fault
    WITHDRAWN = "withdrawn"  # 撤回: failed to decrypt by another's fault


class Tender(Base):
    __tablename__ = "tender"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    title: Mapped[str] = mapped_column(String(200))
    code: Mapped[str] = mapped_column(String(32), unique=True)  # 项目编号 (bidding/project_codes.py)
    category: Mapped[str] = mapped_column(String(64))
    region: Mapped[str] = mapped_column(String(64))
    evaluation_method: Mapped[str] = mapped_column(String(64))
    # The method as data (bidding.evaluation.presets.to_data): set while a draft, published
    # with the tender, read by the committee. Empty only on tenders made before issue 15.
    evaluation_plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    description: Mapped[str] = mapped_column(Text, default="")
    tenderee_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # 行政监督部门 (R-38, Regs §60): the regulator organisation that handles its complaints.
    # Empty only on tenders made while no regulator organisation existed.
    supervisor_org_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    state: Mapped[str] = mapped_column(String(16), default=TenderState.DRAFT.value, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    bidder_decrypts: Mapped[bool] = mapped_column(Boolean, default=False)
    custody_k: Mapped[int] = mapped_column(Integer)
    custody_n: Mapped[int] = mapped_column(Integer)
    # The legal periods, fixed at publication and moved by amendments.
    documents_issued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sale_ends_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    deadline: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The custody ceremony's output: only the public half before the opening.
    opening_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    opening_key_id: Mapped[str | None] = mapped_column(String(128))
    ceremony: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Reconstructed from k shares after the deadline; given to regulators after the opening.
    opening_private_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    key_reconstructed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    frozen_root: Mapped[str | None] = mapped_column(String(64))
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Bidder-decrypts mode: the end of the window for bidders' key halves (set when the key is
    # rebuilt; moved to the moment the last half arrives).
    halves_due_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    paused_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Section(Base):
    """标段: a lot of a tender; bids are per section."""

    __tablename__ = "tender_section"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    estimated_price_fen: Mapped[int] = mapped_column(BigInteger)
    max_price_fen: Mapped[int | None] = mapped_column(BigInteger)  # published
    bid_security_fen: Mapped[int] = mapped_column(BigInteger)  # ≤ 2% of estimate
    failed: Mapped[bool] = mapped_column(Boolean, default=False)  # < 3 bidders at closing


class CustodianKey(Base):
    """A custodian's long-term public key; the private key never leaves its machine."""

    __tablename__ = "custodian_key"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    key_id: Mapped[str] = mapped_column(String(128))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    signing_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class PanelMember(Base):
    """A custodian on a tender's k-of-n panel and (after the deadline) its submitted share."""

    __tablename__ = "tender_custodian"

    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # 1..n: its index in the key ceremony
    key_id: Mapped[str | None] = mapped_column(String(128))  # its key in the ceremony done
    share: Mapped[bytes | None] = mapped_column(LargeBinary)  # only after the deadline
    share_submission: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    share_submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    share_bad: Mapped[bool] = mapped_column(Boolean, default=False)


class CeremonyState(enum.StrEnum):
    DEALING = "dealing"  # custodians publish their contributions
    CHECKING = "checking"  # each checks the shares dealt to it, complains or confirms
    ANSWERING = "answering"  # the accused reveal the complained-of shares
    COMPLETED = "completed"
    FAILED = "failed"


class KeyCeremony(Base):
    """One round of a tender's dealer-free key generation (docs/dkg.md). Public data only:
    the ceremony document, and at the end the transcript the opening key is derived from."""

    __tablename__ = "key_ceremony"
    __table_args__ = (UniqueConstraint("tender_id", "round"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    round: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    digest: Mapped[str] = mapped_column(String(64))
    started_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    failure: Mapped[str | None] = mapped_column(String(64))
    transcript: Mapped[bytes | None] = mapped_column(LargeBinary)
    transcript_hash: Mapped[str | None] = mapped_column(String(64))


class CeremonyStep(Base):
    """A signed contribution, complaint or reveal, or a custodian's "all my shares check"."""

    __tablename__ = "key_ceremony_step"
    __table_args__ = (UniqueConstraint("ceremony_id", "kind", "author", "about"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ceremony_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("key_ceremony.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # contribution | complaint | reveal | checked
    author: Mapped[int] = mapped_column(Integer)  # the custodian index that signed it
    about: Mapped[int] = mapped_column(Integer, default=0)  # accused / recipient, else 0
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    digest: Mapped[str | None] = mapped_column(String(64))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class TenderDocument(Base):
    """A tender document, clarification or amendment file, identified by its SHA-256."""

    __tablename__ = "tender_document"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # document | clarification
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class DocumentDownload(Base):
    """One download (R-14: no sign-up needed; hidden until the deadline; R-15: notified)."""

    __tablename__ = "document_download"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    document_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender_document.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    contact: Mapped[str | None] = mapped_column(String(200))
    ip: Mapped[str | None] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class Clarification(Base):
    """澄清/修改 (R-12): may move the deadline; every downloader is notified (R-15)."""

    __tablename__ = "tender_clarification"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(Text)
    affects_preparation: Mapped[bool] = mapped_column(Boolean, default=True)
    deadline_before: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    deadline_after: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # how many downloaders were notified stays secret until the deadline. The log holds
    # a salted commitment to it; the closing reveals count and salt (tender.downloads_revealed).
    notified_count: Mapped[int | None] = mapped_column(Integer)
    notified_salt: Mapped[str | None] = mapped_column(String(64))


class Objection(Base):
    """异议 to the tender documents (R-13)."""

    __tablename__ = "tender_objection"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    raised_by: Mapped[uuid.UUID] = mapped_column(Uuid)
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer_due: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """A message to a user (or to an anonymous downloader's contact); e-mail is out of scope."""

    __tablename__ = "bidding_notification"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    download_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    message_zh: Mapped[str] = mapped_column(Text)
    message_en: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


# The partial unique index's predicate. A query meant to use that index must name the status
# with this constant, not a parameter: a generic plan cannot prove a parameter matches it.
LIVE_BID_SQL = "status = 'submitted'"
LIVE_BID: ColumnElement[bool] = literal_column(LIVE_BID_SQL, Boolean)  # for WHERE clauses


class Bid(Base):
    """One sealed envelope as received. Its content stays opaque until the opening."""

    __tablename__ = "bid"
    __table_args__ = (
        # One live bid per bidder per section: a new one supersedes the old in one transaction.
        Index(
            "uq_bid_live_section_bidder",
            "section_id",
            "bidder_id",
            unique=True,
            sqlite_where=LIVE_BID_SQL,
            postgresql_where=LIVE_BID_SQL,
        ),
        # A tender's bids, and one bidder's among them (``my-bids``, once per bidder in a
        # spike: by the tender alone it read every bid of the tender each time).
        Index("ix_bid_tender_id_bidder_id", "tender_id", "bidder_id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tender_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tender.id", ondelete="CASCADE"))
    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender_section.id", ondelete="CASCADE")
    )
    bidder_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the bidder's organization
    submitted_by: Mapped[uuid.UUID] = mapped_column(Uuid)  # the user who uploaded it
    submitted_ip: Mapped[str | None] = mapped_column(String(64))  # R-50; red flags
    status: Mapped[str] = mapped_column(String(16), default=BidStatus.SUBMITTED.value)
    envelope_sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    key_id: Mapped[str] = mapped_column(String(128))
    storage_key: Mapped[str] = mapped_column(String(300))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # The receipt names the log promise; the index is filled when the closing settles it.
    log_promise: Mapped[int | None] = mapped_column(BigInteger)
    log_index: Mapped[int | None] = mapped_column(BigInteger)
    receipt: Mapped[str] = mapped_column(Text)
    # The bidder's detached Ed25519 signature over the digest (header X-Bid-Signature) and the
    # public key it claims; checked at upload and again at the opening.
    signature: Mapped[bytes | None] = mapped_column(LargeBinary)
    signer_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The opening; empty until the bid is on the frozen list.
    open_status: Mapped[str | None] = mapped_column(String(16))
    open_reason: Mapped[str | None] = mapped_column(Text)
    price_fen: Mapped[int | None] = mapped_column(BigInteger)
    announced: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    opened_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Bidder-decrypts mode: the bidder's unsealed half of the file key, accepted in the window
    # after the opening key is rebuilt (checked against the envelope when it arrives).
    bidder_half: Mapped[bytes | None] = mapped_column(LargeBinary)
    bidder_half_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class OpeningRecord(Base):
    """开标记录: produced once all frozen bids are decrypted (R-23)."""

    __tablename__ = "opening_record"

    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), primary_key=True
    )
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    log_index: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class BidLogSeal(Base):
    """Who made a ``bid.*`` log entry before the deadline. The log entry carries only a
    commitment to this row (docs/bidding.md, "Who bid stays secret"); the closing reveals
    the rows of its tender into the log (``tender.bidders_revealed``)."""

    __tablename__ = "bid_log_seal"

    # The salt is random per entry and known when the entry is made; the log position of a
    # promised entry (``promise``) is known only once the sequencer appends it (``settle``).
    salt: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    promise: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    bid_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bidder_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the bidder's organization
    user_id: Mapped[str | None] = mapped_column(String(64))  # the actor the entry does not name
    ip: Mapped[str | None] = mapped_column(String(64))


# Tables kept beside their stage's code, registered here so that ``bidding.models`` is the
# one module the platform imports for the domain's metadata.
from bidding.award import models as award_models  # noqa: E402,F401
from bidding.evaluation import models as evaluation_models  # noqa: E402,F401
from bidding.hall import models as hall_models  # noqa: E402,F401
from bidding.project_codes import ProjectCodeCounter  # noqa: E402,F401
from bidding.security import models as security_models  # noqa: E402,F401
