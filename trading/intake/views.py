"""Pages of service items: the public catalog and guides, and the staff pages that maintain them."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.i18n import translate
from trading.intake import forms, items, refusals, regions
from trading.intake.models import (
    Collection,
    ExcludedKind,
    ItemKind,
    MaterialForm,
    ServiceItemVersion,
)
from trading.web import (
    actor_of,
    blocking,
    current_user,
    language,
    redirect,
    render,
    requires_role,
)

STAFF = requires_role(Role.STAFF)
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
DONE = ("created", "saved", "material_added", "material_removed")
MATERIAL_BODY_BYTES = items.MAX_TEMPLATE_BYTES + 64 * 1024


def choices() -> dict[str, Any]:
    return {"kinds": list(ItemKind), "collections": list(Collection),
            "excluded_kinds": list(ExcludedKind), "material_forms": list(MaterialForm)}


# The message key naming each field of an item's content (its change history).
FIELD_KEYS = {"code": "intake.code", "department": "intake.department", "name": "intake.name",
              "kind": "intake.kind", "legal_basis": "intake.legal_basis",
              "conditions": "intake.conditions", "fee_basis": "intake.fee", "fee_fen": "intake.fee",
              "promised_days": "intake.promised_days", "statutory_days": "intake.statutory_days",
              "excluded_kinds": "intake.excluded", "online": "intake.online",
              "collection": "intake.collection", "participants": "intake.participants",
              "materials": "intake.materials_changed"}


def change_label(version: ServiceItemVersion, lang: str) -> str:
    detail = version.detail
    if version.change == "changed":
        names = dict.fromkeys(translate(FIELD_KEYS.get(f, f), lang) for f in detail.split(","))
        detail = ("、" if lang != "en" else ", ").join(names)
    return translate(f"intake.change.{version.change}", lang, detail=detail)


def parse_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFoundError("材料", "Material") from None


# ------------------------------------------------------------------------------- public
@get("/intake", include_in_schema=False)
async def catalog_page(request: Request[Any, Any, Any], department: FromQuery[str | None] = None,
                       q: FromQuery[str | None] = None,
                       region: FromQuery[str | None] = None) -> Template:
    return await blocking(_catalog_page, request, department, q, region)


def _catalog_page(request: Request[Any, Any, Any], department: str | None,
                  q: str | None, region: str | None) -> Template:
    department = (department or "")[:32]
    keyword = (q or "")[:100]
    region = (region or "")[:12]
    with db.read_only() as session:
        found = items.catalog(session, department or None, keyword or None, region or None)
        return render(request, "intake/catalog.html", groups=items.grouped(found),
                      departments=items.departments(session), department=department,
                      regions=regions.listed(session), region=region,
                      keyword=keyword, count=len(found))


@get("/intake/items/{code:str}", include_in_schema=False)
async def guide_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    return await blocking(_guide_page, request, code)


def _guide_page(request: Request[Any, Any, Any], code: str) -> Template:
    with db.read_only() as session:
        item = items.get_item(session, code)
        user = current_user(request)
        # Window registration and editing: for the staff of the item's region only.
        seen = regions.seen_by(session, user) if user and Role.STAFF.value in user.roles \
            else frozenset()
        return render(request, "intake/guide.html", item=item,
                      staff_here=seen is None or item.department.region_id in seen)


@get("/intake/items/{code:str}/materials/{material_id:str}/template", include_in_schema=False)
async def template_download(code: FromPath[str], material_id: FromPath[str]) -> Response[bytes]:
    return await blocking(_template_download, code, material_id)


def _template_download(code: str, material_id: str) -> Response[bytes]:
    with db.read_only() as session:
        found = items.material_template(session, code, parse_id(material_id, "material"))
    disposition = f"attachment; filename*=UTF-8''{_quote(found.filename)}"
    return Response(found.content, media_type=found.content_type,
                    headers={"content-disposition": disposition})


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


# ------------------------------------------------------------------------------- staff
@get("/intake/manage", include_in_schema=False, guards=[STAFF])
async def manage_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_manage_page, request)


def _manage_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        seen = regions.seen_by(session, _user(request))
        mine = [i for i in items.catalog(session) if seen is None or i.department.region_id in seen]
        return render(request, "intake/manage.html", groups=items.grouped(mine))


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def _item_form(request: Request[Any, Any, Any], code: str | None, values: Mapping[str, Any],
               error: UserError | None = None) -> Template:
    with db.read_only() as session:
        return render(request, "intake/item_form.html", status_code=error.status if error else 200,
                      code=code, values=values, departments=items.departments(session),
                      error=error.message(language(request)) if error else None,
                      error_field=error.field if error else None, **choices())


@get("/intake/manage/new", include_in_schema=False, guards=[STAFF])
async def new_item_page(request: Request[Any, Any, Any]) -> Template:
    defaults = {"kind": "promised", "statutory_days": str(items.STATUTORY_DEFAULT_DAYS),
                "promised_days": "10", "collection": "window", "excluded_kinds": [],
                "participants": [], "online": "1"}
    return await blocking(_item_form, request, None, defaults)


@post("/intake/manage/new", include_in_schema=False, guards=[STAFF])
async def create_item(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await refusals.call(request, _create_item, data)


def _create_item(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    try:
        parsed = forms.item_input(data)
        with db.transaction() as session:
            regions.require_maintenance(session, _user(request), "", parsed.department_code)
            item = items.create_item(session, actor_of(request), parsed)
            code = item.code
    except UserError as error:
        if error.status == 403:
            raise
        return _item_form(request, None, forms.form_values(data), error)
    return redirect(f"/intake/manage/items/{code}?done=created")


@get("/intake/manage/items/{code:str}", include_in_schema=False, guards=[STAFF])
async def edit_item_page(request: Request[Any, Any, Any], code: FromPath[str],
                         done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _edit_item_page, code, done)


def _edit_item_page(request: Request[Any, Any, Any], code: str, done: str | None = None,
                    error: UserError | None = None, values: Mapping[str, Any] | None = None,
                    ) -> Template:
    with db.read_only() as session:
        item = items.get_item(session, code)
        regions.require_maintenance(session, _user(request), code)
        current = values if values is not None else {
            **items.snapshot(item), "department": item.department.code,
            "fee_yuan": f"{item.fee_fen / 100:.2f}" if item.fee_fen is not None else "",
            "fee_basis": item.fee_basis or "", "promised_days": str(item.promised_days),
            "statutory_days": str(item.statutory_days), "online": "1" if item.online else "",
            "participants": [p.department_code for p in item.participants]}
        return render(
            request, "intake/item_edit.html", status_code=error.status if error else 200,
            item=item, code=code, values=current, departments=items.departments(session),
            history=items.versions(session, item), done=done if done in DONE else None,
            change_label=lambda v: change_label(v, language(request)),
            error=error.message(language(request)) if error else None,
            error_field=error.field if error else None, **choices())


@post("/intake/manage/items/{code:str}", include_in_schema=False, guards=[STAFF])
async def update_item(request: Request[Any, Any, Any], code: FromPath[str],
                      data: Form) -> Response[Any]:
    return await refusals.call(request, _update_item, code, data)


def _update_item(request: Request[Any, Any, Any], code: str, data: Form) -> Response[Any]:
    try:
        parsed = forms.item_input({**data, "code": code})
        with db.transaction() as session:
            regions.require_maintenance(session, _user(request), code, parsed.department_code)
            items.update_item(session, actor_of(request), code, parsed)
    except NotFoundError:
        raise
    except UserError as error:
        if error.status == 403:
            raise
        return _edit_item_page(request, code, error=error,
                               values={**forms.form_values(data), "code": code})
    return redirect(f"/intake/manage/items/{code}?done=saved")


@post("/intake/manage/items/{code:str}/materials", include_in_schema=False, guards=[STAFF],
      request_max_body_size=MATERIAL_BODY_BYTES)
async def add_material(request: Request[Any, Any, Any], code: FromPath[str],
                       data: Multipart) -> Response[Any]:
    upload = data.get("template")
    template = None
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(items.MAX_TEMPLATE_BYTES + 1)
        template = items.TemplateFile(upload.filename, upload.content_type, content)
    return await refusals.call(request, _add_material, code, data, template)


def _add_material(request: Request[Any, Any, Any], code: str, data: Mapping[str, Any],
                  template: items.TemplateFile | None) -> Response[Any]:
    try:
        parsed = forms.material_input(data)
        with db.transaction() as session:
            regions.require_maintenance(session, _user(request), code)
            items.add_material(session, actor_of(request), code, parsed, template)
    except NotFoundError:
        raise
    except UserError as error:
        if error.status == 403:
            raise
        return _edit_item_page(request, code, error=error)
    return redirect(f"/intake/manage/items/{code}?done=material_added")


@post("/intake/manage/items/{code:str}/materials/{material_id:str}/remove",
      include_in_schema=False, guards=[STAFF])
async def remove_material(request: Request[Any, Any, Any], code: FromPath[str],
                          material_id: FromPath[str], data: Form) -> Response[Any]:
    return await refusals.call(request, _remove_material, code, material_id, data)


def _remove_material(request: Request[Any, Any, Any], code: str, material_id: str,
                     data: Mapping[str, Any]) -> Response[Any]:
    try:
        if data.get("confirm") != "1":
            raise UserError("请勾选确认后再删除", "Tick the confirmation to remove", field="confirm")
        with db.transaction() as session:
            regions.require_maintenance(session, _user(request), code)
            items.remove_material(session, actor_of(request), code,
                                  parse_id(material_id, "material"))
    except NotFoundError:
        raise
    except UserError as error:
        if error.status == 403:
            raise
        return _edit_item_page(request, code, error=error)
    return redirect(f"/intake/manage/items/{code}?done=material_removed")


ROUTES = [catalog_page, guide_page, template_download, manage_page, new_item_page, create_item,
          edit_item_page, update_item, add_material, remove_material]
