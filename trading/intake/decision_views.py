"""Pages of the decision on receipt: the staff queue with the working days left, the review and
decision form, the signed notices, the public verification, files and corrections."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.intake import (
    applications,
    completion_views,
    decisions,
    forms,
    progress,
    refusals,
    seal,
)
from trading.intake.application_views import APPLICANTS, Multipart, read_uploads
from trading.intake.models import ApplicationFile, NoticeKind
from trading.web import (
    actor_of,
    blocking,
    client_ip,
    current_user,
    language,
    redirect,
    render,
    requires_role,
)

STAFF = requires_role(Role.STAFF)
SIGNED_IN = requires_role()
Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
DONE = ("decided", "corrected", *completion_views.DONE)


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


@get("/intake/staff/applications", include_in_schema=False, guards=[STAFF])
async def queue_page(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_queue_page, request)


def _queue_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        waiting = decisions.queue(session, _user(request))
        left = {a.id: decisions.remaining_working_days(session, a) for a in waiting}
        return render(request, "intake/queue.html", applications=waiting, left=left)


def _review(request: Request[Any, Any, Any], tracking: str, done: str | None = None,
            error: UserError | None = None, values: Mapping[str, Any] | None = None) -> Template:
    with db.read_only() as session:
        application = applications.application_for(session, _user(request), tracking)
        return render(request, "intake/review.html", status_code=error.status if error else 200,
                      application=application, item=application.item,
                      left=decisions.remaining_working_days(session, application),
                      notices=decisions.notices_of(session, application),
                      done=done if done in DONE else None, values=values or {},
                      kinds=list(NoticeKind),
                      error=error.message(language(request)) if error else None,
                      error_field=error.field if error else None,
                      **completion_views.context(session, _user(request), application))


review = _review  # the completion forms answer a refused action with this page


@get("/intake/staff/applications/{tracking:str}", include_in_schema=False, guards=[STAFF])
async def review_page(request: Request[Any, Any, Any], tracking: FromPath[str],
                      done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _review, tracking, done)


def _checks(data: Mapping[str, Any]) -> list[decisions.MaterialCheck]:
    found = []
    for name in data:
        if not name.startswith("check-"):
            continue
        try:
            key = uuid.UUID(name.removeprefix("check-"))
        except ValueError:
            raise UserError("未知的材料", "Unknown material", field=name) from None
        found.append(decisions.MaterialCheck(
            key, forms.text(data, name, 8) == "yes",
            forms.text(data, f"correction-{key}", decisions.MAX_REASON)))
    return found


@post("/intake/staff/applications/{tracking:str}/decision", include_in_schema=False,
      guards=[STAFF])
async def decide(request: Request[Any, Any, Any], tracking: FromPath[str],
                 data: Form) -> Response[Any]:
    return await refusals.call(request, _decide, tracking, data)


def _decide(request: Request[Any, Any, Any], tracking: str, data: Mapping[str, Any]) -> Response[Any]:
    try:
        kind = forms.choice(data, "decision", NoticeKind)
        with db.transaction() as session:
            decisions.decide(session, actor_of(request), _user(request), tracking, kind,
                             forms.text(data, "reasons", decisions.MAX_REASON), _checks(data),
                             forms.text(data, "overdue_reason", decisions.MAX_REASON))
    except UserError as error:
        if error.status in (403, 404):
            raise
        values = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
        return _review(request, tracking, error=error, values=values)
    return redirect(f"/intake/staff/applications/{tracking}?done=decided")


@get("/intake/notices/{number:str}", include_in_schema=False, guards=[SIGNED_IN])
async def notice_page(request: Request[Any, Any, Any], number: FromPath[str]) -> Template:
    return await blocking(_notice_page, request, number)


def _notice_page(request: Request[Any, Any, Any], number: str) -> Template:
    with db.read_only() as session:
        found = decisions.notice(session, number)
        application = applications.application_for(
            session, _user(request), found.content["tracking_number"])
        return render(request, "intake/notice.html", notice=found, content=found.content,
                      code=application.verification_code,
                      verified=seal.verify(found.content, found.signature, found.public_key),
                      canonical=seal.canonical(found.content).decode())


@get("/intake/verify", include_in_schema=False)
async def verify_page(request: Request[Any, Any, Any], number: FromQuery[str | None] = None,
                      code: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _verify_page, (number or "")[:32], (code or "")[:8])


def _verify_page(request: Request[Any, Any, Any], number: str, code: str) -> Template:
    if not number or not code:
        return render(request, "intake/verify.html", number=number, notice=None)
    with db.transaction() as session:
        # Throttled per address like the progress look-up: guessing codes does not pay.
        progress.check_throttle(session, client_ip(request))
        try:
            found, verified = decisions.verify_public(session, number, code)
        except NotFoundError as error:
            progress.record_failure(session, client_ip(request))
            return render(request, "intake/verify.html", status_code=404, number=number,
                          notice=None, error=error.message(language(request)))
        return render(request, "intake/verify.html", number=number, notice=found,
                      content=found.content, verified=verified,
                      canonical=seal.canonical(found.content).decode())


@get("/intake/applications/{tracking:str}/files/{file_id:str}", include_in_schema=False,
     guards=[SIGNED_IN])
async def file_download(request: Request[Any, Any, Any], tracking: FromPath[str],
                        file_id: FromPath[str]) -> Response[bytes]:
    return await blocking(_file_download, request, tracking, file_id)


def _file_download(request: Request[Any, Any, Any], tracking: str, file_id: str) -> Response[bytes]:
    with db.read_only() as session:
        application = applications.application_for(session, _user(request), tracking)
        found = next((f for f in application.files if str(f.id) == file_id), None)
        if found is None:
            raise NotFoundError("文件", "File")
        content, media_type, name = found.content, found.content_type, found.filename
    from urllib.parse import quote

    return Response(content, media_type=media_type, headers={
        "content-disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}"})


@post("/intake/applications/{tracking:str}/correct", include_in_schema=False,
      guards=[APPLICANTS], request_max_body_size=applications.MAX_BODY_BYTES)
async def correct(request: Request[Any, Any, Any], tracking: FromPath[str],
                  data: Multipart) -> Response[Any]:
    try:
        uploads = await read_uploads(data)
    except UserError as error:
        return await blocking(_correct_refused, request, tracking, error)
    return await blocking(_correct, request, tracking, uploads)


def _correct_refused(request: Request[Any, Any, Any], tracking: str,
                     error: UserError) -> Template:
    from trading.intake.application_views import receipt

    return receipt(request, tracking, None, error)


def _correct(request: Request[Any, Any, Any], tracking: str,
             uploads: Mapping[uuid.UUID, applications.Upload]) -> Response[Any]:
    try:
        with db.transaction() as session:
            application = applications.application_for(session, _user(request), tracking)
            known = {m.id: m for m in application.item.materials}
            replacements = {}
            for key, upload in uploads.items():
                material = known.get(key)
                if material is None:
                    raise UserError("上传的文件不属于该事项的材料", "An uploaded file is not for this "
                                    "item's materials", field="materials")
                replacements[key] = ApplicationFile(
                    id=uuid.uuid4(), material_id=key, position=material.position,
                    material_name=material.name, filename=upload.filename[:200] or "file",
                    content_type=applications.sniff(upload, material), size=len(upload.content),
                    sha256=hashlib.sha256(upload.content).hexdigest(), content=upload.content)
            decisions.correct(session, actor_of(request), tracking, replacements)
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _correct_refused(request, tracking, error)
    return redirect(f"/intake/applications/{tracking}?done=corrected")


ROUTES = [queue_page, review_page, decide, notice_page, verify_page, file_download, correct]
