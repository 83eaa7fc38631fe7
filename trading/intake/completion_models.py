"""Tables of time-limited completion (issue 12, part 4): the completion clock of an accepted
application, its excluded periods (R-06), its one extension (R-05), the parallel department
tasks (City §26), and which staff work for which department (part 7)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column, relationship

from trading.db import Base, UTCDateTime
from trading.intake.models import Department


class Completion(Base):
    """The completion clock of one accepted application: the promised limit in working days,
    counted from the day after acceptance, plus an approved extension, minus paused days."""

    __tablename__ = "intake_completion"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), primary_key=True)
    started_day: Mapped[dt.date] = mapped_column(Date)  # the acceptance day (not counted)
    limit_days: Mapped[int] = mapped_column(Integer)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)
    # none, requested, approved, refused: one request per application
    extension_state: Mapped[str] = mapped_column(String(16), default="none")
    extension_reason: Mapped[str] = mapped_column(Text, default="")
    extension_requested: Mapped[int] = mapped_column(Integer, default=0)
    extension_requested_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    extension_decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    completed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    result: Mapped[str | None] = mapped_column(String(16))  # approved, not_approved
    result_number: Mapped[str | None] = mapped_column(String(32))


class PausedPeriod(Base):
    """An excluded period (R-06): its start day through its end day are not counted."""

    __tablename__ = "intake_paused_period"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    started_day: Mapped[dt.date] = mapped_column(Date)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    started_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))
    ended_day: Mapped[dt.date | None] = mapped_column(Date)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(Text, default="")
    ended_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))


class DepartmentTask(Base):
    """One participating department's part of a parallel approval (City §26)."""

    __tablename__ = "intake_task"

    application_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_application.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_department.id", ondelete="RESTRICT"), primary_key=True)
    decision: Mapped[str | None] = mapped_column(String(16))  # approve, refuse
    reasons: Mapped[str] = mapped_column(Text, default="")
    overdue_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"))

    department: Mapped[Department] = relationship(lazy="joined")


class StaffDepartment(Base):
    """A staff user working for a department; ``head`` marks its responsible person, who
    approves an extension (Licensing Law §42: 经本行政机关负责人批准)."""

    __tablename__ = "intake_staff_department"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("intake_department.id", ondelete="CASCADE"), primary_key=True)
    head: Mapped[bool] = mapped_column(default=False)

    department: Mapped[Department] = relationship(lazy="joined")
