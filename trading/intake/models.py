"""Tables of the approval center's intake: departments, service items with their materials and
versions (the service guide), and applications with their uploaded materials."""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from trading.db import Base, UTCDateTime


class ItemKind(enum.StrEnum):
    IMMEDIATE = "immediate"  # 即办件: handled on the spot
    PROMISED = "promised"  # 承诺件: handled within a promised limit


class MaterialForm(enum.StrEnum):
    PAPER = "paper"
    ELECTRONIC = "electronic"
    BOTH = "both"


class ExcludedKind(enum.StrEnum):
    """Periods excluded from the limit (R-06, Licensing Law §45)."""

    HEARING = "hearing"
    TENDERING = "tendering"
    AUCTION = "auction"
    INSPECTION = "inspection"
    TESTING = "testing"
    QUARANTINE = "quarantine"
    APPRAISAL = "appraisal"
    EXPERT_REVIEW = "expert_review"


class Collection(enum.StrEnum):
    """How the applicant collects the result."""

    WINDOW = "window"
    POST = "post"
    ONLINE = "online"


class Channel(enum.StrEnum):
    ONLINE = "online"
    WINDOW = "window"


class ApplicantKind(enum.StrEnum):
    PERSON = "person"
    ORGANISATION = "organisation"


class ApplicationStatus(enum.StrEnum):
    RECEIVED = "received"  # registered, waiting for the decision on receipt
    CORRECTION = "correction"  # a one-time notice lists the corrections needed
    ACCEPTED = "accepted"  # acceptance notice issued
    DEEMED_ACCEPTED = "deemed_accepted"  # no notice within 5 working days: accepted
    REFUSED = "refused"  # refusal notice with reasons


class NoticeKind(enum.StrEnum):
    ACCEPTANCE = "acceptance"  # 受理通知书
    REFUSAL = "refusal"  # 不予受理通知书
    ONE_TIME = "one_time"  # 一次性告知通知书


class RegionLevel(enum.StrEnum):
    CITY = "city"  # 市
    COUNTY = "county"  # 县（市、区）
    TOWN = "town"  # 乡镇（街道）


class Region(Base):
    """A region of the one network of approval centers (City §5, §30): the city, its counties
    and districts, their towns. Each region's approval center takes the applications of the
    items of the departments in it."""

    __tablename__ = "intake_region"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(12), unique=True)  # administrative division code
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    level: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("intake_region.id", ondelete="RESTRICT"), index=True)

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class Department(Base):
    """A department taking applications at the approval center of its region."""

    __tablename__ = "intake_department"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(150))
    region_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_region.id", ondelete="RESTRICT"), index=True)

    region: Mapped[Region] = relationship(lazy="joined")

    def name(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name_zh


class ServiceItem(Base):
    """A service item (事项) and its guide (办事指南). ``version`` grows with every change; each
    version's full content is kept in ``ServiceItemVersion``."""

    __tablename__ = "intake_item"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    department_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_department.id", ondelete="RESTRICT"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    legal_basis: Mapped[str] = mapped_column(Text)
    conditions: Mapped[str] = mapped_column(Text)
    # No fee unless a published legal item and an amount (in fen) are both given.
    fee_basis: Mapped[str | None] = mapped_column(String(500))
    fee_fen: Mapped[int | None] = mapped_column(Integer)
    promised_days: Mapped[int] = mapped_column(Integer)  # working days; 0 for 即办件
    statutory_days: Mapped[int] = mapped_column(Integer)  # working days
    excluded_kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    online: Mapped[bool] = mapped_column(default=False)
    collection: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())

    department: Mapped[Department] = relationship(lazy="joined")
    participants: Mapped[list[ItemParticipant]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ItemParticipant.department_code")
    materials: Mapped[list[Material]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="Material.position")


class ItemParticipant(Base):
    """A department taking part in an item's approval (parallel approval, City §26)."""

    __tablename__ = "intake_item_participant"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_item.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_department.id", ondelete="RESTRICT"), primary_key=True)
    department_code: Mapped[str] = mapped_column(String(32))

    department: Mapped[Department] = relationship(lazy="joined")


class Material(Base):
    """A material an item asks for; the template file, if any, is free to download."""

    __tablename__ = "intake_material"
    __table_args__ = (UniqueConstraint("item_id", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    item_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("intake_item.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    form: Mapped[str] = mapped_column(String(16))
    copies: Mapped[int] = mapped_column(Integer, default=1)
    validity_needed: Mapped[bool] = mapped_column(default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    template_name: Mapped[str | None] = mapped_column(String(200))
    template_type: Mapped[str | None] = mapped_column(String(100))
    template_content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))


class ServiceItemVersion(Base):
    """The full content of one version of an item, as it was published."""

    __tablename__ = "intake_item_version"

    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_item.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    change: Mapped[str] = mapped_column(String(32))  # created, changed, material_added, ...
    # The fields changed (comma-separated keys) or the material added or removed.
    detail: Mapped[str] = mapped_column(String(500), default="")
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


class Application(Base):
    """One application, whatever the channel: online, or registered at the window."""

    __tablename__ = "intake_application"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    tracking_number: Mapped[str] = mapped_column(String(32), unique=True)
    verification_code: Mapped[str] = mapped_column(String(8))
    item_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_item.id", ondelete="RESTRICT"), index=True)
    item_version: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(16))
    applicant_kind: Mapped[str] = mapped_column(String(16))
    applicant_name: Mapped[str] = mapped_column(String(200))
    # ID card number of a person or unified social credit code of an organisation.
    applicant_id_number: Mapped[str] = mapped_column(String(32))
    contact_name: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str] = mapped_column(String(20))
    # The signed-in applicant (online) or None for a walk-in registered at the window.
    applicant_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    applicant_org_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("organization.id", ondelete="SET NULL"), index=True)
    registered_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default=ApplicationStatus.RECEIVED.value)
    # The decision on receipt is due by the end of this day: 5 working days.
    decision_due_day: Mapped[dt.date | None] = mapped_column(Date)
    decision_due_provisional: Mapped[bool] = mapped_column(default=False)
    # Accepted from this instant: the notice, or the receipt itself under R-03.
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[ServiceItem] = relationship(lazy="joined")
    files: Mapped[list[ApplicationFile]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="ApplicationFile.position")


class Notice(Base):
    """A numbered, dated notice on receipt, signed with the approval seal (R-04)."""

    __tablename__ = "intake_notice"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="RESTRICT"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    # Exactly what was signed (seal.canonical of it), and the seal's signature and public key.
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    signature: Mapped[str] = mapped_column(String(100))
    public_key: Mapped[str] = mapped_column(String(64))


class ApplicationFile(Base):
    """A file handed in for one required material (its bytes in ``content``)."""

    __tablename__ = "intake_application_file"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), index=True)
    material_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("intake_material.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    material_name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))


# Tables of the materials library, ratings and complaints (issue 12 parts 2, 5, 6), kept in
# their own modules; imported here so that the metadata is complete.
from trading.intake import feedback_models as feedback_models  # noqa: E402
from trading.intake import library_models as library_models  # noqa: E402
