"""Pages of the applicant's materials library (电子信息库, City §34, R-07): the list by category
with validity, filing a document, removing one (confirmed), downloading."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.errors import NotFoundError, UserError
from trading.intake import forms, library, refusals
from trading.intake.application_views import APPLICANTS, Multipart
from trading.intake.applications import MAX_FILE_BYTES, Upload
from trading.intake.decision_views import Form
from trading.intake.library_models import LibraryCategory
from trading.web import actor_of, current_user, language, redirect, render

DONE = ("added", "removed")
MAX_BODY = MAX_FILE_BYTES + 64 * 1024


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def _entry_id(raw: str) -> uuid.UUID:
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise NotFoundError("资料库文件", "Library file") from None


def parse_day(data: Mapping[str, Any], name: str) -> dt.date | None:
    raw = forms.text(data, name, 10)
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise UserError("日期格式应为年-月-日，例如2027-06-30", "Enter the day as YYYY-MM-DD",
                        field=name) from None


def _page(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None, values: Mapping[str, Any] | None = None) -> Template:
    with db.read_only() as session:
        found = library.entries(session, _user(request))
        today = library.today(session)
        return render(request, "intake/library.html", status_code=error.status if error else 200,
                      entries=found, expired={e.id for e in found if library.expired(e, today)},
                      categories=list(LibraryCategory), done=done if done in DONE else None,
                      values=values or {}, error=error.message(language(request)) if error else None,
                      error_field=error.field if error else None)


@get("/intake/library", include_in_schema=False, guards=[APPLICANTS])
async def library_page(request: Request[Any, Any, Any],
                       done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _page, done)


@post("/intake/library", include_in_schema=False, guards=[APPLICANTS],
      request_max_body_size=MAX_BODY)
async def library_add(request: Request[Any, Any, Any], data: Multipart) -> Response[Any]:
    value = data.get("file")
    upload = None
    if isinstance(value, UploadFile) and value.filename:
        upload = Upload(value.filename, await value.read(MAX_FILE_BYTES + 1))
    return await refusals.call(request, _add, data, upload)


def _add(request: Request[Any, Any, Any], data: Mapping[str, Any],
         upload: Upload | None) -> Response[Any]:
    try:
        category = forms.choice(data, "category", LibraryCategory)
        valid_until = parse_day(data, "valid_until")
        with db.transaction() as session:
            library.add(session, actor_of(request), _user(request), category,
                        forms.text(data, "title", 200), upload or Upload("", b""), valid_until)
    except UserError as error:
        values = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
        return _page(request, error=error, values=values)
    return redirect("/intake/library?done=added")


@post("/intake/library/{entry_id:str}/delete", include_in_schema=False, guards=[APPLICANTS],
      request_max_body_size=4096)
async def library_remove(request: Request[Any, Any, Any], entry_id: FromPath[str],
                         data: Form) -> Response[Any]:
    return await refusals.call(request, _remove, entry_id, data)


def _remove(request: Request[Any, Any, Any], entry_id: str,
            data: Mapping[str, Any]) -> Response[Any]:
    key = _entry_id(entry_id)
    if forms.text(data, "confirm", 4) != "1":
        return _page(request, error=UserError("请勾选确认后再删除", "Tick the confirmation to "
                                              "remove it", field="confirm"))
    with db.transaction() as session:
        library.remove(session, actor_of(request), _user(request), key)
    return redirect("/intake/library?done=removed")


@get("/intake/library/{entry_id:str}/file", include_in_schema=False, guards=[APPLICANTS])
async def library_file(request: Request[Any, Any, Any], entry_id: FromPath[str]) -> Response[bytes]:
    return await refusals.call(request, _file, entry_id)


def _file(request: Request[Any, Any, Any], entry_id: str) -> Response[bytes]:
    with db.read_only() as session:
        entry = library.entry_for(session, _user(request), _entry_id(entry_id))
        content, media_type, name = entry.content, entry.content_type, entry.filename
    return Response(content, media_type=media_type, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


ROUTES = [library_page, library_add, library_remove, library_file]
