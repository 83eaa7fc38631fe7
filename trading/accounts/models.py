"""Tables for organizations, users, roles, API tokens and the log-in throttle."""

from __future__ import annotations

import datetime as dt
import enum
import uuid

from sqlalchemy import ForeignKey, Index, String, Uuid, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trading.db import Base, UTCDateTime


class Role(enum.StrEnum):
    BIDDER = "bidder"
    TENDEREE = "tenderee"  # tenderee or its tendering agent
    STAFF = "staff"  # trading-center staff
    CUSTODIAN = "custodian"
    EXPERT = "expert"
    REGULATOR = "regulator"
    ADMIN = "admin"
    BANK = "bank"  # the settlement bank's gateway: reports incoming bid-security payments


class OrganizationKind(enum.StrEnum):
    BIDDER = "bidder"
    TENDEREE = "tenderee"
    AGENT = "agent"
    TRADING_CENTER = "trading_center"
    REGULATOR = "regulator"
    OTHER = "other"


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class User(Base):
    __tablename__ = "user_account"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    organization_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="RESTRICT"), index=True
    )
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    # Contact details the forgotten-password form checks (never shown to the public).
    email: Mapped[str | None] = mapped_column(String(254))
    mobile: Mapped[str | None] = mapped_column(String(20))
    # Set for an initial or temporary password: the next log-in must choose a new one.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A temporary password (admin reset) stops working at this instant (server clock).
    password_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    organization: Mapped[Organization | None] = relationship(lazy="joined")
    roles: Mapped[list[UserRole]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", back_populates="user"
    )

    @property
    def role_names(self) -> frozenset[str]:
        return frozenset(role.role for role in self.roles)


# Log-in, registration and the password-reset form find an account by its name in any case:
# without this index each of them read every account. Unique: a name is taken in every case.
Index("uq_user_account_username_lower", func.lower(User.username), unique=True)


class UserRole(Base):
    __tablename__ = "user_role"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(32), primary_key=True)

    user: Mapped[User] = relationship(back_populates="roles")


class ApiToken(Base):
    """A bearer token for the JSON API; only its SHA-256 is stored."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class LoginFailure(Base):
    """One failed log-in, kept for the throttle window (per account and per address)."""

    __tablename__ = "login_failure"
    __table_args__ = (
        Index("ix_login_failure_username_at", "username", "at"),
        Index("ix_login_failure_address_at", "address", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class WebSession(Base):
    """A browser log-in. The cookie carries a random token; only its SHA-256 is stored, so a
    copy of the database cannot be replayed as a session. A new token is issued at every
    log-in (no session fixation) and sessions die with a role change or log-out."""

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)
    address: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship(lazy="joined")


class PasswordResetRequest(Base):
    """A forgotten-password request filed on the public form, for an administrator to handle.

    Only requests whose username and contact matched an account are queued; the form answers
    the same either way, so it does not reveal which accounts exist.
    """

    __tablename__ = "password_reset_request"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    filed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    address: Mapped[str | None] = mapped_column(String(64))
    # open, reset (an administrator issued a temporary password) or dismissed
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    handled_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship(lazy="joined", foreign_keys=[user_id])
