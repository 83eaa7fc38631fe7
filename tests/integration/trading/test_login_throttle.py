"""Issue 10, item 5: throttling slows guesses but cannot be turned against the right user, and
forwarded headers are believed only from listed proxies."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select

from supervision import services as log
from tests.clock import advance
from tests.integration.trading.conftest import PASSWORD, login, make_user
from trading import db
from trading.accounts import devices
from trading.accounts import services as accounts
from trading.accounts.models import LoginFailure, User
from trading.errors import UserError
from trading.proxy import forwarded_client, parse_proxies
from trading.web import SESSION_COOKIE


def _attempt(username: str, password: str, ip: str, device_cookie: str | None = None) -> str:
    """One log-in through the service, as a request from ``ip`` would make it: the code of
    the refusal, or "ok"."""
    with db.transaction() as session:
        try:
            accounts.authenticate(session, username, password, ip, device_cookie)
        except UserError as error:
            refused = error.code
        else:
            return "ok"
    return refused


def _actions(action: str) -> list[dict]:
    with db.read_only() as session:
        return [entry.body for entry in log.entries(session, action=action, limit=1000)]


def _logout(client) -> None:
    client.cookies.delete(SESSION_COOKIE)


def test_a_flood_from_other_addresses_does_not_keep_the_user_out(client):
    make_user("victim", "bidder")
    assert login(client, "victim").status_code == 303  # the user's own browser
    assert devices.DEVICE_COOKIE in client.cookies
    _logout(client)
    # A competitor tries wrong passwords from 40 addresses, 5 each (the per-address maximum).
    outcomes = [_attempt("victim", "wrong-password-x", f"203.0.113.{n % 40}") for n in range(200)]
    assert outcomes.count("login_failed") < 40  # the account-wide delay refused most of them
    assert "throttled" in outcomes
    # The right password from the user's known device still logs in, at once.
    response = login(client, "victim")
    assert response.status_code == 303
    assert SESSION_COOKIE in response.cookies


def test_a_flood_slows_guesses_from_unknown_devices_with_a_growing_delay(client):
    make_user("target", "bidder")
    for n in range(5):
        assert _attempt("target", "wrong-password-x", f"198.51.100.{n}") == "login_failed"
    # Five failures from unknown devices: each further guess waits 2^(n-5) seconds.
    assert _attempt("target", "wrong-password-x", "198.51.100.77") == "throttled"
    advance(dt.timedelta(seconds=2))
    assert _attempt("target", "wrong-password-x", "198.51.100.77") == "login_failed"
    assert _attempt("target", PASSWORD, "198.51.100.78") == "throttled"  # 2 s now
    advance(dt.timedelta(seconds=3))
    assert _attempt("target", PASSWORD, "198.51.100.78") == "ok"  # slowed, not locked


def test_an_attacker_address_is_refused_after_its_own_failures(client):
    make_user("zhou", "bidder")
    for _ in range(5):
        assert login(client, "zhou", "wrong-password-x").status_code == 401
    refused = login(client, "zhou", PASSWORD)
    assert refused.status_code == 429
    assert "登录失败次数过多" in refused.text and "Too many" not in refused.text
    assert SESSION_COOKIE not in refused.cookies
    # Refused attempts check nothing and are not logged one by one: 5 failures, 1 summary.
    for _ in range(20):
        assert login(client, "zhou", "wrong-password-x").status_code == 429
    assert len([b for b in _actions("account.login_failed") if b["username"] == "zhou"]) == 5
    assert len([b for b in _actions("account.login_throttled") if b["username"] == "zhou"]) == 1


def test_a_known_device_has_its_own_bucket(client):
    make_user("wu-user", "bidder")
    assert login(client, "wu-user").status_code == 303
    cookie = client.cookies[devices.DEVICE_COOKIE]
    for _ in range(5):
        assert _attempt("wu-user", "wrong-password-x", "192.0.2.9", cookie) == "login_failed"
    assert _attempt("wu-user", PASSWORD, "192.0.2.9", cookie) == "throttled"  # guesses stay slow
    # The device's failures do not count against the account elsewhere.
    assert _attempt("wu-user", PASSWORD, "192.0.2.10") == "ok"
    with db.read_only() as session:
        buckets = set(session.scalars(select(LoginFailure.address)))
    assert buckets == {f"device:{devices.device_of(cookie)}"}


def test_a_device_cookie_is_bound_to_its_user_and_signed(client):
    make_user("feng", "bidder")
    make_user("chen", "bidder")
    assert login(client, "feng").status_code == 303
    cookie = client.cookies[devices.DEVICE_COOKIE]
    with db.read_only() as session:
        chen = session.scalars(select(User).where(User.username == "chen")).one()
    assert devices.known_device(cookie, chen.id) is None
    assert devices.known_device(cookie, uuid.uuid4()) is None
    forged = cookie.rsplit(".", 1)[0] + ".00000000000000000000000000000000"
    device, user_id, _ = cookie.split(".")
    assert devices.known_device(forged, uuid.UUID(user_id)) is None
    assert devices.known_device(cookie, uuid.UUID(user_id)) == device


def test_forwarded_for_is_ignored_by_default(client):
    make_user("han-user", "bidder")
    for n in range(3):
        response = client.post("/login", data={"username": "han-user", "password": "x" * 12},
                               headers={"x-forwarded-for": f"10.9.9.{n}"})
        assert response.status_code in (401, 403)
    login(client, "han-user", "wrong-password-x")
    with db.read_only() as session:
        addresses = set(session.scalars(select(LoginFailure.address)))
    assert addresses == {"testclient"}


@pytest.mark.parametrize(("peer", "header", "expected"), [
    ("203.0.113.5", "1.2.3.4", ("203.0.113.5", None)),  # not a listed proxy: ignored
    ("10.0.0.5", "1.2.3.4", ("1.2.3.4", "https")),  # a listed proxy: believed
    ("10.0.0.5", "6.6.6.6, 1.2.3.4", ("1.2.3.4", "https")),  # the client's own prefix is not
    ("10.0.0.5", "1.2.3.4, 10.0.0.9", ("1.2.3.4", "https")),  # two listed proxies in a row
])
def test_forwarded_for_is_believed_only_from_listed_proxies(peer, header, expected):
    networks = parse_proxies(("10.0.0.0/24",))
    headers = [(b"x-forwarded-for", header.encode()), (b"x-forwarded-proto", b"https")]
    assert forwarded_client(peer, headers, networks) == expected
    assert forwarded_client(peer, headers, ()) == (peer, None)
