"""What every stage's API handlers and pages share: the route prefix, the role guards, the
signed-in user behind a guard, who manages a tender, and small parsing and display helpers."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from bidding.models import Tender
from trading import clock
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import current_user, language, render, requires_role

API = "/api/v1"
MANAGERS = requires_role(Role.STAFF, Role.TENDEREE)
BIDDERS = requires_role(Role.BIDDER)
CUSTODIANS = requires_role(Role.CUSTODIAN)

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def user_of(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # every caller is behind a guard
    return user


def check_manager(user: CurrentUser, tender: Tender) -> None:
    """Staff manage every tender; a tenderee (or its agent) only its own organization's."""
    if Role.STAFF.value in user.roles:
        return
    if tender.tenderee_org_id is None or tender.tenderee_org_id != user.organization_id:
        raise UserError("您无权管理该招标项目", "You may not manage this tender", status=403,
                        code="forbidden")


def is_manager(user: CurrentUser | None, tender: Tender) -> bool:
    """Whether ``user`` manages ``tender`` (staff, or its tenderee's own people)."""
    if user is None or not user.has_any({Role.STAFF.value, Role.TENDEREE.value}):
        return False
    try:
        check_manager(user, tender)
    except UserError:
        return False
    return True


def local_datetime(value: str, field: str) -> dt.datetime:
    """A ``datetime-local`` form value, read in the platform's zone, as UTC."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise UserError("时间格式应为 YYYY-MM-DDTHH:MM", "Use YYYY-MM-DDTHH:MM",
                        field=field) from error
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=clock.local_zone())
    return moment.astimezone(dt.UTC)


def parse_uuid(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError as error:
        raise UserError("无效的标识", "Invalid id", field=field) from error


def yuan(fen: int | None) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100:,}.{fen % 100:02d}"


def error_page(request: Request[Any, Any, Any], error: UserError,
               template: str, **context: Any) -> Template:
    return render(request, template, status_code=error.status,
                  error=error.message(language(request)), error_field=error.field, **context)


async def read_upload(data: dict[str, Any]) -> tuple[str, str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise UserError("请选择文件", "Choose a file", field="file")
    return upload.filename, upload.content_type, await upload.read()
