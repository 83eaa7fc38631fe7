"""Disclosure services: the only module other domains import.

``publish`` is called by other domains inside their own transaction (it never commits). It
validates the notice against its type's schema, redacts it, stores the public and the private
version apart, hashes the public version (SHA-256 over RFC 8785 JSON) and writes the hash to
the supervision log; the entry's index is the notice's proof anchor.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

import rfc8785
from sqlalchemy import Select, Text, bindparam, func, or_, select, tuple_
from sqlalchemy import text as text_sql
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from disclosure import redaction, search
from disclosure.models import Notice, NoticePrivate
from disclosure.notice_types import Kind, NoticeSpec, NoticeType, spec_for, validate
from supervision import merkle
from supervision import services as supervision
from trading import calendar_years, clock, jobs
from trading.audit import Actor
from trading.calendar_years import Period
from trading.errors import NotFoundError, UserError
from trading.settings import get_settings

PUBLISH_JOB = "disclosure.publish"
PUBLICITY_END_JOB = "disclosure.publicity_end"
PAGE_SIZE = 20
DEFAULT_OCID_PREFIX = "ocds-ggzy01-"
FEED_LIMIT = 500

CATEGORIES: dict[str, tuple[str, str]] = {
    "construction": ("工程建设", "Construction"),
    "procurement": ("政府采购", "Government procurement"),
    "land": ("土地使用权", "Land use rights"),
    "property": ("国有产权", "State-owned property"),
    "intake": ("行政审批", "Administrative approval"),
    "other": ("其他", "Other"),
}
_TENDER_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class PublishedNotice:
    id: uuid.UUID
    url: str  # permanent path, e.g. /notices/<id>; absolute: settings.public_url + url
    content_hash: str  # hex SHA-256 of the public document
    log_index: int  # index of the ``notice.published`` entry in the supervision log
    status: str  # "public" or "scheduled"
    publish_at: dt.datetime


@dataclass(frozen=True)
class Preview:
    title: str
    data: dict[str, Any]
    masked: tuple[str, ...]
    spec: NoticeSpec


def ocid_prefix() -> str:
    """GGZY_OCID_PREFIX: the OCDS prefix registered for this platform (read at each call)."""
    return os.environ.get("GGZY_OCID_PREFIX", "").strip() or DEFAULT_OCID_PREFIX


def ocid_for(tender_ref: str) -> str:
    return ocid_prefix() + tender_ref


def notice_path(notice_id: uuid.UUID) -> str:
    return f"/notices/{notice_id}"


# --- publishing --------------------------------------------------------------------------


def preview(*, notice_type: str, title: str, data: Mapping[str, Any],
            secret_fields: Sequence[str] = ()) -> Preview:
    """What would be public, without storing anything (the staff preview)."""
    spec = spec_for(notice_type)
    clean_title = _check_title(title)
    clean = validate(spec, data)
    _check_secret_fields(spec, secret_fields)
    redacted = redaction.redact_notice(spec, clean_title, clean, secret_fields)
    return Preview(redacted.title, redacted.data, redacted.masked, spec)


def publish(
    session: Session,
    actor: Actor,
    *,
    notice_type: NoticeType | str,
    tender_ref: str,
    title: str,
    data: Mapping[str, Any],
    region: str,
    category: str,
    publish_at: dt.datetime | None = None,
    corrects: uuid.UUID | None = None,
    secret_fields: Sequence[str] = (),
) -> PublishedNotice:
    """Validate, redact, store and log a notice in the caller's transaction.

    ``publish_at`` in the future schedules publication (the core's job table); otherwise the
    notice is public when the caller commits. ``corrects`` names the notice this one corrects
    (R-43: the original stays visible, with a banner pointing here).
    """
    view = preview(notice_type=notice_type, title=title, data=data, secret_fields=secret_fields)
    ref, region, category = _check_place(tender_ref, region, category)
    original = _check_corrects(session, view.spec, corrects, ref)
    now = clock.now(session)
    due = publish_at.astimezone(dt.UTC) if publish_at and publish_at > now else now
    notice = Notice(
        id=uuid.uuid4(), notice_type=view.spec.type.value, tender_ref=ref, title=view.title,
        region=region, category=category, data=view.data, status="scheduled", publish_at=due,
        created_at=now, corrects_id=original.id if original else None,
    )
    notice.content_hash = content_hash(notice)
    text = search.search_text(_search_parts(view.spec, notice))
    notice.search_text, notice.search_grams = text, search.search_grams(text)
    if due > now:
        jobs.schedule(session, PUBLISH_JOB, f"notice/{notice.id}", due)
    elif notice.notice_type == NoticeType.CANDIDATE_PUBLICITY:
        _open_publicity(session, notice, now)
    # Logged last (see supervision.services.record): jobs first, then the log head.
    notice.log_index = supervision.record(
        session, actor, "notice.published", f"notice/{notice.id}", _log_body(notice)
    )
    if due <= now:
        notice.status, notice.published_at, notice.feed_seq = "public", now, notice.log_index
        _checkpoint_if_bidders_check(session, notice)
    session.add(notice)
    session.add(NoticePrivate(notice_id=notice.id, title=_check_title(title),
                              data=validate(view.spec, data), secret_fields=list(secret_fields),
                              created_by=actor.user_id))
    session.flush()
    return PublishedNotice(notice.id, notice_path(notice.id), notice.content_hash,
                           notice.log_index, notice.status, notice.publish_at)


# Notices that bidders' clients check against a signed checkpoint before they seal a bid
# (the tender announcement names the opening key): each is covered by a checkpoint the moment
# it is public, instead of up to GGZY_LOG_CHECKPOINT_INTERVAL later.
CHECKPOINTED_TYPES = frozenset({NoticeType.TENDER_ANNOUNCEMENT.value})


def _checkpoint_if_bidders_check(session: Session, notice: Notice) -> None:
    # After the entry that makes it public (checkpoint_now must cover it; it takes no lock).
    if notice.notice_type in CHECKPOINTED_TYPES:
        supervision.checkpoint_now(session, "notice")


def _log_body(notice: Notice) -> dict[str, Any]:
    return {
        "notice_id": str(notice.id), "notice_type": notice.notice_type,
        "tender_ref": notice.tender_ref, "content_hash": notice.content_hash,
        "corrects": str(notice.corrects_id) if notice.corrects_id else None,
        "publish_at": supervision.format_time(notice.publish_at),
    }


def _open_publicity(session: Session, notice: Notice, now: dt.datetime) -> None:
    # the start day is not counted; the window runs to 24:00 (Beijing) of its last day,
    # moved to the next working day when that is a rest day (R-00a).
    period = Period("R-35", clock.legal_day(now), int(notice.data["publicity_days"]))
    end = calendar_years.period_end(session, period)
    notice.publicity_ends_at = clock.legal_end_of_day_utc(end.end)
    jobs.schedule(session, PUBLICITY_END_JOB, f"notice/{notice.id}", notice.publicity_ends_at)
    calendar_years.rely_on(session, f"notice/{notice.id}", period, end, end.end,
                           f"「{notice.title}」公示期", f"'{notice.title}' publicity window", "staff")


def release_scheduled(session: Session, notice_id: uuid.UUID) -> bool:
    """Make a scheduled notice public (the ``disclosure.publish`` job); False if nothing to do."""
    notice = session.get(Notice, notice_id, with_for_update=True)
    if notice is None or notice.status != "scheduled":
        return False
    now = clock.now(session)
    # Scheduling the publicity-end job first keeps the lock order of jobs.schedule (job row,
    # then log head); the release entry is then the last thing logged.
    if notice.notice_type == NoticeType.CANDIDATE_PUBLICITY:
        _open_publicity(session, notice, now)
    seq = supervision.record(session, Actor.system("disclosure"), "notice.released",
                             f"notice/{notice.id}", {"notice_id": str(notice.id),
                                                     "content_hash": notice.content_hash})
    notice.status, notice.published_at, notice.feed_seq = "public", now, seq
    _checkpoint_if_bidders_check(session, notice)
    session.flush()
    return True


def close_publicity(session: Session, notice_id: uuid.UUID) -> None:
    """Log the end of a candidate-publicity window (the ``disclosure.publicity_end`` job)."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        return
    supervision.record(session, Actor.system("disclosure"), "notice.publicity_ended",
                       f"notice/{notice.id}", {"notice_id": str(notice.id),
                                               "tender_ref": notice.tender_ref})


def content_hash(notice: Notice) -> str:
    return hashlib.sha256(rfc8785.dumps(public_document(notice))).hexdigest()


def public_document(notice: Notice) -> dict[str, Any]:
    """What the content hash covers: everything a visitor reads of the notice."""
    return {
        "id": str(notice.id), "notice_type": notice.notice_type, "tender_ref": notice.tender_ref,
        "title": notice.title, "region": notice.region, "category": notice.category,
        "corrects": str(notice.corrects_id) if notice.corrects_id else None, "data": notice.data,
    }


def _check_title(title: str) -> str:
    clean = search.normalize(title) if isinstance(title, str) else ""
    if not clean:
        raise UserError("缺少必填项：公告标题", "missing required item: Title", field="title",
                        code="missing_item")
    if len(clean) > 300:
        raise UserError("公告标题不能超过 300 字", "the title is at most 300 characters",
                        field="title")
    return " ".join(title.split())


def _check_place(tender_ref: str, region: str, category: str) -> tuple[str, str, str]:
    if not isinstance(tender_ref, str) or not _TENDER_REF.fullmatch(tender_ref):
        raise UserError("项目编号只能包含字母、数字、点、下划线和连字符（最多 64 位）",
                        "the tender reference allows letters, digits, '.', '_' and '-' "
                        "(at most 64)", field="tender_ref")
    region = search.normalize(region) if isinstance(region, str) else ""
    if not region or len(region) > 32:
        raise UserError("缺少必填项：地区", "missing required item: Region", field="region",
                        code="missing_item")
    if category not in CATEGORIES:
        raise UserError("未知的项目类别", "unknown category", field="category")
    return tender_ref, region, category


def _check_secret_fields(spec: NoticeSpec, secret_fields: Sequence[str]) -> None:
    for path in secret_fields:
        if not isinstance(path, str) or not _path_exists(spec, path.split(".")):
            raise UserError(f"标记为商业秘密的数据项不存在：{str(path)[:60]}",
                            f"no such item to mark secret: {str(path)[:60]}",
                            field="secret_fields")


def _path_exists(spec: NoticeSpec, parts: list[str]) -> bool:
    """``bids.*.remarks``: item names, with ``*`` or an index after each list item."""
    fields, expect_index = spec.fields, False
    for part in parts:
        if expect_index:
            if part != "*" and not part.isdigit():
                return False
            expect_index = False
            continue
        found = next((f for f in fields if f.key == part), None)
        if found is None:
            return False
        fields, expect_index = found.items, found.kind is Kind.LIST
    return bool(parts)


def _check_corrects(session: Session, spec: NoticeSpec, corrects: uuid.UUID | None,
                    tender_ref: str) -> Notice | None:
    if corrects is None:
        if spec.requires_corrects:
            raise UserError("缺少必填项：被更正的公告", "missing required item: the notice "
                            "corrected", field="corrects", code="missing_item")
        return None
    original = session.get(Notice, corrects)
    if original is None:
        raise UserError("被更正的公告不存在", "the notice to correct does not exist",
                        status=404, field="corrects", code="not_found")
    if original.tender_ref != tender_ref:
        raise UserError("更正公告须与原公告属于同一项目",
                        "a correction belongs to the same tender as the original",
                        field="corrects")
    return original


def _search_parts(spec: NoticeSpec, notice: Notice) -> list[str]:
    parts = [notice.title, notice.tender_ref, notice.region]
    for f in spec.fields:
        value = notice.data.get(f.key)
        if f.kind is Kind.TEXT and isinstance(value, str):
            parts.append(value)
        elif f.kind is Kind.LIST and isinstance(value, list):
            parts.extend(str(item.get("bidder", "")) for item in value)
    return parts


# --- reading (public) --------------------------------------------------------------------


def get_public(session: Session, notice_id: uuid.UUID) -> Notice:
    notice = session.get(Notice, notice_id)
    if notice is None or notice.status != "public":
        raise NotFoundError("公告", "notice")
    return notice


@dataclass(frozen=True)
class PublicPage:
    """What a notice's public page shows besides the notice: its corrections, the notice it
    corrects, and the database time its status labels are judged against."""

    notice: Notice
    corrections: list[Notice]
    original: Notice | None
    now: dt.datetime


def public_page(session: Session, notice_id: uuid.UUID) -> PublicPage:
    """Everything a public notice page needs, in one statement (the page is read often)."""
    corrected = select(Notice.corrects_id).where(Notice.id == notice_id).scalar_subquery()
    rows = session.execute(
        select(Notice, clock.now_column(session))
        .where(Notice.status == "public",
               or_(Notice.id == notice_id, Notice.corrects_id == notice_id,
                   Notice.id == corrected))
        .order_by(Notice.published_at, Notice.id)
    ).all()
    notice = next((row[0] for row in rows if row[0].id == notice_id), None)
    if notice is None:
        raise NotFoundError("公告", "notice")
    return PublicPage(
        notice=notice,
        corrections=[row[0] for row in rows if row[0].corrects_id == notice_id],
        original=next((row[0] for row in rows if row[0].id == notice.corrects_id), None),
        now=clock.as_utc(rows[0][1]),
    )


def tender_history(session: Session, tender_ref: str) -> list[Notice]:
    query = (select(Notice).where(Notice.tender_ref == tender_ref, Notice.status == "public")
             .order_by(Notice.published_at, Notice.feed_seq))
    return list(session.scalars(query))


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


def list_public(session: Session, filters: Filters, after: str | None = None,
                limit: int = PAGE_SIZE) -> Page:
    """One page of public notices, newest first (keyset pagination on published_at, id).

    Keyword search on PostgreSQL tries two plans (see docs/disclosure.md): first the newest
    ``SEARCH_WINDOW`` notices that pass the other filters, read in index order, which fills a
    page at once when the words are common; if that leaves the page short, the bigram index,
    which is fast when they are rare.
    """
    base = [Notice.status == "public", *_plain_filters(filters), *_keyset(after)]
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
    query = (select(Notice).where(Notice.feed_seq > cursor, Notice.status == "public")
             .order_by(Notice.feed_seq).limit(limit))
    return list(session.scalars(query))


def latest(session: Session, category: str | None, region: str | None,
           limit: int = 50) -> list[Notice]:
    return list_public(session, Filters(category=category, region=region), limit=limit).items


# --- regulators --------------------------------------------------------------------------


def unredacted(session: Session, actor: Actor, notice_id: uuid.UUID) -> tuple[Notice,
                                                                              NoticePrivate]:
    """The notice as submitted; the access is logged (R-50)."""
    notice = session.get(Notice, notice_id)
    private = session.get(NoticePrivate, notice_id)
    if notice is None or private is None:
        raise NotFoundError("公告", "notice")
    supervision.record(session, actor, "notice.unredacted_viewed", f"notice/{notice_id}",
                       {"notice_id": str(notice_id)})
    return notice, private


# --- proof -------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerificationResult:
    notice_id: uuid.UUID
    ok: bool
    problems: tuple[str, ...]
    log_index: int
    tree_size: int
    root: str  # hex
    computed_hash: str


@dataclass(frozen=True)
class Proof:
    notice_id: uuid.UUID
    log_index: int
    tree_size: int
    root: str
    leaf_hash: str
    audit_path: list[str]
    canonical_entry: str
    content_hash: str


def proof(session: Session, notice_id: uuid.UUID) -> Proof:
    """The notice's entry and its audit path to a *signed* root when one covers it.

    The tree size is the newest signed checkpoint's (GET /api/v1/log/checkpoints/{size} gives
    its note), so that a client can check the path against a root the platform's log key
    signed, rather than against a root computed from database rows anyone with write access
    could have changed. Only a notice no checkpoint covers yet gets the current, unsigned size.
    """
    notice = get_public(session, notice_id)
    entry = supervision.get_entry(session, notice.log_index)
    if entry is None:
        raise NotFoundError("日志条目", "log entry")
    signed = supervision.latest_checkpoint(session)
    size = signed.size if signed is not None and signed.size > notice.log_index else \
        supervision.tree_size(session)
    path = supervision.inclusion_proof(session, notice.log_index, size)
    return Proof(notice.id, notice.log_index, size, supervision.root_at(session, size).hex(),
                 entry.leaf_hash.hex(), [p.hex() for p in path], entry.canonical.decode(),
                 notice.content_hash)


def verify_notice(session: Session, notice_id: uuid.UUID) -> VerificationResult:
    """Recompute the notice's hash and check it against its log entry and the log's root."""
    notice = session.get(Notice, notice_id)
    if notice is None:
        raise NotFoundError("公告", "notice")
    computed = content_hash(notice)
    problems: list[str] = []
    if computed != notice.content_hash:
        problems.append("content differs from its stored hash")
    size = supervision.tree_size(session)
    root = supervision.root_at(session, size)
    problems.extend(_check_entry(session, notice, computed, size, root))
    return VerificationResult(notice.id, not problems, tuple(problems), notice.log_index, size,
                              root.hex(), computed)


def _check_entry(session: Session, notice: Notice, computed: str, size: int,
                 root: bytes) -> list[str]:
    entry = supervision.get_entry(session, notice.log_index)
    if entry is None:
        return [f"log entry {notice.log_index} is missing"]
    logged = json.loads(entry.canonical)
    problems = []
    if logged.get("action") != "notice.published" or logged.get(
            "subject") != f"notice/{notice.id}":
        problems.append(f"log entry {notice.log_index} is not this notice's publication")
    if logged.get("body", {}).get("content_hash") != computed:
        problems.append("content differs from the hash in the supervision log")
    leaf = merkle.leaf_hash(entry.canonical)
    try:
        merkle.verify_inclusion(leaf, notice.log_index, size,
                                supervision.inclusion_proof(session, notice.log_index, size),
                                root)
    except (merkle.ProofError, ValueError) as error:
        problems.append(f"inclusion proof fails: {error}")
    return problems


def all_notice_ids(session: Session) -> list[uuid.UUID]:
    return list(session.scalars(select(Notice.id).order_by(Notice.log_index)))


# --- lookups for the OCDS mapping -----------------------------------------------------------


def latest_of_type(session: Session, tender_ref: str, notice_type: NoticeType,
                   before_seq: int) -> Notice | None:
    query = (select(Notice).where(Notice.tender_ref == tender_ref,
                                  Notice.notice_type == notice_type.value,
                                  Notice.status == "public", Notice.feed_seq < before_seq)
             .order_by(Notice.feed_seq.desc()).limit(1))
    return session.scalars(query).first()


def tender_refs_page(session: Session, after: str | None, limit: int) -> list[str]:
    query = (select(Notice.tender_ref).where(Notice.status == "public",
                                             Notice.notice_type != NoticeType.INTAKE_RESULT.value)
             .group_by(Notice.tender_ref).order_by(Notice.tender_ref).limit(limit))
    if after:
        query = query.where(Notice.tender_ref > after)
    return list(session.scalars(query))
