"""Pages of one registration for every channel: apply online, register a walk-in applicant at the
window, the receipt, and the applicant's list of applications."""

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
from trading.errors import UserError
from trading.intake import (
    applications,
    completion_views,
    decisions,
    forms,
    items,
    library,
    refusals,
    regions,
)
from trading.intake.models import ApplicantKind, Channel
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

APPLICANTS = requires_role(Role.BIDDER, Role.TENDEREE)
STAFF = requires_role(Role.STAFF)
SIGNED_IN = requires_role()
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
APPLICANT_FIELDS = ("applicant_kind", "applicant_name", "applicant_id_number", "contact_name",
                    "contact_phone")


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


async def read_uploads(data: Mapping[str, Any]) -> dict[uuid.UUID, applications.Upload]:
    """The files of the form's ``material-<id>`` fields (each read to one byte past the limit)."""
    found: dict[uuid.UUID, applications.Upload] = {}
    for name, value in data.items():
        if not name.startswith("material-"):
            continue
        if isinstance(value, list):
            raise UserError("每项材料只能上传一个文件", "One file per material", field=name)
        if not isinstance(value, UploadFile) or not value.filename:
            continue
        try:
            key = uuid.UUID(name.removeprefix("material-"))
        except ValueError:
            raise UserError("未知的材料", "Unknown material", field=name) from None
        content = await value.read(applications.MAX_FILE_BYTES + 1)
        if content:
            found[key] = applications.Upload(value.filename, content)
    return found


def _on_paper(data: Mapping[str, Any]) -> frozenset[uuid.UUID]:
    keys = []
    for value in forms.texts(data, "on_paper"):
        try:
            keys.append(uuid.UUID(value))
        except ValueError:
            raise UserError("未知的材料", "Unknown material", field="on_paper") from None
    return frozenset(keys)


def _applicant(data: Mapping[str, Any]) -> applications.Applicant:
    return applications.Applicant(
        kind=forms.choice(data, "applicant_kind", ApplicantKind),
        name=forms.text(data, "applicant_name", 200),
        id_number=forms.text(data, "applicant_id_number", 32),
        contact_name=forms.text(data, "contact_name", 100),
        contact_phone=forms.text(data, "contact_phone", 20))


def _form(request: Request[Any, Any, Any], code: str, channel: Channel,
          values: Mapping[str, Any], error: UserError | None = None) -> Template:
    with db.read_only() as session:
        item = items.get_item(session, code)
        if channel is Channel.ONLINE and not item.online:
            raise UserError("该事项不能网上申请，请到窗口办理", "This item cannot be applied for online; "
                            "please come to the window", status=409, code="not_online")
        user = current_user(request)
        if channel is Channel.WINDOW and user is not None:
            regions.require_item(session, user, item)  # a window takes its region's items
        # The applicant's library, to pick a file on record instead of uploading it.
        shelf = library.entries(session, user) if channel is Channel.ONLINE and user else []
        today = library.today(session)
        return render(request, "intake/apply.html", status_code=error.status if error else 200,
                      item=item, channel=channel.value, values=values, library=shelf,
                      library_expired={e.id for e in shelf if library.expired(e, today)},
                      applicant_kinds=list(ApplicantKind),
                      error=error.message(language(request)) if error else None,
                      error_field=error.field if error else None)


def _defaults(user: CurrentUser, channel: Channel) -> dict[str, str]:
    if channel is Channel.WINDOW:
        return {"applicant_kind": ApplicantKind.ORGANISATION.value}
    return {"applicant_kind": ApplicantKind.ORGANISATION.value if user.organization_id
            else ApplicantKind.PERSON.value, "applicant_name": user.organization_name or "",
            "contact_name": user.display_name}


def _submit(request: Request[Any, Any, Any], code: str, channel: Channel, data: Mapping[str, Any],
            uploads: Mapping[uuid.UUID, applications.Upload] | None,
            error: UserError | None) -> Response[Any]:
    values = {name: data.get(name) if isinstance(data.get(name), str) else ""
              for name in APPLICANT_FIELDS}
    try:
        if error is not None:
            raise error
        assert uploads is not None
        applicant = _applicant(data)
        on_paper = _on_paper(data) if channel is Channel.WINDOW else frozenset()
        with db.transaction() as session:
            user = _user(request)
            # Files picked from the library count as handed in (an upload wins); what is
            # handed in online goes into the library.
            picked = library.picked(session, user, code, data) if channel is Channel.ONLINE \
                else {}
            done = applications.register(session, actor_of(request), user, code, channel,
                                         applicant, {**picked, **uploads}, on_paper)
            if channel is Channel.ONLINE:
                library.keep_submitted(session, actor_of(request), user, done.tracking_number,
                                       library.reused(picked, uploads))
    except UserError as refused:
        if refused.status in (403, 404):
            raise
        return _form(request, code, channel, values, refused)
    return redirect(f"/intake/applications/{done.tracking_number}?done=registered")


async def _read(data: Mapping[str, Any]) -> tuple[dict[uuid.UUID, applications.Upload] | None,
                                                  UserError | None]:
    try:
        return await read_uploads(data), None
    except UserError as error:
        return None, error


@get("/intake/items/{code:str}/apply", include_in_schema=False, guards=[APPLICANTS])
async def apply_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    return await blocking(_form, request, code, Channel.ONLINE,
                          _defaults(_user(request), Channel.ONLINE))


@post("/intake/items/{code:str}/apply", include_in_schema=False, guards=[APPLICANTS],
      request_max_body_size=applications.MAX_BODY_BYTES)
async def apply_submit(request: Request[Any, Any, Any], code: FromPath[str],
                       data: Multipart) -> Response[Any]:
    uploads, error = await _read(data)
    return await blocking(_submit, request, code, Channel.ONLINE, data, uploads, error)


@get("/intake/window/items/{code:str}/register", include_in_schema=False, guards=[STAFF])
async def window_page(request: Request[Any, Any, Any], code: FromPath[str]) -> Template:
    return await refusals.call(request, _form, code, Channel.WINDOW,
                               _defaults(_user(request), Channel.WINDOW))


@post("/intake/window/items/{code:str}/register", include_in_schema=False, guards=[STAFF],
      request_max_body_size=applications.MAX_BODY_BYTES)
async def window_submit(request: Request[Any, Any, Any], code: FromPath[str],
                        data: Multipart) -> Response[Any]:
    uploads, error = await _read(data)
    return await refusals.call(request, _submit, code, Channel.WINDOW, data, uploads, error)


@get("/intake/applications/{tracking_number:str}", include_in_schema=False, guards=[SIGNED_IN])
async def receipt_page(request: Request[Any, Any, Any], tracking_number: FromPath[str],
                       done: FromQuery[str | None] = None) -> Template:
    return await blocking(receipt, request, tracking_number, done)


def receipt(request: Request[Any, Any, Any], tracking_number: str, done: str | None,
            error: UserError | None = None) -> Template:
    """The receipt: the record, its notices, and the correction form when one is asked for."""
    with db.read_only() as session:
        application = applications.application_for(session, _user(request), tracking_number)
        return render(request, "intake/receipt.html", status_code=error.status if error else 200,
                      application=application, item=application.item,
                      done=done if done in ("registered", "corrected") else None,
                      notices=decisions.notices_of(session, application),
                      left=decisions.remaining_working_days(session, application),
                      error=error.message(language(request)) if error else None,
                      **completion_views.context(session, None, application))


@get("/intake/mine", include_in_schema=False, guards=[SIGNED_IN])
async def mine_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_mine_page, request)


def _mine_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        return render(request, "intake/mine.html",
                      applications=applications.mine(session, _user(request)))


ROUTES = [apply_page, apply_submit, window_page, window_submit, receipt_page, mine_page]
