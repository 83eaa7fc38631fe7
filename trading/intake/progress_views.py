"""Pages of progress (R-08) and ratings (City §41): the public look-up by tracking number and
verification code, the applicant's progress page with its rating form, and the staff's list of
bad ratings to follow up."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from trading import db
from trading.errors import UserError
from trading.intake import applications, forms, progress, ratings, refusals
from trading.intake.application_views import APPLICANTS, SIGNED_IN, STAFF
from trading.intake.decision_views import Form
from trading.intake.feedback_models import RatingLevel
from trading.web import actor_of, client_ip, current_user, language, redirect, render

DONE = ("rated", "followed_up")


def _user(request: Request[Any, Any, Any]) -> Any:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


@get("/intake/progress", include_in_schema=False)
async def lookup_page(request: Request[Any, Any, Any], number: FromQuery[str | None] = None,
                      code: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _lookup_page, (number or "")[:32], (code or "")[:8])


def _lookup_page(request: Request[Any, Any, Any], number: str, code: str) -> Template:
    """Anyone: status, history and days left — no applicant name, contact or file."""
    if not number or not code:
        return render(request, "intake/progress.html", number=number, application=None,
                      public=True)
    with db.transaction() as session:
        progress.check_throttle(session, client_ip(request))
        found = progress.lookup(session, client_ip(request), number, code)
        if found is None:
            return render(request, "intake/progress.html", status_code=404, number=number,
                          application=None, public=True,
                          error=progress.NOT_FOUND_EN if language(request) == "en"
                          else progress.NOT_FOUND_ZH)
        return render(request, "intake/progress.html", number=number, application=found,
                      item=found.item, public=True, events=progress.history(session, found),
                      left=progress.remaining(session, found))


def _progress(request: Request[Any, Any, Any], tracking: str, done: str | None = None,
              error: UserError | None = None, values: Mapping[str, Any] | None = None) -> Template:
    with db.read_only() as session:
        user = _user(request)
        application = applications.application_for(session, user, tracking)
        rating = ratings.rating_of(session, application)
        return render(request, "intake/progress.html", status_code=error.status if error else 200,
                      number=application.tracking_number, application=application,
                      item=application.item, public=False,
                      events=progress.history(session, application),
                      left=progress.remaining(session, application), rating=rating,
                      may_rate=rating is None and ratings.may_rate(user, application)
                      and application.status in ratings.RATABLE,
                      follow_up_left=ratings.days_left(session, rating.follow_up_due_day)
                      if rating else None,
                      levels=list(RatingLevel), done=done if done in DONE else None,
                      values=values or {}, error=error.message(language(request)) if error else None,
                      error_field=error.field if error else None)


@get("/intake/applications/{tracking:str}/progress", include_in_schema=False,
     guards=[SIGNED_IN])
async def progress_page(request: Request[Any, Any, Any], tracking: FromPath[str],
                        done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _progress, tracking, done)


@post("/intake/applications/{tracking:str}/rating", include_in_schema=False,
      guards=[APPLICANTS], request_max_body_size=16 * 1024)
async def rate(request: Request[Any, Any, Any], tracking: FromPath[str],
               data: Form) -> Response[Any]:
    return await refusals.call(request, _rate, tracking, data)


def _rate(request: Request[Any, Any, Any], tracking: str, data: Mapping[str, Any]) -> Response[Any]:
    try:
        level = forms.choice(data, "level", RatingLevel)
        with db.transaction() as session:
            ratings.rate(session, actor_of(request), _user(request), tracking, level,
                         forms.text(data, "comment", ratings.MAX_COMMENT + 1))
    except UserError as error:
        if error.status in (403, 404):
            raise
        values = {k: v for k, v in data.items() if isinstance(v, str) and k != "_csrf_token"}
        return _progress(request, tracking, error=error, values=values)
    return redirect(f"/intake/applications/{tracking}/progress?done=rated")


@post("/intake/staff/applications/{tracking:str}/follow-up", include_in_schema=False,
      guards=[STAFF], request_max_body_size=16 * 1024)
async def follow_up(request: Request[Any, Any, Any], tracking: FromPath[str],
                    data: Form) -> Response[Any]:
    return await refusals.call(request, _follow_up, tracking, data)


def _follow_up(request: Request[Any, Any, Any], tracking: str,
               data: Mapping[str, Any]) -> Response[Any]:
    try:
        with db.transaction() as session:
            ratings.follow_up(session, actor_of(request), _user(request), tracking,
                              forms.text(data, "note", ratings.MAX_NOTE + 1))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _progress(request, tracking, error=error)
    return redirect(f"/intake/applications/{tracking}/progress?done=followed_up")


@get("/intake/staff/ratings", include_in_schema=False, guards=[STAFF])
async def follow_ups_page(request: Request[Any, Any, Any]) -> Template:
    return await refusals.call(request, _follow_ups_page)


def _follow_ups_page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        rows = ratings.open_follow_ups(session, _user(request))
        return render(request, "intake/follow_ups.html", rows=rows,
                      left={a.id: ratings.days_left(session, r.follow_up_due_day)
                            for r, a in rows})


ROUTES = [lookup_page, progress_page, rate, follow_up, follow_ups_page]
