"""Staff pages of expert draws: the list and the request form with live eligible counts.

The form works without JavaScript: "查看符合条件人数" re-renders it with the server's counts;
``draw-form.js`` asks ``/experts/draws/counts`` (a page route: the JSON API takes bearer
tokens only, never the page's cookie) on every change and refuses an impossible request.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template
from sqlalchemy import select

from bidding import services as bidding
from expert_pool import drawing
from expert_pool.draw_views_common import (
    STAFF,
    VIEWERS,
    draw_state_key,
    section_labels,
    user_of,
)
from expert_pool.draw_views_detail import ROUTES as DETAIL_ROUTES
from expert_pool.draw_views_record import ROUTES as RECORD_ROUTES
from expert_pool.models import Specialty, Title
from trading import clock, db
from trading.accounts import services as accounts
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
MAX_ROWS = 20  # specialty rows one request can carry
TEXT_LIMITS = {"place": 200, "region_reason": 500}
FIELDS = frozenset({"section", "committee_size", "tenderee_representatives", "requirements",
                    "regions_include", "regions_exclude", "region_reason", "min_title", "min_years",
                    "cap_draws", "cap_days", "evaluation_at", "expected_days", "place",
                    "answer_minutes", "supervisor_user_id"})
REGION_SPLIT = re.compile(r"[\n,，、;；]+")


# --- the list ------------------------------------------------------------------------------


def _list_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        draws = drawing.list_draws(session)
        labels = section_labels(session, draws)
    return render(request, "expert_pool/draw_list.html", draws=draws, labels=labels,
                  state_key=draw_state_key)


@get("/experts/draws", include_in_schema=False, guards=[VIEWERS])
async def draw_list(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_list_page, request)


# --- reading the form ----------------------------------------------------------------------


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    value = value[0] if isinstance(value, list) and value else value
    text = str(value).strip()
    limit = TEXT_LIMITS.get(name, 200)
    if len(text) > limit:
        raise UserError(f"最多 {limit} 个字", f"At most {limit} characters", field=name)
    return text


def _number(data: dict[str, Any], name: str, low: int, high: int, default: int | None = None) -> int:
    text = _text(data, name)
    if not text and default is not None:
        return default
    # ASCII digits only: int() also reads other scripts' digits.
    if not re.fullmatch(r"[0-9]{1,6}", text) or not low <= int(text) <= high:
        raise UserError(f"请填写 {low} 到 {high} 之间的整数", f"Enter a whole number from {low} to {high}",
                        field=name)
    return int(text)


def _optional_number(data: dict[str, Any], name: str, low: int, high: int) -> int | None:
    return _number(data, name, low, high) if _text(data, name) else None


def _evaluation_at(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError as error:
        raise UserError("时间格式应为 YYYY-MM-DDTHH:MM（北京时间）", "Use YYYY-MM-DDTHH:MM (Beijing time)",
                        field="evaluation_at") from error
    if moment.tzinfo is None:  # the form's datetime-local is Beijing time
        moment = moment.replace(tzinfo=clock.local_zone())
    return moment.astimezone(dt.UTC)


def _uuid(text: str, field: str, what_zh: str, what_en: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError as error:
        raise UserError(f"请选择{what_zh}", f"Choose the {what_en}", field=field) from error


def _regions(data: dict[str, Any], name: str) -> list[str]:
    return [r.strip() for r in REGION_SPLIT.split(_text(data, name)) if r.strip()][:50]


def requirement_rows(data: dict[str, Any]) -> list[tuple[int, str, str, str]]:
    """The filled specialty rows as typed (form row, code, count, backups), in form order."""
    rows = []
    for i in range(MAX_ROWS):
        code = _text(data, f"code_{i}").upper()
        count, backups = _text(data, f"count_{i}"), _text(data, f"backups_{i}")
        if code or count:
            rows.append((i, code, count, backups))
    return rows


def draw_input(data: dict[str, Any]) -> drawing.DrawInput:
    tender_text, _, section_text = _text(data, "section").partition("/")
    tender_id = _uuid(tender_text, "section", "标段", "section")
    section_id = _uuid(section_text, "section", "标段", "section")
    requirements = []
    for i, code, _count, _backups in requirement_rows(data):
        if not code:
            raise UserError("请选择专业", "Choose the specialty", field=f"code_{i}")
        requirements.append(drawing.RequirementInput(
            code, _number(data, f"count_{i}", 1, 99), _number(data, f"backups_{i}", 0, 99, default=2)))
    if not requirements:
        raise UserError("请至少填写一个专业及人数", "Add at least one specialty and number",
                        field="code_0")
    cap_draws = _optional_number(data, "cap_draws", 1, 365)
    cap_days = _optional_number(data, "cap_days", 1, 3660)
    return drawing.DrawInput(
        tender_id=tender_id, section_id=section_id,
        committee_size=_number(data, "committee_size", 1, 99),
        tenderee_representatives=_number(data, "tenderee_representatives", 0, 99, default=0),
        requirements=requirements,
        evaluation_at=_evaluation_at(_text(data, "evaluation_at")),
        place=_text(data, "place"),
        supervisor_user_id=_uuid(_text(data, "supervisor_user_id"), "supervisor_user_id",
                                 "监督人", "supervising officer"),
        expected_days=_number(data, "expected_days", 1, 30, default=1),
        regions_include=_regions(data, "regions_include"),
        regions_exclude=_regions(data, "regions_exclude"),
        region_reason=_text(data, "region_reason"),
        min_title=_number(data, "min_title", 0, int(Title.SENIOR), default=0),
        min_years=_number(data, "min_years", 0, 60, default=0),
        cap_draws=cap_draws, cap_days=cap_days,
        answer_minutes=_number(data, "answer_minutes", 10, 7 * 24 * 60, default=120),
    )


def _row_errors(field: str | None, rows: list[int]) -> str | None:
    """A requirement error's field as the form names it (``count_2``): the engine counts the
    filled rows (``requirements[1].count``), the form its rows."""
    if field is None:
        return None
    found = re.match(r"requirements\[(\d+)\](?:\.(\w+))?", field)
    if found and rows:
        index = rows[min(int(found.group(1)), len(rows) - 1)]
        column = {"specialty_code": "code", "count": "count", "backups": "backups"}.get(
            found.group(2) or "", "count")
        return f"{column}_{index}"
    if field in {"tender_id", "section_id"}:
        return "section"
    return "requirements" if field.startswith("requirements") else field


# --- the form ------------------------------------------------------------------------------


def _form_choices(session: Any) -> dict[str, Any]:
    regulators = [u for u in accounts.list_users(session)
                  if u.is_active and Role.REGULATOR.value in u.role_names]
    specialties = list(session.scalars(select(Specialty).where(
        Specialty.active.is_(True), Specialty.level >= 2).order_by(Specialty.code)))
    return {"sections": bidding.sections_for_draw(session), "regulators": regulators,
            "specialties": specialties, "titles": list(Title)}


def _counts(session: Any, data: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[str | None, UserError]]]:
    """Counts by specialty and the problems (form field, error) the engine's preview reports."""
    problems: list[UserError] = []
    counts: dict[str, Any] = {}
    try:
        preview = drawing.preview(session, draw_input(data))
    except UserError as error:
        problems.append(error)
    else:
        counts = {c.code: c for c in preview.counts}
        problems.extend(preview.problems)
    rows = [row[0] for row in requirement_rows(data)]
    return counts, [(_row_errors(p.field, rows), p) for p in problems]


def form_page(request: Request[Any, Any, Any], data: dict[str, Any] | None = None,
              status: int = 200, with_counts: bool = False,
              error: UserError | None = None) -> Template:
    values = {k: v for k, v in (data or {}).items() if k != "_csrf_token"}
    lang = language(request)
    with db.read_only() as session:
        choices = _form_choices(session)
        counts: dict[str, Any] = {}
        problems: list[tuple[str | None, UserError]] = []
        if with_counts and data is not None:
            counts, problems = _counts(session, data)
    if error is not None:
        problems.insert(0, (_row_errors(error.field, [r[0] for r in requirement_rows(values)]), error))
    # Each problem stands next to its field; those of no field of this form, above it.
    field_errors: dict[str, list[str]] = {}
    general: list[str] = []
    for field, problem in problems:
        message = problem.message(lang)
        if field in FIELDS or (field and re.fullmatch(r"(code|count|backups)_[0-9]+", field)):
            if message not in field_errors.setdefault(field, []):
                field_errors[field].append(message)
        elif message not in general:
            general.append(message)
    # The filled rows, then empty ones: at least three, and one more than filled (no JS needed).
    rows = requirement_rows(values)
    last = rows[-1][0] + 1 if rows else 0
    rows += [(i, "", "", "") for i in range(last, min(max(last + 1, 3), MAX_ROWS))]
    return render(request, "expert_pool/draw_new.html", status_code=status, values=values,
                  rows=rows, counts=counts, field_errors=field_errors, general=general,
                  checked=with_counts and not problems and bool(counts), **choices)


@get("/experts/draws/new", include_in_schema=False, guards=[STAFF])
async def draw_new(request: Request[Any, Any, Any]) -> Template:
    return await blocking(form_page, request)


def _create(request: Request[Any, Any, Any], data: dict[str, Any]) -> Response[Any]:
    if data.get("action") == "preview":
        return form_page(request, data, with_counts=True)
    user = user_of(request)
    try:
        payload = draw_input(data)
        at_once = data.get("action") == "commit"
        with db.transaction() as session:
            draw = drawing.request_draw(session, actor_of(request), user.id, payload,
                                        commit_now=at_once)
            number = draw.number
    except UserError as error:
        return form_page(request, data, status=error.status, with_counts=True, error=error)
    return redirect(f"/experts/draws/{number}?done={'committed' if at_once else 'requested'}")


@post("/experts/draws", include_in_schema=False, guards=[STAFF])
async def draw_create(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_create, request, data)


def _counts_json(request: Request[Any, Any, Any], data: dict[str, Any]) -> dict[str, Any]:
    lang = language(request)
    with db.read_only() as session:
        counts, problems = _counts(session, data)
    return {
        "counts": [{"code": c.code, "name": c.name_en if lang == "en" and c.name_en else c.name_zh,
                    "needed": c.needed, "eligible": c.eligible} for c in counts.values()],
        "problems": [{"field": f, "reason": p.message(lang)} for f, p in problems],
    }


@post("/experts/draws/counts", include_in_schema=False, guards=[STAFF], status_code=200)
async def draw_counts(request: Request[Any, Any, Any], data: Form) -> dict[str, Any]:
    """The form's live counts (draw-form.js): the same preview as the no-JS button."""
    return await blocking(_counts_json, request, data)


ROUTES: list[Any] = [draw_list, draw_new, draw_create, draw_counts,
                     *DETAIL_ROUTES, *RECORD_ROUTES]
