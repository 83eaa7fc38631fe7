"""The statistics dashboard (City §36) for staff and regulators, its CSV export, and the JSON API
of the statistics and of the public progress look-up (R-08)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from trading import db, i18n
from trading.accounts.models import Role
from trading.errors import UserError
from trading.intake import progress, refusals, regions, stats
from trading.intake.feedback_models import RatingLevel
from trading.intake.models import ApplicationStatus, Region
from trading.intake.service_schemas import (
    CountOut,
    EventOut,
    ProgressOut,
    StatisticsOut,
    TimeOut,
)
from trading.web import blocking, client_ip, current_user, language, render, requires_role

OVERSEERS = requires_role(Role.STAFF, Role.REGULATOR)


def labels(lang: str) -> dict[str, str]:
    """States and rating levels by their label, never their code."""
    found = {s.value: i18n.translate(f"intake.status.{s.value}", lang) for s in ApplicationStatus}
    found.update({level.value: i18n.translate(f"intake.rating_level.{level.value}", lang)
                  for level in RatingLevel})
    return found


def _collect(request: Request[Any, Any, Any], region: str,
             lang: str) -> tuple[stats.Statistics, list[Region]]:
    """The statistics the user may see (staff: their regions; regulators: all), with the
    regions the filter offers; departments named in ``lang``."""
    user = current_user(request)
    assert user is not None  # behind a guard
    with db.read_only() as session:
        seen = regions.seen_by(session, user)
        collected = stats.collect(session, seen, region[:12], lang)
        offered = [r for r in regions.listed(session) if seen is None or r.id in seen]
        return collected, offered


@get("/intake/stats", include_in_schema=False, guards=[OVERSEERS])
async def stats_page(request: Request[Any, Any, Any],
                     region: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _stats_page, region or "")


def _stats_page(request: Request[Any, Any, Any], region: str) -> Template:
    collected, offered = _collect(request, region, language(request))
    return render(request, "intake/stats.html", stats=collected, regions=offered,
                  labels=labels(language(request)))


@get("/intake/stats.csv", include_in_schema=False, guards=[OVERSEERS])
async def stats_csv(request: Request[Any, Any, Any],
                    region: FromQuery[str | None] = None) -> Response[bytes]:
    return await blocking(_stats_csv, request, region or "")


def _stats_csv(request: Request[Any, Any, Any], region: str) -> Response[bytes]:
    collected, _offered = _collect(request, region, "zh-CN")  # the export is Chinese, as filed
    # A byte-order mark, so that spreadsheet programs read the Chinese text as UTF-8.
    body = "\ufeff" + stats.to_csv(collected, labels("zh-CN"))
    return Response(body.encode(), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": "attachment; filename=intake-statistics.csv"})


def _counts(bars: list[stats.Bar], named: dict[str, str] | None = None) -> list[CountOut]:
    return [CountOut(key=b.key, name=named.get(b.key, b.label) if named else b.label,
                     count=b.count) for b in bars]


def _times(rows: list[stats.TimeRow]) -> list[TimeOut]:
    return [TimeOut(key=r.key, name=r.label, count=r.applications, average_days=r.average_days,
                    paused_days=r.paused_days, paused_average=r.paused_average) for r in rows]


@get("/api/v1/intake/statistics", operation_id="getIntakeStatistics", guards=[OVERSEERS],
     summary="Applications by item, department and state; handling and paused time, overdue, "
             "ratings (staff: their regions; regulators: every region, or ?region=)")
async def statistics_api(request: Request[Any, Any, Any],
                         region: FromQuery[str | None] = None) -> StatisticsOut:
    return await blocking(_statistics, request, region or "")


def _statistics(request: Request[Any, Any, Any], region: str) -> StatisticsOut:
    s, _offered = _collect(request, region, language(request))
    named = labels(language(request))
    return StatisticsOut(
        region=s.region or None, total=s.total, by_item=_counts(s.by_item),
        by_department=_counts(s.by_department), by_state=_counts(s.by_status, named),
        decided=s.decided, average_days=s.average_days, worst_days=s.worst_days,
        paused_days=s.paused_days, paused_average=s.paused_average,
        time_by_item=_times(s.time_by_item), time_by_department=_times(s.time_by_department),
        overdue=s.overdue, ratings=_counts(s.ratings, named),
        satisfied_percent=s.satisfied_percent, complaints=s.complaints,
        complaints_open=s.complaints_open, complaints_overdue=s.complaints_overdue)


@get("/api/v1/intake/progress", operation_id="lookupApplicationProgress",
     summary="An application's state, history and working days left, by tracking number and "
             "verification code (no personal data; throttled per address)")
async def progress_api(request: Request[Any, Any, Any], number: FromQuery[str],
                       code: FromQuery[str]) -> ProgressOut:
    return await refusals.call(request, _progress, number[:32], code[:8])


def _progress(request: Request[Any, Any, Any], number: str, code: str) -> ProgressOut:
    lang = language(request)
    with db.transaction() as session:
        progress.check_throttle(session, client_ip(request))
        found = progress.lookup(session, client_ip(request), number, code)
        if found is None:
            result = None
        else:
            result = ProgressOut(
                tracking_number=found.tracking_number, item=found.item.code,
                item_name=found.item.name, department_name=found.item.department.name(lang),
                region_name=found.item.department.region.name(lang),
                state=found.status, state_label=i18n.translate(f"intake.status.{found.status}",
                                                               lang),
                working_days_left=progress.remaining(session, found),
                history=[EventOut(at=e.at, event=i18n.translate(e.key, lang), detail=e.detail)
                         for e in progress.history(session, found)])
    if result is None:  # after the commit, so that the miss is kept for the throttle
        raise UserError(progress.NOT_FOUND_ZH, progress.NOT_FOUND_EN, status=404,
                        code="not_found")
    return result


ROUTES = [stats_page, stats_csv, statistics_api, progress_api]
