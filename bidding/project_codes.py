"""Readable project numbers (项目编号) for every tender, e.g. ``GGZY-GC-2026-0007``.

People quote a tender by its number on the phone, in letters and in the opening hall; the
UUID stays the key in URLs and between domains. The number is given when the draft is
created: prefix, the category's letters, the Beijing year of creation and a sequence per
(category, year) that never reuses a value. The sequence is one upsert on a counter row
(``INSERT … ON CONFLICT DO UPDATE … RETURNING``), so two tenders created at the same moment
on PostgreSQL get distinct numbers without a retry and without a table lock.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import Integer, String
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import clock
from trading.db import Base

PREFIX = "GGZY"
CATEGORY_LETTERS = {
    "construction": "GC",  # 工程
    "procurement": "CG",  # 采购
    "land": "TD",  # 土地
    "property": "CQ",  # 产权
    "other": "QT",  # 其他
}
CODE_PATTERN = re.compile(r"^[A-Z]{2,8}-[A-Z]{2}-\d{4}-\d{4,}$")


class ProjectCodeCounter(Base):
    """The last sequence number given per series (``GGZY-GC-2026``)."""

    __tablename__ = "tender_code_counter"

    series: Mapped[str] = mapped_column(String(24), primary_key=True)
    last: Mapped[int] = mapped_column(Integer)


def series_of(category: str, created_at: dt.datetime) -> str:
    letters = CATEGORY_LETTERS.get(category, CATEGORY_LETTERS["other"])
    return f"{PREFIX}-{letters}-{clock.legal_day(created_at).year}"


def next_code(session: Session, category: str, created_at: dt.datetime) -> str:
    """The next number of the tender's series, taken in this transaction."""
    series = series_of(category, created_at)
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    table = ProjectCodeCounter.__table__
    statement = dialect.insert(table).values(series=series, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.series], set_={"last": table.c.last + 1},
    ).returning(table.c.last)
    number = session.execute(statement).scalar_one()
    return f"{series}-{number:04d}"


def looks_like_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))
