"""Issue 10, items 9 and 1 (in process): HSTS, Cache-Control on private answers, Secure cookies
behind a proxy, a new API token shown only from server state, the size policy for signed-in
users; and forwarded headers through a real ``ggzy web`` process."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from litestar.testing import TestClient
from sqlalchemy import select

from tests.integration.trading.conftest import CSRF_FIELD, PASSWORD, csrf_token, login, make_user
from tests.integration.trading.live_http import MiB, web_server
from trading import db
from trading.accounts.models import LoginFailure
from trading.settings import get_settings
from trading.web import SESSION_COOKIE


@pytest.fixture
def configured(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A client for an app built under the given settings: ``configured(GGZY_X="...")``."""
    clients: list[TestClient] = []

    def build(**env: str) -> TestClient:
        from trading.app import create_app

        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        client = TestClient(app=create_app(), base_url="http://127.0.0.1:8000")
        clients.append(client.__enter__())
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
    monkeypatch.undo()
    get_settings.cache_clear()


def _set_cookie(response: httpx.Response, name: str) -> str:
    return next(v for v in response.headers.get_list("set-cookie") if v.startswith(f"{name}="))


def test_hsts_only_when_configured(configured):
    plain = configured()
    assert "strict-transport-security" not in plain.get("/").headers
    strict = configured(GGZY_HSTS_SECONDS="31536000")
    assert strict.get("/").headers["strict-transport-security"] == (
        "max-age=31536000; includeSubDomains")
    assert strict.get("/no-such-page").headers["strict-transport-security"]


def test_private_answers_are_never_stored(client):
    public = client.get("/")
    assert "no-store" not in public.headers.get("cache-control", "")
    assert client.get("/api/v1/receipts/public-key").headers["cache-control"] == "no-store"
    make_user("signed-in", "bidder")
    login(client, "signed-in")
    for path in ("/", "/home", "/account"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers.get_list("cache-control") == ["no-store"], path


def _login_over_http(client: TestClient, username: str) -> httpx.Response:
    """Log in even when the CSRF cookie is Secure (an http client would not send it back)."""
    page = client.get("/login")
    token = CSRF_FIELD.search(page.text)
    cookie = re.search(r"ggzy_csrf=([^;]+)", page.headers.get("set-cookie", ""))
    assert token and cookie
    client.cookies.clear()
    return client.post("/login", headers={"cookie": f"ggzy_csrf={cookie.group(1)}"},
                       data={"username": username, "password": PASSWORD,
                             "_csrf_token": token.group(1)}, follow_redirects=False)


def test_session_cookie_secure_flag(configured):
    make_user("cookie-user", "bidder")
    plain = configured()
    response = login(plain, "cookie-user")
    assert "secure" not in _set_cookie(response, SESSION_COOKIE).lower()
    forced = configured(GGZY_SECURE_COOKIES="1")
    response = _login_over_http(forced, "cookie-user")
    assert "secure" in _set_cookie(response, SESSION_COOKIE).lower()
    assert "secure" in _set_cookie(response, "ggzy_device").lower()
    by_address = configured(GGZY_SECURE_COOKIES="auto", GGZY_PUBLIC_URL="https://ggzy.example")
    response = _login_over_http(by_address, "cookie-user")
    assert "secure" in _set_cookie(response, SESSION_COOKIE).lower()
    never = configured(GGZY_SECURE_COOKIES="0", GGZY_PUBLIC_URL="https://ggzy.example")
    assert "secure" not in _set_cookie(_login_over_http(never, "cookie-user"),
                                             SESSION_COOKIE).lower()


def test_a_new_token_is_shown_once_and_never_from_the_url(client):
    make_user("token-user", "bidder")
    login(client, "token-user")
    forged = client.get("/account", params={"created_token": "ggzy_attacker-chosen-text"})
    assert forged.status_code == 200
    assert "attacker-chosen-text" not in forged.text
    token = csrf_token(client, "/account")
    created = client.post("/account/tokens", data={"name": "ci", "_csrf_token": token})
    shown = re.search(r"ggzy_[A-Za-z0-9_-]{43}", created.text)
    assert created.status_code == 200 and shown
    assert created.headers["cache-control"] == "no-store"
    assert shown.group(0) not in client.get("/account").text  # once, in the POST's answer only


def test_signed_in_users_get_their_routes_declared_limits(client):
    staff = make_user("size-staff", "staff")
    assert staff
    tender = uuid.uuid4()
    body = {"file": ("doc.pdf", b"%PDF-" + b"x" * (2 * MiB), "application/pdf")}
    anonymous = client.post(f"/bidding/tenders/{tender}/documents", files=body,
                            headers={"x-csrftoken": "x"})
    assert anonymous.status_code == 413
    assert "1048576" in anonymous.text
    login(client, "size-staff")
    page = client.get("/")
    token = CSRF_FIELD.search(page.text) or CSRF_FIELD.search(client.get("/home").text)
    csrf = token.group(1) if token else client.cookies.get("ggzy_csrf", "")
    allowed = client.post(f"/bidding/tenders/{tender}/documents", files=body,
                          data={"_csrf_token": csrf})
    assert allowed.status_code != 413  # the route declares 51 MiB: read, then judged (404)
    # A url-encoded body is parsed in memory whole: the small default, signed in or not.
    form = client.post("/account/tokens", content=b"name=" + b"x" * (2 * MiB),
                       headers={"content-type": "application/x-www-form-urlencoded"})
    assert form.status_code == 413
    problem = client.post("/api/v1/bidder-registrations", content=b"{" + b" " * (2 * MiB),
                          headers={"content-type": "application/json"})
    assert problem.status_code == 413
    assert problem.json()["title"] == "request_too_large"


def _live_login(base: str, username: str, password: str, headers: dict[str, str]) -> httpx.Response:
    with httpx.Client(base_url=base) as browser:
        page = browser.get("/login")
        found = CSRF_FIELD.search(page.text)
        assert found
        return browser.post("/login", headers=headers, data={
            "username": username, "password": password, "_csrf_token": found.group(1)})


def _failure_addresses() -> set[str]:
    with db.read_only() as session:
        return set(session.scalars(select(LoginFailure.address)))


def test_forwarded_headers_through_a_real_server(database):
    make_user("proxy-user", "bidder")
    forwarded = {"x-forwarded-for": "198.51.100.7", "x-forwarded-proto": "https"}
    with web_server(database) as (port, _):
        base = f"http://127.0.0.1:{port}"
        _live_login(base, "proxy-user", "wrong-password-x", forwarded)
        assert _failure_addresses() == {"127.0.0.1"}  # ignored: no proxy is trusted
        ok = _live_login(base, "proxy-user", PASSWORD, forwarded)
        assert "secure" not in _set_cookie(ok, SESSION_COOKIE).lower()
    with web_server(database, GGZY_TRUSTED_PROXIES="127.0.0.1") as (port, _):
        base = f"http://127.0.0.1:{port}"
        _live_login(base, "proxy-user", "wrong-password-x", forwarded)
        assert _failure_addresses() == {"127.0.0.1", "198.51.100.7"}
        ok = _live_login(base, "proxy-user", PASSWORD, forwarded)
        assert "secure" in _set_cookie(ok, SESSION_COOKIE).lower()  # TLS ended at the proxy
