"""JSON API: notices, their proofs, the change feed, OCDS packages; publishing for staff."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from litestar import Request, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from disclosure import listing, ocds, proofs, services
from disclosure.models import Notice
from disclosure.schemas import (
    ChangeFeed,
    NoticeOut,
    NoticePage,
    PreviewIn,
    PreviewOut,
    ProofOut,
    PublishIn,
    PublishOut,
    UnredactedOut,
    VerificationOut,
)
from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.params import Cursor, PageLimit
from trading.settings import get_settings
from trading.web import actor_of, blocking, requires_role

STAFF = [requires_role(Role.STAFF)]
PREVIEWERS = [requires_role(Role.STAFF, Role.TENDEREE)]
REGULATOR = [requires_role(Role.REGULATOR)]


def notice_out(notice: Notice) -> NoticeOut:
    assert notice.published_at is not None
    return NoticeOut(
        id=notice.id, url=get_settings().public_url + services.notice_path(notice.id),
        notice_type=notice.notice_type, tender_ref=notice.tender_ref,
        ocid=services.ocid_for(notice.tender_ref), title=notice.title, region=notice.region,
        category=notice.category, published_at=notice.published_at,
        content_hash=notice.content_hash, log_index=notice.log_index,
        feed_seq=notice.feed_seq or 0, corrects=notice.corrects_id, data=notice.data,
        publicity_ends_at=notice.publicity_ends_at,
    )


@get("/api/v1/notices", operation_id="listNotices",
     summary="Search public notices (keyword, region, category, type, dates, tender), newest first")
async def list_notices(q: FromQuery[str | None] = None, region: FromQuery[str | None] = None,
                       category: FromQuery[str | None] = None, type: FromQuery[str | None] = None,
                       date_from: FromQuery[str | None] = None, date_to: FromQuery[str | None] = None,
                       after: FromQuery[str | None] = None,
                       tender_ref: FromQuery[str | None] = None) -> NoticePage:
    filters = listing.make_filters(q, region, category, type, date_from, date_to, tender_ref)
    return await blocking(_list_notices, filters, after)


def _list_notices(filters: listing.Filters, after: str | None) -> NoticePage:
    with db.read_only() as session:
        page = listing.list_public(session, filters, after)
        return NoticePage([notice_out(n) for n in page.items], page.next_cursor)


@get("/api/v1/notices/changes", operation_id="listNoticeChanges",
     summary="Notices in the order they became public; pass the last feed_seq as cursor")
async def notice_changes(cursor: FromQuery[Cursor] = -1, limit: FromQuery[PageLimit] = 100) -> ChangeFeed:
    return await blocking(_changes, cursor, limit)


def _changes(cursor: int, limit: int) -> ChangeFeed:
    with db.read_only() as session:
        items = listing.changes(session, cursor, limit)
        out = [notice_out(n) for n in items]
    return ChangeFeed(out, out[-1].feed_seq if out else cursor)


@get("/api/v1/notices/{notice_id:uuid}", operation_id="getNotice", summary="One public notice")
async def get_notice(notice_id: FromPath[uuid.UUID]) -> NoticeOut:
    return await blocking(_get_notice, notice_id)


def _get_notice(notice_id: uuid.UUID) -> NoticeOut:
    with db.read_only() as session:
        return notice_out(services.get_public(session, notice_id))


@get("/api/v1/notices/{notice_id:uuid}/proof", operation_id="getNoticeProof",
     summary="The notice's supervision-log entry and its RFC 9162 inclusion proof")
async def get_proof(notice_id: FromPath[uuid.UUID]) -> ProofOut:
    return await blocking(_get_proof, notice_id)


def _get_proof(notice_id: uuid.UUID) -> ProofOut:
    with db.read_only() as session:
        found = proofs.proof(session, notice_id)
        check = proofs.verify_notice(session, notice_id)
    return ProofOut(found.notice_id, found.log_index, found.tree_size, found.root,
                    found.leaf_hash, found.audit_path, found.canonical_entry, found.content_hash,
                    VerificationOut(check.ok, list(check.problems), check.computed_hash))


@post("/api/v1/notices", operation_id="publishNotice", guards=STAFF, status_code=201,
      summary="Publish a notice (staff; other domains call disclosure.services.publish)")
async def publish_notice(request: Request[Any, Any, Any], data: JSONBody[PublishIn]) -> PublishOut:
    return await blocking(_publish, request, data)


def _publish(request: Request[Any, Any, Any], body: PublishIn) -> PublishOut:
    with db.transaction() as session:
        done = services.publish(
            session, actor_of(request), notice_type=body.notice_type, tender_ref=body.tender_ref,
            title=body.title, data=body.data, region=body.region, category=body.category,
            publish_at=_aware(body.publish_at), corrects=body.corrects,
            secret_fields=body.secret_fields,
        )
    return PublishOut(done.id, done.url, done.content_hash, done.log_index, done.status,
                      done.publish_at)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise UserError("发布时间须带时区", "publish_at needs a time zone", field="publish_at")
    return moment


@post("/api/v1/notices/preview", operation_id="previewNotice", guards=PREVIEWERS,
      status_code=200, summary="What a notice would publish after masking (nothing is stored)")
async def preview_notice(data: JSONBody[PreviewIn]) -> PreviewOut:
    result = services.preview(notice_type=data.notice_type, title=data.title, data=data.data,
                              secret_fields=data.secret_fields)
    return PreviewOut(result.title, result.data, list(result.masked))


@get("/api/v1/notices/{notice_id:uuid}/unredacted", operation_id="getUnredactedNotice",
     guards=REGULATOR, summary="The notice as submitted, unmasked (regulators; logged)")
async def get_unredacted(request: Request[Any, Any, Any], notice_id: FromPath[uuid.UUID]) -> UnredactedOut:
    return await blocking(_unredacted, request, notice_id)


def _unredacted(request: Request[Any, Any, Any], notice_id: uuid.UUID) -> UnredactedOut:
    with db.transaction() as session:
        notice, private = services.unredacted(session, actor_of(request), notice_id)
        return UnredactedOut(notice.id, private.title, private.data, private.secret_fields)


# --- OCDS ----------------------------------------------------------------------------------


@get("/api/v1/ocds/releases", operation_id="getOcdsReleasePackage",
     summary="OCDS release package, in publication order; continue with ?after=<next>")
async def ocds_releases(after: FromQuery[Cursor] = -1, limit: FromQuery[PageLimit] = 100) -> dict[str, Any]:
    return await blocking(_ocds_releases, after, limit)


def _ocds_releases(after: int, limit: int) -> dict[str, Any]:
    with db.read_only() as session:
        package, next_after = ocds.release_package(session, after, limit)
    if next_after is not None:
        package["links"] = {"next": f"{get_settings().public_url}/api/v1/ocds/releases?"
                                    f"after={next_after}&limit={limit}"}
    return package


@get("/api/v1/ocds/records", operation_id="getOcdsRecordPackage",
     summary="OCDS record package (compiled records), by tender; continue with ?after=<ref>")
async def ocds_records(after: FromQuery[str | None] = None,
                       limit: FromQuery[PageLimit] = 50) -> dict[str, Any]:
    return await blocking(_ocds_records, after, max(1, min(limit, 100)))


def _ocds_records(after: str | None, limit: int) -> dict[str, Any]:
    with db.read_only() as session:
        refs = services.tender_refs_page(session, after, limit)
        package = ocds.record_package(session, refs)
    if len(refs) == limit:
        package["links"] = {"next": f"{get_settings().public_url}/api/v1/ocds/records?"
                                    f"after={refs[-1]}&limit={limit}"}
    return package


@get("/api/v1/ocds/records/{ocid:str}", operation_id="getOcdsRecord",
     summary="The OCDS record package of one contracting process")
async def ocds_record(ocid: FromPath[str]) -> dict[str, Any]:
    return await blocking(_ocds_record, ocid)


def _ocds_record(ocid: str) -> dict[str, Any]:
    ref = ocds.tender_ref_of(ocid[:200])
    with db.read_only() as session:
        package = ocds.record_package(session, [ref] if ref else [],
                                      uri=f"/api/v1/ocds/records/{ocid}")
    if not package["records"]:
        raise UserError("没有该 ocid 的记录", "no record for this ocid", status=404,
                        code="not_found")
    return package


ROUTES = [list_notices, notice_changes, get_notice, get_proof, publish_notice, preview_notice,
          get_unredacted, ocds_releases, ocds_records, ocds_record]
