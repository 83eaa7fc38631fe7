"""Tables of the bid security stage (投标保证金, R-16): incoming payments, guarantee letters,
the sub-account register written at the close, and refunds.

Secrecy (docs/bidding.md, "Bid security"): before a tender's deadline no row here names a
tender, a section or a bidder together. A payment and a guarantee letter carry only the
virtual sub-account (an HMAC of section and bidder under the platform's secret key, which is
not in the database); ``security_account`` — which sub-account is whose — is written at the
close, when who bid becomes public anyway.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from trading.db import Base, UTCDateTime


class PaymentStatus(enum.StrEnum):
    UNMATCHED = "unmatched"  # held: its sub-account is not (yet) known to belong to a bidder
    MATCHED = "matched"  # matched to a bidder and section
    RETURNED = "returned"  # resolved by staff: not a bid security, returned to the payer


class RefundReason(enum.StrEnum):
    WITHDRAWAL = "withdrawal"  # the bidder withdrew its bid (R-16, Regs §35)
    AWARD = "award"  # neither winner nor second candidate (R-16, Regs §57)
    CONTRACT = "contract"  # the winner and the second candidate, once the contract is filed
    FAILED = "failed"  # the section failed at the close
    RETURNED = "returned"  # staff returned a payment that belongs to no bid


class RefundStatus(enum.StrEnum):
    DUE = "due"
    REFUNDED = "refunded"


class SecurityAccount(Base):
    """Which sub-account is whose: written at the close (never before the deadline)."""

    __tablename__ = "security_account"
    __table_args__ = (UniqueConstraint("section_id", "bidder_id", name="uq_security_account_bidder"),)

    sub_account: Mapped[str] = mapped_column(String(32), primary_key=True)
    tender_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tender.id", ondelete="CASCADE"), index=True
    )
    section_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    bidder_id: Mapped[uuid.UUID] = mapped_column(Uuid)  # the bidder's organization
    registered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class SecurityPayment(Base):
    """One credit on the security account's statement (bank import, gateway or statement file)."""

    __tablename__ = "security_payment"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    bank_serial: Mapped[str] = mapped_column(String(64), unique=True)  # 银行流水号
    sub_account: Mapped[str] = mapped_column(String(32), index=True)  # 收款子账号
    # Payer and amount are sealed (``vault``) until the payment is matched at or after the
    # close, or opened by staff with a logged reason: a payer's name and an amount equal to a
    # tender's security would tell who means to bid for what.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    payer_name: Mapped[str | None] = mapped_column(String(200))
    payer_account: Mapped[str | None] = mapped_column(String(40))
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    trade_date: Mapped[dt.date] = mapped_column(Date)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())  # recorded by the platform
    source: Mapped[str] = mapped_column(String(16))  # "statement" or "gateway"
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.UNMATCHED.value)
    # Filled when matched (at or after the close): never before the deadline.
    section_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    bidder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    matched_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    resolution: Mapped[str | None] = mapped_column(String(500))  # staff's logged reason


class GuaranteeLetter(Base):
    """A guarantee letter (保函) in place of a payment, keyed by the sub-account like one."""

    __tablename__ = "security_guarantee"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    sub_account: Mapped[str] = mapped_column(String(32), index=True)
    issuer: Mapped[str] = mapped_column(String(200))
    number: Mapped[str] = mapped_column(String(64))
    valid_until: Mapped[dt.date] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    storage_key: Mapped[str] = mapped_column(String(300))  # the file, sealed by ``vault``
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    section_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)  # set at the close
    bidder_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)


class SecurityRefund(Base):
    """A refund owed on one payment, and its execution (to the payer's own account only)."""

    __tablename__ = "security_refund"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    payment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("security_payment.id", ondelete="CASCADE"), unique=True
    )
    reason: Mapped[str] = mapped_column(String(16))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=RefundStatus.DUE.value)
    to_account: Mapped[str | None] = mapped_column(String(40))
    bank_serial: Mapped[str | None] = mapped_column(String(64), unique=True)
    refunded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    refunded_by: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # Regs §57: the interest at the bank's current-deposit rate, fixed when the transfer is
    # recorded (``interest.py``): the rate in basis points, the days counted, the fen.
    interest_rate_bp: Mapped[int | None] = mapped_column(Integer)
    interest_days: Mapped[int | None] = mapped_column(Integer)
    interest_fen: Mapped[int | None] = mapped_column(BigInteger)


class GuaranteeRelease(Base):
    """The release of a guarantee letter (退还保函通知 / 保函解除函) to its issuer, where a payment
    would be refunded (R-16): signed by the platform key like the award notices, printable.
    At a withdrawal before the deadline its content names neither tender nor bidder."""

    __tablename__ = "security_guarantee_release"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    letter_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("security_guarantee.id", ondelete="CASCADE"), unique=True
    )
    number: Mapped[str] = mapped_column(String(32), unique=True)  # BHJC-YYYYMMDD-XXXXXXXX
    reason: Mapped[str] = mapped_column(String(16))  # a RefundReason
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    key_id: Mapped[str] = mapped_column(String(128))
    signature: Mapped[str] = mapped_column(String(128))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
