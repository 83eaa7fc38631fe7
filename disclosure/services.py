"""Disclosure services: the module other domains import to publish and read notices.

``publish`` is called by other domains inside their own transaction (it never commits). It
validates the notice against its type's schema, redacts it, stores the public and the private
version apart, hashes the public version (SHA-256 over RFC 8785 JSON) and writes the hash to
the supervision log; the entry's index is the notice's proof anchor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import rfc8785
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from disclosure import redaction, search
from disclosure.models import Notice, NoticePrivate
from disclosure.notice_types import Kind, NoticeSpec, NoticeType, spec_for, validate
from supervision import services as supervision
from trading import calendar_years, clock, jobs
from trading.audit import Actor
from trading.calendar_years import Period
from trading.errors import NotFoundError, UserError

PUBLISH_JOB = "disclosure.publish"
PUBLICITY_END_JOB = "disclosure.publicity_end"
DEFAULT_OCID_PREFIX = "ocds-ggzy01-"

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
        if f.kind in (Kind.TEXT, Kind.REFERENCE) and isinstance(value, str):
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
