"""Readable project numbers (项目编号) for every tender, e.g. ``GGZY-GC-2026-0007``.

People quote a tender by its number on the phone, in letters and in the opening hall; the
UUID stays the key in URLs and between domains. The number is given when the draft is
created: prefix, the category's letters, the Beijing year of creation and a sequence per
(category, year) that never reuses a value. The sequence is one upsert on a counter row
(``trading.counters``), so two tenders created at the same moment get distinct numbers.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import cast

from sqlalchemy import Integer, String, Table
from sqlalchemy.orm import Mapped, Session, mapped_column

from trading import clock, counters
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
    number = counters.take_next(session, cast(Table, ProjectCodeCounter.__table__), series)
    return f"{series}-{number:04d}"


def looks_like_code(text: str) -> bool:
    return bool(CODE_PATTERN.match(text))
