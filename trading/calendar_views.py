"""The working-day calendar page (R-00c): staff read it; an admin enters a year that is not
confirmed yet, from a form or a small file, previews what it changes, then saves it."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import chinese_calendar
import holidays
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Template
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trading import calendar, calendar_input, calendar_years, clock, db
from trading.accounts.models import Role, User
from trading.calendar import FIRST_YEAR, LAST_YEAR, CalendarInputError, YearSource
from trading.calendar_input import Run
from trading.errors import ConflictError, UserError
from trading.i18n import translate
from trading.web import actor_of, blocking, current_user, language, redirect, render, requires_role

Form = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
ADMINS = requires_role(Role.ADMIN)
#: The file plus both textareas (percent-encoded Chinese takes 9 bytes a character), and more.
MAX_BODY_BYTES = 1024 * 1024
FIELDS = ("year", "basis", "holidays", "workdays")
WEEKDAYS_ZH = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August",
             "September", "October", "November", "December")
CLI_ACTOR = "system:admin-cli"


# --------------------------------------------------------------------------------------------
# What a year looks like (shared with ``ggzy calendar show``)


@dataclass(frozen=True)
class Month:
    number: int
    name_en: str
    rest: list[Run]
    work: list[Run]


@dataclass(frozen=True)
class YearDays:
    """A year's status and its rest days and make-up working days, ready to show."""

    year: int
    source: YearSource
    holidays: dict[dt.date, str | None]
    workdays: dict[dt.date, str | None]
    basis: str | None = None
    entered_by: str | None = None  # a person's name, never an id
    entered_at: dt.datetime | None = None

    @property
    def months(self) -> list[Month]:
        return by_month(self.holidays, self.workdays)


def by_month(rest: Mapping[dt.date, str | None], work: Mapping[dt.date, str | None]) -> list[Month]:
    return [Month(m, MONTHS_EN[m - 1],
                  calendar_input.runs({d: n for d, n in rest.items() if d.month == m}),
                  calendar_input.runs({d: n for d, n in work.items() if d.month == m}))
            for m in range(1, 13)]


def day_label(day: dt.date, lang: str) -> str:
    if lang == "en":
        return f"{day.isoformat()} ({WEEKDAYS_EN[day.weekday()]})"
    return f"{day.isoformat()}（{WEEKDAYS_ZH[day.weekday()]}）"


def run_label(run: Run, lang: str) -> str:
    text = day_label(run.first, lang)
    if run.last != run.first:
        text += f" – {day_label(run.last, lang)}" if lang == "en" else f" 至 {day_label(run.last, lang)}"
    return f"{text} {run.name}" if run.name else text


def _package_name(english: str, lang: str) -> str:
    try:
        return english if lang == "en" else str(chinese_calendar.Holiday(english).chinese)
    except ValueError:
        return english


def _package_days(days: Mapping[dt.date, str], year: int,
                  lang: str) -> dict[dt.date, str | None]:
    return {day: _package_name(name, lang) for day, name in days.items() if day.year == year}


def _statutory_names(year: int, lang: str) -> dict[dt.date, str | None]:
    fixed = calendar.statutory_holidays(year)
    if lang == "en":
        return dict(fixed)
    chinese = holidays.country_holidays("CN", years=year, language="zh_CN")
    return {day: chinese.get(day) or name for day, name in fixed.items()}


def who_entered(session: Session, entered_by: str, lang: str) -> str:
    """The person (or tool) that entered a year, in words."""
    if entered_by == CLI_ACTOR:
        return translate("calendar.by_cli", lang)
    if entered_by.startswith("system:"):
        return translate("calendar.by_system", lang)
    try:
        user = session.get(User, uuid.UUID(entered_by))
    except ValueError:
        user = None
    return f"{user.display_name}（{user.username}）" if user else translate("calendar.by_unknown", lang)


def year_days(session: Session, year: int, lang: str) -> YearDays:
    source = calendar.year_source(session, year)
    if source == YearSource.ADMIN:
        entered = calendar.entered_year(session, year)
        assert entered is not None
        days = calendar.entered_days(session, year)
        return YearDays(year, source, {d.day: d.name for d in days if not d.is_working_day},
                        {d.day: d.name for d in days if d.is_working_day}, entered.basis,
                        who_entered(session, entered.entered_by, lang), entered.entered_at)
    if source == YearSource.PACKAGE:
        rest = _package_days(chinese_calendar.holidays, year, lang)
        work = _package_days(chinese_calendar.workdays, year, lang)
        return YearDays(year, source, rest, work)
    return YearDays(year, source, _statutory_names(year, lang), {})


# --------------------------------------------------------------------------------------------
# The page


def _is_admin(request: Request[Any, Any, Any]) -> bool:
    user = current_user(request)
    return user is not None and Role.ADMIN.value in user.roles


def page_year(value: str | None, session: Session) -> int:
    """The ``year`` asked for (this year when none): a whole number within the shown range."""
    if value is None or not value.strip():
        return clock.legal_day(clock.now(session)).year
    year = calendar_input.parse_year(value)
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise UserError(f"年份应在 {FIRST_YEAR}–{LAST_YEAR} 之间", f"the year must be within "
                        f"{FIRST_YEAR}–{LAST_YEAR}", field="year", code="calendar_entry")
    return year


def _count(value: str | None) -> int | None:
    # isdecimal, not isdigit: int() refuses digits such as '²' that isdigit accepts.
    return int(value) if value is not None and value.isdecimal() and len(value) < 7 else None


def _page(request: Request[Any, Any, Any], year: str | None, status: int = 200,
          error: UserError | None = None, values: Mapping[str, str] | None = None,
          notice: Mapping[str, Any] | None = None) -> Template:
    lang = language(request)
    with db.read_only() as session:
        try:
            shown = page_year(year, session)
        except UserError:
            if error is None:
                raise
            shown = page_year(None, session)  # a refused entry: show this year's page
        days = year_days(session, shown, lang)
    admin = _is_admin(request)
    return render(
        request, "trading/calendar.html", status_code=status, year=shown, days=days,
        previous_year=shown - 1 if shown > FIRST_YEAR else None,
        next_year=shown + 1 if shown < LAST_YEAR else None, first_year=FIRST_YEAR,
        last_year=LAST_YEAR, can_enter=admin and (days.source == YearSource.PROVISIONAL
                                                  or error is not None),
        error=error.message(lang) if error else None, error_field=error.field if error else None,
        values=values or {"year": str(shown)}, notice=notice,
        day_label=lambda d: day_label(d, lang), run_label=lambda r: run_label(r, lang))


@get("/admin/calendar", include_in_schema=False, guards=[requires_role(Role.ADMIN, Role.STAFF)])
async def calendar_page(request: Request[Any, Any, Any], year: FromQuery[str | None] = None,
                        saved: FromQuery[str | None] = None,
                        rechecked: FromQuery[str | None] = None,
                        broken: FromQuery[str | None] = None) -> Template:
    notice = None
    if saved == "true":
        notice = {"rechecked": _count(rechecked), "broken": _count(broken)}
    return await blocking(_page, request, year, notice=notice)


# --------------------------------------------------------------------------------------------
# Preview and save


def _text(data: Mapping[str, Any], name: str) -> str:
    """A text field; repeated fields (the preview's hidden lines) are joined line by line."""
    value = data.get(name)
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "\n".join(v for v in value if isinstance(v, str))
    return ""


def _values(data: Mapping[str, Any]) -> dict[str, str]:
    return {name: _text(data, name) for name in FIELDS}


def _refused(request: Request[Any, Any, Any], values: Mapping[str, str],
             error: UserError) -> Template:
    return _page(request, values.get("year"), status=error.status, error=error, values=values)


async def _read_upload(data: Mapping[str, Any]) -> bytes | None:
    """The uploaded file's content (at most one byte past the limit), or None without a file."""
    upload = data.get("file")
    if isinstance(upload, list):
        raise CalendarInputError("只能上传一个文件", "upload one file only",
                                                field="file", code="calendar_entry")
    if not isinstance(upload, UploadFile):
        return None
    content = await upload.read(calendar_input.MAX_FILE_BYTES + 1)
    return content if content or upload.filename else None


def _arrangement(values: Mapping[str, str], content: bytes | None) -> calendar_years.Arrangement:
    if content is None:
        return calendar_input.from_form(values["year"], values["basis"], values["holidays"],
                                        values["workdays"])
    if values["holidays"].strip() or values["workdays"].strip():
        raise CalendarInputError(
            "请只用一种方式录入：填写表单或上传文件", "enter the days either in the form or in a "
            "file, not both", field="file", code="calendar_entry")
    return calendar_input.from_file(values["year"], values["basis"], content)


@dataclass(frozen=True)
class Forecast:
    """What saving does to one open deadline computed on the provisional year, in words."""

    label: str
    period: str
    chosen: str
    required: str
    outcome: str
    broken: bool


def forecast(session: Session, rechecks: list[calendar_years.Recheck],
             lang: str) -> list[Forecast]:
    found = []
    for recheck in rechecks:
        row = session.get(calendar_years.CalendarDependency, recheck.dependency_id)
        assert row is not None
        period = translate("calendar.period_working" if row.working_days else "calendar.period_days",
                           lang, rule=recheck.rule, start=day_label(row.start_day, lang),
                           days=row.days)
        if recheck.broken:
            outcome = "calendar.outcome_broken"
        else:
            outcome = "calendar.outcome_still" if recheck.still_provisional else "calendar.outcome_kept"
        found.append(Forecast(recheck.label_en if lang == "en" else recheck.label_zh, period,
                              day_label(recheck.chosen_day, lang),
                              day_label(recheck.required_end, lang), translate(outcome, lang),
                              recheck.broken))
    return found


def _preview(request: Request[Any, Any, Any], data: Mapping[str, Any],
             content: bytes | None) -> Template:
    values = _values(data)
    lang = language(request)
    try:
        arrangement = _arrangement(values, content)
        with db.read_only() as session:
            expected = forecast(session, calendar_years.preview(session, arrangement), lang)
    except UserError as error:
        return _refused(request, values, error)
    return render(
        request, "trading/calendar_preview.html", year=arrangement.year,
        basis=arrangement.basis.strip(), months=by_month(arrangement.holidays, arrangement.workdays),
        rest_count=len(arrangement.holidays), work_count=len(arrangement.workdays),
        forecast=expected, broken_count=sum(f.broken for f in expected),
        holiday_lines=calendar_input.to_lines(arrangement.holidays),
        workday_lines=calendar_input.to_lines(arrangement.workdays),
        run_label=lambda r: run_label(r, lang))


@post("/admin/calendar/preview", include_in_schema=False, guards=[ADMINS],
      request_max_body_size=MAX_BODY_BYTES)
async def calendar_preview(request: Request[Any, Any, Any], data: Multipart) -> Template:
    try:
        content = await _read_upload(data)
    except UserError as error:
        return await blocking(_refused, request, _values(data), error)
    return await blocking(_preview, request, data, content)


def _save(request: Request[Any, Any, Any], data: Mapping[str, Any]) -> Response[Any]:
    values = _values(data)
    try:
        arrangement = calendar_input.from_form(values["year"], values["basis"],
                                               values["holidays"], values["workdays"])
        try:
            with db.transaction() as session:
                rechecks = calendar_years.enter_year(session, actor_of(request), arrangement)
        except IntegrityError:  # another admin saved the same year a moment earlier
            raise ConflictError(f"{arrangement.year} 年的安排已录入，不能重复录入",
                                f"{arrangement.year} has already been entered", field="year") from None
    except UserError as error:
        return _refused(request, values, error)
    broken = sum(r.broken for r in rechecks)
    return redirect(f"/admin/calendar?year={arrangement.year}&saved=true"
                    f"&rechecked={len(rechecks)}&broken={broken}")


@post("/admin/calendar/years", include_in_schema=False, guards=[ADMINS],
      request_max_body_size=MAX_BODY_BYTES)
async def calendar_save(request: Request[Any, Any, Any], data: Form) -> Response[Any]:
    return await blocking(_save, request, data)


ROUTES = [calendar_page, calendar_preview, calendar_save]
