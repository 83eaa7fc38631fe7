"""The import page (staff) and the classification pages (administrators)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from expert_pool import importer, specialties
from expert_pool.pool_views_common import ADMIN, STAFF, Form, Multipart, done_key
from trading import db
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render


def _import_page(request: Request[Any, Any, Any], *, done: str | None = None,
                 result: importer.ImportResult | None = None, error: UserError | None = None,
                 status: int = 200) -> Template:
    return render(request, "expert_pool/pool_import.html", status_code=status,
                  done=done_key(done), result=result,
                  error=error.message(language(request)) if error else None,
                  headers=importer.TEMPLATE_HEADERS, required=importer.REQUIRED,
                  max_rows=importer.MAX_ROWS, max_mb=importer.MAX_BYTES // 1024 // 1024)


@get("/experts/import", include_in_schema=False, guards=[STAFF])
async def import_page(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_import_page, request, done=done)


@get("/experts/import/template.csv", include_in_schema=False, guards=[STAFF])
async def import_template() -> Response[bytes]:
    return Response(importer.template_csv(), media_type="text/csv; charset=utf-8", headers={
        "Content-Disposition": "attachment; filename=\"expert-import-template.csv\""})


def _import(request: Request[Any, Any, Any], filename: str, content: bytes, admit: bool) -> Template:
    try:
        with db.transaction() as session:
            result = importer.import_experts(session, actor_of(request), filename, content,
                                             admit=admit)
    except UserError as error:
        return _import_page(request, error=error, status=error.status)
    if not result.ok:
        return _import_page(request, result=result, status=400)
    return _import_page(request, done="imported", result=result)


@post("/experts/import", include_in_schema=False, guards=[STAFF],
      request_max_body_size=importer.MAX_BYTES + 64 * 1024)
async def import_upload(request: Request[Any, Any, Any], data: Multipart) -> Template:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        return await blocking(_import_page, request, status=400,
                              error=UserError("请选择文件", "Choose a file", field="file"))
    content = await upload.read()
    return await blocking(_import, request, upload.filename or "", content,
                          data.get("admit") == "1")


# --- classification ------------------------------------------------------------------------


def _tree(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None) -> Template:
    with db.read_only() as session:
        nodes = specialties.tree(session)
    return render(request, "expert_pool/pool_specialties.html", nodes=nodes, done=done_key(done),
                  status_code=error.status if error else 200,
                  error=error.message(language(request)) if error else None,
                  error_field=error.field if error else None)


@get("/experts/specialties", include_in_schema=False, guards=[ADMIN])
async def specialty_tree(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_tree, request, done)


def _maintain(request: Request[Any, Any, Any], action: str, code: str,
              data: dict[str, str]) -> Response[Any]:
    actor = actor_of(request)
    try:
        with db.transaction() as session:
            if action == "add":
                specialties.add_node(session, actor, data.get("parent_code", ""),
                                     data.get("name_zh", ""), data.get("name_en", ""))
            elif action == "rename":
                specialties.rename(session, actor, code, data.get("name_zh", ""),
                                   data.get("name_en", ""))
            else:
                specialties.set_active(session, actor, code, data.get("active") == "1")
    except UserError as error:
        if error.status == 404:
            raise
        return _tree(request, error=error)
    return redirect("/experts/specialties?done=specialty")


@post("/experts/specialties", include_in_schema=False, guards=[ADMIN])
async def specialty_add(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_maintain, request, "add", "", data)


@post("/experts/specialties/{code:str}/rename", include_in_schema=False, guards=[ADMIN])
async def specialty_rename(request: Request[Any, Any, Any], code: FromPath[str], data: Form) -> Response[Any]:
    return await blocking(_maintain, request, "rename", code[:16], data)


@post("/experts/specialties/{code:str}/active", include_in_schema=False, guards=[ADMIN])
async def specialty_active(request: Request[Any, Any, Any], code: FromPath[str], data: Form) -> Response[Any]:
    return await blocking(_maintain, request, "active", code[:16], data)


ROUTES: list[Any] = [import_page, import_template, import_upload, specialty_tree, specialty_add,
                     specialty_rename, specialty_active]
