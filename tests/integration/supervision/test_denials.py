"""A log that nobody can flood (issue 10, item 6): denials are counted and alerted on, and the
log gets at most an hourly summary and the hour's alert, never one entry per refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Coroutine
from typing import Any, cast

import pytest
from litestar.exceptions import HTTPException
from litestar.testing import RequestFactory, TestClient

from supervision import alerts, services
from tests.clock import advance
from trading import db, denials, web
from trading.accounts import services as accounts
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser

from .conftest import bearer, make_user, user_with_token

ADMIN_ROUTE = "/api/v1/supervision/witness-keys"
FLOOD = 10_000


def _log_size() -> int:
    with db.read_only() as session:
        return services.tree_size(session)


def _denied_through_the_guard(user: CurrentUser, count: int) -> None:
    """The real guard of the route and the real error handler, without the HTTP round trip (a
    real request per refusal would make the test take minutes; the HTTP path is tried too)."""
    guard = web.requires_role(Role.ADMIN)
    request = RequestFactory().post(ADMIN_ROUTE, headers={"authorization": "Bearer x"})
    request.scope["user"] = user  # what the authentication middleware puts there
    request.scope["path_template"] = ADMIN_ROUTE  # what the router puts there
    for _ in range(count):
        try:
            _run(guard(request, None))  # type: ignore[arg-type]
        except HTTPException as refused:
            assert web.handle_http_error(request, refused).status_code == 403
        else:
            raise AssertionError("the guard let a bidder through")


def _run(check: Awaitable[None]) -> None:
    """Drive a guard's coroutine to its end without an event loop (it never waits: the role
    check is in memory; ``asyncio.run`` fails where a fixture's loop is already running)."""
    coroutine = cast(Coroutine[Any, Any, None], check)
    try:
        coroutine.send(None)
    except StopIteration:
        return
    coroutine.close()
    raise AssertionError("the guard waited for something")


def test_ten_thousand_denials_add_a_handful_of_entries_and_raise_an_alert(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    user_id, token = user_with_token("flooder", "bidder")
    before = _log_size()
    for _ in range(50):  # through HTTP, the whole stack
        assert client.post(ADMIN_ROUTE, headers=bearer(token), json={}).status_code == 403
    with db.read_only() as session:
        user = CurrentUser.of(accounts.get_user(session, uuid.UUID(user_id)))
    # A worker adds refusals up in memory and writes them 500 at a time (one transaction).
    monkeypatch.setenv("GGZY_DENIAL_FLUSH_EVERY", "500")
    _denied_through_the_guard(user, FLOOD - 50)
    denials.flush()
    grown = _log_size() - before
    assert grown <= 3, grown  # the hour's alert (alert.watching), nothing per refusal
    with db.read_only() as session:
        assert not services.entries(session, action="access.denied")
        assert denials.total_denials(session) == FLOOD
        rows = denials.counted(session)  # one row per (hour, route template, actor, address)
        assert {(r.route, r.actor) for r in rows} == {(f"POST {ADMIN_ROUTE}", user_id)}
        assert sorted(r.count for r in rows) == [50, FLOOD - 50]
        raised = [a for a in alerts.list_alerts(session) if a.kind == denials.ALERT_KIND]
        assert len(raised) == 1 and raised[0].effective_state == "red"
        assert raised[0].responsible_role == "admin" and user_id in raised[0].label_en
        # the administrator sees it among the alerts it answers for
        mine = alerts.list_alerts(session, frozenset({"admin"}))
        assert [a.kind for a in mine] == [denials.ALERT_KIND]
    # The next hour's first refusal writes the one summary of the last hour.
    advance(dt.timedelta(hours=1))
    _denied_through_the_guard(user, 1)
    denials.flush()
    with db.read_only() as session:
        summaries = services.entries(session, action=denials.SUMMARY_ACTION)
    assert len(summaries) == 1
    body = summaries[0].body
    assert body["total"] == FLOOD and body["actors"] == 1 and body["routes"] == 1
    assert body["busiest"][0]["count"] == FLOOD - 50 and body["busiest"][0]["actor"] == user_id
    assert _log_size() - before <= 5
    _denied_through_the_guard(user, 20)  # no second summary of the same hour
    denials.flush()
    with db.read_only() as session:
        assert len(services.entries(session, action=denials.SUMMARY_ACTION)) == 1


def test_anonymous_refusals_are_counted_per_address_and_page(client: TestClient) -> None:
    make_user("someone", "staff")
    token = user_with_token("nosy", "bidder")[1]
    before = _log_size()
    assert client.get("/supervision", follow_redirects=False).status_code in (303, 401)
    for _ in range(3):
        assert client.get("/api/v1/supervision/alerts", headers=bearer(token)).status_code == 403
    assert _log_size() == before
    with db.read_only() as session:
        rows = denials.counted(session)
    assert [(r.route, r.count) for r in rows] == [("GET /api/v1/supervision/alerts", 3)]
