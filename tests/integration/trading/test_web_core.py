"""The platform's shared web behaviour as a visitor, an integrator and an operator see it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from supervision import services as log
from tests import clock as test_clock
from tests.integration.trading.conftest import login, make_user, post_form
from trading import calendar, db, denials
from trading.accounts.models import Organization, User


def test_public_home_page_in_chinese_with_english_switch(client):
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="zh-CN">' in page.text and "公共资源交易平台" in page.text
    switched = client.get("/lang/en?next=/", follow_redirects=True)
    assert '<html lang="en">' in switched.text and "Public Resource Trading Platform" in switched.text


def test_pages_show_the_database_time_in_beijing(client):
    page = client.get("/")
    assert 'id="server-clock"' in page.text
    shown = page.text.split('data-epoch-ms="')[1].split('"')[0]
    server = dt.datetime.fromtimestamp(int(shown) / 1000, dt.UTC)
    assert abs((server - test_clock.now()).total_seconds()) < 60  # the database's time
    local = server.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M")
    assert local in page.text


def test_the_header_clock_follows_a_moved_test_clock(client):
    client.get("/")  # the process has measured the clock once
    test_clock.set_now(test_clock.beijing(2027, 3, 1, 9))
    assert "2027-03-01 09:0" in client.get("/").text


def test_security_headers_on_every_page(client):
    for path in ("/", "/login", "/nope"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"


def test_not_found_is_a_page_in_the_layout_and_problem_details_in_the_api(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "页面不存在" in page.text and 'class="site-header"' in page.text
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["status"] == 404


def test_unauthenticated_page_redirects_to_login_and_api_answers_401(client):
    response = client.get("/home", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["status"] == 401


def test_malformed_json_is_refused_with_the_field_and_changes_nothing(client):
    broken = client.post("/api/v1/bidder-registrations", content=b'{"org_name": ',
                         headers={"content-type": "application/json"})
    assert broken.status_code == 400
    missing = client.post("/api/v1/bidder-registrations", json={"org_name": "某公司"})
    assert missing.status_code == 400
    fields = {error["field"] for error in missing.json()["errors"]}
    assert "credit_code" in " ".join(fields)
    bad_code = client.post("/api/v1/bidder-registrations", json={
        "org_name": "某公司", "credit_code": "91350100M000100Y4I", "username": "abc-co",
        "display_name": "王五", "password": "a-long-passphrase"})
    assert bad_code.status_code == 400
    assert bad_code.json()["errors"][0]["field"] == "credit_code"
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(User)) == 0
        assert session.scalar(select(func.count()).select_from(Organization)) == 0


def test_json_registration_creates_a_bidder(client):
    response = client.post("/api/v1/bidder-registrations", json={
        "org_name": "某建设公司", "credit_code": "91350100M000100Y43", "username": "abc-co",
        "display_name": "王五", "password": "a-long-passphrase"})
    assert response.status_code == 201
    again = client.post("/api/v1/bidder-registrations", json={
        "org_name": "某建设公司", "credit_code": "91350100M000100Y43", "username": "abc-co2",
        "display_name": "王五", "password": "a-long-passphrase"})
    assert again.status_code == 409
    assert "已注册" in again.json()["message_zh"]


def test_openapi_has_explicit_operation_ids(client):
    schema = client.get("/schema/openapi.json").json()
    operations = [op for path in schema["paths"].values() for op in path.values()]
    ids = {op["operationId"] for op in operations}
    assert {"getHealth", "getServerTime", "getCurrentUser", "registerBidder"} <= ids
    assert not any(path in schema["paths"] for path in ("/login", "/admin/users"))


def test_healthz_reports_database_and_broker(client):
    health = client.get("/healthz")
    assert health.status_code == 200
    body = health.json()
    assert body["database"] == "ok" and body["broker"] == "ok"
    assert body["worker"] in {"ok", "stale", "no heartbeat yet"}


def test_admin_maintains_the_calendar_staff_only_reads_it(client):
    # The 2027 entry is constructed for the test: the statutory holidays the law fixes, plus a
    # made-up make-up Saturday; it is not the State Council's arrangement.
    holidays = "\n".join(day.isoformat() for day in calendar.statutory_holidays(2027))
    entry = {"year": "2027", "basis": "测试用依据（虚构）", "holidays": holidays,
             "workdays": "2027-02-20 春节调休"}
    make_user("cal-admin", "admin")
    make_user("cal-staff", "staff")
    login(client, "cal-staff")
    page = client.get("/admin/calendar?year=2027")
    assert page.status_code == 200 and "临时（仅法定节假日，无调休；相关期限标注为临时）" in page.text
    refused = post_form(client, "/admin/calendar/preview", entry, form_page="/admin/calendar")
    assert refused.status_code == 403
    login(client, "cal-admin")
    bad = post_form(client, "/admin/calendar/preview", {**entry, "workdays": "2027-02-22"},
                    form_page="/admin/calendar")
    assert bad.status_code == 400 and "调休上班日 2027-02-22 不是周末" in bad.text
    previewed = post_form(client, "/admin/calendar/preview", entry, form_page="/admin/calendar")
    assert previewed.status_code == 200 and "2027-02-20（周六） 春节调休" in previewed.text
    done = post_form(client, "/admin/calendar/years", entry, form_page="/admin/calendar")
    assert done.status_code == 303 and "saved=true" in done.headers["location"]
    assert "已确认（国务院办公厅通知，由管理员录入）" in client.get(done.headers["location"]).text
    with db.read_only() as session:
        assert calendar.year_source(session, 2027) == calendar.YearSource.ADMIN
        assert [d.day for d in calendar.entered_days(session, 2027) if d.is_working_day] == [
            dt.date(2027, 2, 20)]
        assert len(log.entries(session, action="calendar.year_entered")) == 1
        assert denials.total_denials(session) == 1  # counted, not logged (issue 10)
        assert not log.entries(session, action="access.denied")


def test_web_workers_size_their_thread_pool_from_the_settings(monkeypatch):
    from concurrent.futures import ThreadPoolExecutor

    import anyio

    from trading import web
    from trading.settings import get_settings

    async def pool_size_after_startup() -> float:
        web.limit_threads()
        return anyio.to_thread.current_default_thread_limiter().total_tokens

    for configured, expected in (("6", 6), ("0", 1)):
        monkeypatch.setenv("GGZY_WEB_THREADS", configured)
        get_settings.cache_clear()
        # A thread of its own: the browser tests may leave an event loop running in this one.
        with ThreadPoolExecutor(1) as fresh:
            assert fresh.submit(anyio.run, pool_size_after_startup).result() == expected
    get_settings.cache_clear()
