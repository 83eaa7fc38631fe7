"""The public list of notices: filters, keyword search, keyset pages and the change feed.

Every function here reads public notices only; publishing and the regulators' access are in
``disclosure.services``, the inclusion proofs in ``disclosure.proofs``.
"""

from __future__ import annotations

import base64
import datetime as dt
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Select, Text, bindparam, func, literal_column, select, tuple_
from sqlalchemy import text as text_sql
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from disclosure import search
from disclosure.models import PUBLIC_SQL, Notice
from disclosure.notice_types import NoticeType
from disclosure.services import CATEGORIES
from trading.errors import UserError
from trading.settings import get_settings

PAGE_SIZE = 20
FEED_LIMIT = 500


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    region: str | None = None
    category: str | None = None
    notice_type: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    tender_ref: str | None = None


@dataclass(frozen=True)
class Page:
    items: list[Notice]
    next_cursor: str | None
    filters: Filters = field(default_factory=Filters)


def parse_date(value: str | None, name: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        raise UserError("日期格式应为 YYYY-MM-DD", "dates are written YYYY-MM-DD",
                        field=name) from None


def make_filters(q: str | None, region: str | None, category: str | None, notice_type: str | None,
             date_from: str | None, date_to: str | None, tender_ref: str | None = None) -> Filters:
    """Filters from query parameters: unknown values are dropped, bad dates refused."""
    return Filters(
        q=q or None, region=search.normalize(region or "")[:32] or None,
        category=category if category in CATEGORIES else None,
        notice_type=notice_type if notice_type in {t.value for t in NoticeType} else None,
        date_from=parse_date(date_from, "date_from"),
        date_to=parse_date(date_to, "date_to"),
        tender_ref=tender_ref[:64] if tender_ref else None,
    )


def encode_cursor(notice: Notice) -> str:
    assert notice.published_at is not None
    raw = f"{notice.published_at.isoformat()}|{notice.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[dt.datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, _, ident = raw.partition("|")
        when = dt.datetime.fromisoformat(moment)
        if when.tzinfo is None:
            raise ValueError
        return when, uuid.UUID(ident)
    except (ValueError, UnicodeDecodeError):
        raise UserError("翻页参数无效", "invalid page cursor", field="after") from None


# The status as the public notices' partial index names it, so that any plan can use the index
# (a generic plan for a parameter read and sorted every notice, tests/.../test_listing_plan.py).
_PUBLIC: ColumnElement[bool] = literal_column(PUBLIC_SQL, Boolean)


def list_public(session: Session, filters: Filters, after: str | None = None,
                limit: int = PAGE_SIZE) -> Page:
    """One page of public notices, newest first (keyset pagination on published_at, id).

    Keyword search on PostgreSQL tries two plans (see docs/disclosure.md): first the newest
    ``SEARCH_WINDOW`` notices that pass the other filters, read in index order, which fills a
    page at once when the words are common; if that leaves the page short, the bigram index,
    which is fast when they are rare.
    """
    base = [_PUBLIC, *_plain_filters(filters), *_keyset(after)]
    words = search.terms(filters.q)
    text = [Notice.search_text.contains(word, autoescape=True) for word in words]
    postgres = session.get_bind().dialect.name == "postgresql"
    rows: list[Notice] = []
    if postgres and words:
        rows = _window_search(session, base, words, limit + 1)
    if len(rows) <= limit:
        grams = _gram_clauses(session, words) if postgres else []
        rows = list(session.scalars(_newest(select(Notice).where(*base, *text, *grams),
                                            limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1]) if more and rows else None, filters)


SEARCH_WINDOW = 20_000
GRAMS_PER_WORD = 3
_GRAM_STATS: dict[str, Any] = {"at": float("-inf"), "freq": {}}
_GRAM_STATS_SECONDS = 600.0


def _newest(query: Select[Any], limit: int) -> Select[Any]:
    return query.order_by(Notice.published_at.desc(), Notice.id.desc()).limit(limit)


def _keyset(after: str | None) -> list[ColumnElement[bool]]:
    if not after:
        return []
    when, ident = decode_cursor(after)
    return [tuple_(Notice.published_at, Notice.id) < tuple_(
        bindparam("c_when", when, type_=Notice.__table__.c.published_at.type),
        bindparam("c_id", ident, type_=Notice.__table__.c.id.type))]


def _window_search(session: Session, base: list[ColumnElement[bool]], words: list[str],
                   limit: int) -> list[Notice]:
    """Matches among the newest SEARCH_WINDOW notices passing ``base`` (an index-order scan)."""
    window = _newest(select(Notice).where(*base), SEARCH_WINDOW).subquery()
    recent = aliased(Notice, window)
    matches = [window.c.search_text.contains(word, autoescape=True) for word in words]
    query = (select(recent).where(*matches)
             .order_by(window.c.published_at.desc(), window.c.id.desc()).limit(limit))
    return list(session.scalars(query))


def _gram_clauses(session: Session, words: list[str]) -> list[ColumnElement[bool]]:
    """Index conditions: for each word, its rarest bigrams (by the index's statistics)."""
    frequency = _gram_frequencies(session)
    clauses: list[ColumnElement[bool]] = []
    for word in words:
        grams = sorted(search.bigrams(word), key=lambda g: (frequency.get(g, 0.0), g))
        if grams:
            array = bindparam(None, grams[:GRAMS_PER_WORD], type_=postgresql.ARRAY(Text))
            clauses.append(func.string_to_array(Notice.search_grams, " ").op("@>")(array))
    return clauses


def _gram_frequencies(session: Session) -> dict[str, float]:
    """The most common bigrams and their share of rows, as ANALYZE last saw them (cached)."""
    if time.monotonic() - _GRAM_STATS["at"] < _GRAM_STATS_SECONDS:
        return cast(dict[str, float], _GRAM_STATS["freq"])
    row = session.execute(text_sql(
        "SELECT most_common_elems::text::text[], most_common_elem_freqs FROM pg_stats "
        "WHERE tablename = 'ix_disclosure_notice_search_grams' LIMIT 1")).first()
    frequency = dict(zip(row[0], row[1], strict=False)) if row and row[0] and row[1] else {}
    _GRAM_STATS.update(at=time.monotonic(), freq=frequency)
    return frequency


def _plain_filters(filters: Filters) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.region:
        clauses.append(Notice.region == filters.region[:32])
    if filters.category:
        clauses.append(Notice.category == filters.category[:32])
    if filters.notice_type:
        clauses.append(Notice.notice_type == filters.notice_type[:32])
    if filters.tender_ref:
        clauses.append(Notice.tender_ref == filters.tender_ref[:64])
    zone = ZoneInfo(get_settings().timezone)
    if filters.date_from:
        start = dt.datetime.combine(filters.date_from, dt.time(), zone)
        clauses.append(Notice.published_at >= start)
    if filters.date_to:
        end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time(), zone)
        clauses.append(Notice.published_at < end)
    return clauses


def changes(session: Session, cursor: int = -1, limit: int = 100) -> list[Notice]:
    """Notices made public after ``cursor`` (a feed_seq), in the order they became public.

    ``feed_seq`` is the supervision-log index of the entry that made the notice public. Every
    log append holds the log head's row lock until its transaction ends, so a transaction can
    only take index n after the holder of n - 1 has committed (or rolled back, giving n - 1
    back): once a reader sees n, it sees everything below n. A client that keeps the last
    feed_seq it received as its cursor therefore never skips a notice.
    """
    limit = max(1, min(limit, FEED_LIMIT))
    query = (select(Notice).where(Notice.feed_seq > cursor, _PUBLIC)
             .order_by(Notice.feed_seq).limit(limit))
    return list(session.scalars(query))


def latest(session: Session, category: str | None, region: str | None,
           limit: int = 50) -> list[Notice]:
    return list_public(session, Filters(category=category, region=region), limit=limit).items
