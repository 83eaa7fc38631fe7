"""Public portal pages (no log-in), the Atom feed, and the staff and regulator pages."""

from __future__ import annotations

import datetime as dt
import functools
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode
from xml.etree import ElementTree as ET

from litestar import Request, Response, get, post
from litestar.enums import MediaType, RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template

from disclosure import listing, page_cache, services
from disclosure.models import Notice
from disclosure.notice_types import SPECS, Field, Kind, NoticeSpec, NoticeType
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.i18n import translate
from trading.settings import get_settings
from trading.web import (
    actor_of,
    blocking,
    current_user,
    language,
    page_context,
    render,
    requires_role,
)

ATOM = "http://www.w3.org/2005/Atom"


# --- presenting notice data ------------------------------------------------------------------


@dataclass
class Row:
    label: str
    value: str = ""
    kind: str = "text"
    columns: list[str] = field(default_factory=list)
    table: list[list[str]] = field(default_factory=list)
    full: str = ""  # the whole value when ``value`` shows it shortened ("key" rows)
    note: str = ""  # what unfolds it


def group_digits(text: str, size: int = 4) -> str:
    """A hex key id or digest in groups of four, so a person can read and compare it."""
    return " ".join(text[i:i + size] for i in range(0, len(text), size))


def _label(f: Field | NoticeSpec, lang: str) -> str:
    return f.en if lang == "en" else f.zh


def _display(f: Field, value: Any) -> str:
    if value is None:
        return ""
    if f.kind is Kind.MONEY and not str(value).startswith("【"):
        return f"¥{Decimal(str(value)):,.2f}"
    if f.kind is Kind.DATETIME:
        try:
            return clock.format_local(dt.datetime.fromisoformat(str(value).replace("Z",
                                                                                    "+00:00")),
                                      with_seconds=False)
        except ValueError:
            return str(value)
    return str(value)


def rows_for(spec: NoticeSpec, data: dict[str, Any], lang: str) -> list[Row]:
    rows = []
    for f in spec.fields:
        if f.key not in data:
            continue
        value = data[f.key]
        if f.kind is Kind.LIST and isinstance(value, list):
            rows.append(Row(_label(f, lang), kind="table",
                            columns=[_label(i, lang) for i in f.items],
                            table=[[_display(i, item.get(i.key)) for i in f.items]
                                   for item in value]))
        elif f.kind is Kind.HEX:
            rows.append(Row(_label(f, lang), group_digits(str(value)), "grouped"))
        elif f.kind is Kind.BASE64:
            # A public key is for machines: its id (the row after it) is what people compare;
            # the key itself is folded away, whole, one click from view.
            text = str(value)
            rows.append(Row(_label(f, lang), f"{text[:12]}…", "key", full=text,
                            note=translate("disclosure.show_full_value", lang)))
        else:
            kind = "long" if f.kind is Kind.LONG_TEXT else "text"
            rows.append(Row(_label(f, lang), _display(f, value), kind))
    return rows


def type_label(notice_type: str, lang: str) -> str:
    return translate(f"disclosure.type.{notice_type}", lang)


# --- list and search -------------------------------------------------------------------------


def _query_string(filters: listing.Filters, **extra: str) -> str:
    values = {"q": filters.q, "region": filters.region, "category": filters.category,
              "type": filters.notice_type,
              "date_from": filters.date_from.isoformat() if filters.date_from else None,
              "date_to": filters.date_to.isoformat() if filters.date_to else None, **extra}
    return urlencode({k: v for k, v in values.items() if v})


@get("/notices", include_in_schema=False, name="disclosure_list")
async def notice_list(request: Request[Any, Any, Any], q: FromQuery[str | None] = None,
                      region: FromQuery[str | None] = None, category: FromQuery[str | None] = None,
                      type: FromQuery[str | None] = None, date_from: FromQuery[str | None] = None,
                      date_to: FromQuery[str | None] = None, after: FromQuery[str | None] = None) -> Template:
    try:
        filters = listing.make_filters(q, region, category, type, date_from, date_to)
    except UserError as error:
        typed = {"q": q, "region": region, "category": category, "type": type,
                 "date_from": date_from, "date_to": date_to}
        return await blocking(_search_form_error, request, typed, error)
    return await blocking(_notice_list, request, filters, after)


SEARCH_FIELDS = ("q", "region", "category", "type", "date_from", "date_to")


def _form_values(filters: listing.Filters) -> dict[str, str]:
    return {"q": filters.q or "", "region": filters.region or "",
            "category": filters.category or "", "type": filters.notice_type or "",
            "date_from": filters.date_from.isoformat() if filters.date_from else "",
            "date_to": filters.date_to.isoformat() if filters.date_to else ""}


def _search_form_error(request: Request[Any, Any, Any], typed: dict[str, str | None],
                       error: UserError) -> Template:
    """A search the form cannot run (a date that is not one): the form again, as typed, with
    the field named and its error (400), instead of an error page."""
    lang = language(request)
    field_name = error.field if error.field in SEARCH_FIELDS else None
    label = translate(f"disclosure.{field_name}", lang) if field_name else ""
    message = f"{label}：{error.message(lang)}" if lang != "en" and label else (
        f"{label}: {error.message(lang)}" if label else error.message(lang))
    values = {name: (typed.get(name) or "")[:100] for name in SEARCH_FIELDS}
    return render(request, "disclosure/list.html", status_code=error.status, page=None,
                  form=values, error=message, error_field=field_name,
                  categories=services.CATEGORIES, types=list(SPECS), feed_url="/feeds/atom",
                  type_label=type_label, paged=False)


def _notice_list(request: Request[Any, Any, Any], filters: listing.Filters,
                 after: str | None) -> Template:
    with db.read_only() as session:
        page = listing.list_public(session, filters, after)
    feed_query = urlencode({k: v for k, v in (("category", filters.category),
                                              ("region", filters.region)) if v})
    feed = "/feeds/atom" + (f"?{feed_query}" if feed_query else "")
    next_link = (f"/notices?{_query_string(filters, after=page.next_cursor)}"
                 if page.next_cursor else None)
    return render(request, "disclosure/list.html", page=page, form=_form_values(filters),
                  categories=services.CATEGORIES, types=list(SPECS), feed_url=feed,
                  next_link=next_link, first_link=f"/notices?{_query_string(filters)}",
                  type_label=type_label, paged=bool(after))


# --- one notice, one tender ------------------------------------------------------------------


@get("/notices/{notice_id:uuid}", include_in_schema=False, name="disclosure_notice",
     opt={page_cache.CACHE_OPT_KEY: "notice_id"})
async def notice_page(request: Request[Any, Any, Any],
                      notice_id: FromPath[uuid.UUID]) -> Template | Response[bytes]:
    if current_user(request) is not None:  # personal header: never cached
        return await blocking(_notice_page, request, notice_id)
    if page_cache.PAGES.due():
        await blocking(page_cache.PAGES.sync)
    lang = language(request)
    html = page_cache.PAGES.get(notice_id, lang)
    if html is None:
        html = await blocking(page_cache.cached_or_render, notice_id, lang,
                              functools.partial(_render_public, request, notice_id))
    return Response(html, media_type=MediaType.HTML)


def _notice_context(request: Request[Any, Any, Any], notice_id: uuid.UUID) -> dict[str, Any]:
    lang = language(request)
    with db.read_only() as session:
        page = services.public_page(session, notice_id)
    notice = page.notice
    spec = SPECS[NoticeType(notice.notice_type)]
    return dict(notice=notice, spec=spec, rows=rows_for(spec, notice.data, lang),
                corrections=page.corrections, original=page.original, now=page.now,
                type_label=type_label,
                permalink=get_settings().public_url + services.notice_path(notice.id),
                category_key=f"disclosure.category.{notice.category}",
                is_regulator=_is_regulator(request))


def _notice_page(request: Request[Any, Any, Any], notice_id: uuid.UUID) -> Template:
    return render(request, "disclosure/notice.html", **_notice_context(request, notice_id))


def _render_public(request: Request[Any, Any, Any],
                   notice_id: uuid.UUID) -> tuple[str, dt.datetime | None]:
    """The anonymous page as HTML, with placeholders for the header clock (see page_cache)."""
    context = _notice_context(request, notice_id)
    notice = context["notice"]
    full = {**page_context(request, context), **page_cache.CLOCK_MARKS, "request": request,
            "csrf_input": "", "csrf_token": ""}
    engine = request.app.template_engine
    assert engine is not None
    template = engine.get_template("disclosure/notice.html")
    expires = notice.publicity_ends_at if notice.publicity_ends_at and \
        notice.publicity_ends_at > context["now"] else None
    return template.render(**full), expires


def _is_regulator(request: Request[Any, Any, Any]) -> bool:
    user = current_user(request)
    return bool(user and user.has_any([Role.REGULATOR]))


@get("/tenders/{tender_ref:str}", include_in_schema=False, name="disclosure_tender")
async def tender_page(request: Request[Any, Any, Any], tender_ref: FromPath[str]) -> Template:
    return await blocking(_tender_page, request, tender_ref[:64])


def _tender_page(request: Request[Any, Any, Any], tender_ref: str) -> Template:
    with db.read_only() as session:
        history = services.tender_history(session, tender_ref)
    if not history:
        raise UserError("项目不存在或尚无公开信息", "no public notice for this tender",
                        status=404, code="not_found")
    # Only contracting processes have an OCDS record: an approval's history (intake results)
    # has none, and its link answered 404.
    in_ocds = any(SPECS[NoticeType(n.notice_type)].ocds for n in history)
    # The platform's own tenders name their readable number in every notice; a tender run
    # elsewhere is known by its reference.
    code = next((n.data["project_code"] for n in reversed(history)
                 if isinstance(n.data, dict) and n.data.get("project_code")), None)
    return render(request, "disclosure/tender.html", tender_ref=tender_ref, history=history,
                  project_code=code or (tender_ref if len(tender_ref) != 36 else None),
                  ocid=services.ocid_for(tender_ref) if in_ocds else None, type_label=type_label)


# --- Atom --------------------------------------------------------------------------------------


@get("/feeds/atom", include_in_schema=False, name="disclosure_atom")
async def atom_feed(request: Request[Any, Any, Any], category: FromQuery[str | None] = None,
                    region: FromQuery[str | None] = None) -> Response[bytes]:
    return await blocking(_atom_feed, request, category, region)


def _atom_feed(request: Request[Any, Any, Any], category: str | None,
               region: str | None) -> Response[bytes]:
    category = category if category in services.CATEGORIES else None
    region = (region or "").strip()[:32] or None
    with db.read_only() as session:
        notices = listing.latest(session, category, region)
        now = clock.now(session)
    base = get_settings().public_url
    query = urlencode({k: v for k, v in (("category", category), ("region", region)) if v})
    root = ET.Element("feed", xmlns=ATOM)
    ET.SubElement(root, "title").text = translate("disclosure.feed_title", "zh-CN") + (
        f" · {translate(f'disclosure.category.{category}', 'zh-CN')}" if category else "") + (
        f" · {region}" if region else "")
    ET.SubElement(root, "id").text = f"{base}/feeds/atom?{query}"
    ET.SubElement(root, "link", rel="self", href=f"{base}/feeds/atom?{query}")
    ET.SubElement(root, "link", rel="alternate", href=f"{base}/notices?{query}")
    updated = notices[0].published_at if notices and notices[0].published_at else now
    ET.SubElement(root, "updated").text = updated.isoformat()
    for notice in notices:
        _atom_entry(root, notice, base)
    body = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


def _atom_entry(root: ET.Element, notice: Notice, base: str) -> None:
    entry = ET.SubElement(root, "entry")
    url = base + services.notice_path(notice.id)
    ET.SubElement(entry, "title").text = notice.title
    ET.SubElement(entry, "id").text = f"urn:uuid:{notice.id}"
    ET.SubElement(entry, "link", rel="alternate", href=url)
    assert notice.published_at is not None
    ET.SubElement(entry, "updated").text = notice.published_at.isoformat()
    ET.SubElement(entry, "published").text = notice.published_at.isoformat()
    ET.SubElement(entry, "category", term=notice.notice_type,
                  label=type_label(notice.notice_type, "zh-CN"))
    ET.SubElement(entry, "category", term=notice.category)
    author = ET.SubElement(entry, "author")
    ET.SubElement(author, "name").text = str(notice.data.get("tenderee")
                                             or notice.data.get("department") or "ggzy")
    summary = ET.SubElement(entry, "summary")
    summary.text = (f"{type_label(notice.notice_type, 'zh-CN')} · {notice.region} · "
                    f"{notice.tender_ref} · SHA-256 {notice.content_hash}")


# --- staff preview -----------------------------------------------------------------------------


@dataclass
class PreviewForm:
    notice_type: str = ""
    title: str = ""
    data: str = ""
    secret_fields: str = ""


STAFF = [requires_role(Role.STAFF, Role.TENDEREE)]


@get("/disclosure/preview", include_in_schema=False, guards=STAFF, name="disclosure_preview")
async def preview_form(request: Request[Any, Any, Any]) -> Template:
    return await blocking(render, request, "disclosure/preview.html", form=PreviewForm(),
                          types=list(SPECS), type_label=type_label, result=None, error=None)


@post("/disclosure/preview", include_in_schema=False, guards=STAFF,
      name="disclosure_preview_post", status_code=200)
async def preview_post(request: Request[Any, Any, Any], data: Annotated[
        PreviewForm, Body(media_type=RequestEncodingType.URL_ENCODED)]) -> Template:
    return await blocking(_preview_post, request, data)


def _preview_post(request: Request[Any, Any, Any], form: PreviewForm) -> Template:
    lang = language(request)
    try:
        parsed = json.loads(form.data or "{}")
    except json.JSONDecodeError as error:
        raise UserError(f"公告数据不是有效的 JSON：第 {error.lineno} 行",
                        f"the notice data is not valid JSON: line {error.lineno}",
                        field="data") from None
    secrets = [s.strip() for s in form.secret_fields.split(",") if s.strip()]
    result = services.preview(notice_type=form.notice_type, title=form.title, data=parsed,
                              secret_fields=secrets)
    return render(request, "disclosure/preview.html", form=form, types=list(SPECS),
                  type_label=type_label, result=result,
                  rows=rows_for(result.spec, result.data, lang), error=None)


# --- regulators --------------------------------------------------------------------------------


@get("/regulator/notices/{notice_id:uuid}", include_in_schema=False,
     guards=[requires_role(Role.REGULATOR)], name="disclosure_unredacted")
async def unredacted_page(request: Request[Any, Any, Any], notice_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_unredacted_page, request, notice_id)


def _unredacted_page(request: Request[Any, Any, Any], notice_id: uuid.UUID) -> Template:
    with db.transaction() as session:  # the access itself is logged
        notice, private = services.unredacted(session, actor_of(request), notice_id)
    spec = SPECS[NoticeType(notice.notice_type)]
    return render(request, "disclosure/unredacted.html", notice=notice, private=private,
                  rows=rows_for(spec, private.data, language(request)), type_label=type_label)


ROUTES = [notice_list, notice_page, tender_page, atom_feed, preview_form, preview_post,
          unredacted_page]
