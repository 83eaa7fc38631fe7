"""Accounts as a user meets them: registration, log-in, throttling, roles, tokens, guards."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from supervision import services as log
from tests.integration.trading.conftest import PASSWORD, csrf_token, login, make_user, post_form
from trading import db, denials
from trading.accounts.credit_code import check_character
from trading.accounts.models import LoginFailure, Organization, User, WebSession
from trading.web import SESSION_COOKIE

# A genuine code (check character computed by GB 32100) and the same code with a wrong check.
VALID_CODE = "91350100M000100Y43"
WRONG_CHECK = "91350100M000100Y44"


def _actions(action: str) -> list[dict]:
    with db.read_only() as session:
        return [entry.body for entry in log.entries(session, action=action, limit=1000)]


def _count(model) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _registration(**overrides: str) -> dict[str, str]:
    form = {"org_name": "山西测试建设有限公司", "credit_code": VALID_CODE,
            "display_name": "张三", "username": "zhangsan", "password": "a-long-passphrase",
            "password_again": "a-long-passphrase"}
    return {**form, **overrides}


def test_bidder_registers_and_logs_in(client):
    response = post_form(client, "/register", _registration())
    assert response.status_code == 200
    assert "注册成功" in response.text
    with db.read_only() as session:
        user = session.scalar(select(User).where(User.username == "zhangsan"))
        assert user is not None and user.role_names == {"bidder"}
        assert user.organization.credit_code == VALID_CODE
        assert user.password_hash.startswith("$argon2id$")
    assert [b["username"] for b in _actions("account.created")] == ["zhangsan"]

    response = login(client, "zhangsan", "a-long-passphrase")
    assert response.status_code == 303 and response.headers["location"] == "/home"
    home = client.get("/home")
    assert home.status_code == 200
    assert "投标人" in home.text and "山西测试建设有限公司" in home.text
    assert 'id="server-clock"' in home.text


def test_wrong_check_character_is_refused_with_reason_and_nothing_stored(client):
    response = post_form(client, "/register", _registration(credit_code=WRONG_CHECK))
    assert response.status_code == 400
    assert "校验" in response.text  # the reason names the check character
    assert _count(User) == 0 and _count(Organization) == 0


def test_duplicate_registration_gets_a_clear_message(client):
    assert post_form(client, "/register", _registration()).status_code == 200
    again = post_form(client, "/register", _registration(username="lisi"))
    assert again.status_code == 409
    assert "已注册" in again.text
    other_code = "91140300MA0HXT009" + check_character("91140300MA0HXT009")
    third = post_form(client, "/register", _registration(credit_code=other_code))
    assert third.status_code == 409
    assert "用户名已被使用" in third.text
    assert _count(User) == 1


def test_bad_credentials_get_one_generic_message_and_are_logged(client):
    make_user("wang", "staff")
    wrong_password = login(client, "wang", "not-the-password")
    no_such_user = login(client, "nobody-here", "whatever-password")
    for response in (wrong_password, no_such_user):
        assert response.status_code == 401
        assert "用户名或密码错误" in response.text
    assert {b["username"] for b in _actions("account.login_failed")} == {"wang", "nobody-here"}


def test_login_is_throttled_per_account(client):
    make_user("zhao", "staff")
    for _ in range(5):
        assert login(client, "zhao", "wrong-password-x").status_code == 401
    blocked = login(client, "zhao", PASSWORD)
    assert blocked.status_code == 429
    assert "登录失败次数过多" in blocked.text
    assert SESSION_COOKIE not in blocked.cookies
    assert _count(LoginFailure) == 5
    assert len(_actions("account.login_throttled")) == 1


def test_each_login_issues_a_new_session(client):
    make_user("qian", "staff")
    login(client, "qian")
    first = client.cookies.get(SESSION_COOKIE)
    login(client, "qian")
    second = client.cookies.get(SESSION_COOKIE)
    assert first and second and first != second
    post_form(client, "/logout", {}, form_page="/home")
    assert client.get("/home", follow_redirects=False).status_code == 303


def test_wrong_role_gets_403_page_and_is_logged(client):
    make_user("bidder-a", "bidder")
    login(client, "bidder-a")
    response = client.get("/admin/users")
    assert response.status_code == 403
    assert "您没有权限" in response.text and "<html" in response.text
    token = csrf_token(client, "/home")
    user_id = make_user("victim", "staff")
    changed = client.post(f"/admin/users/{user_id}/roles",
                          data={"roles": "admin", "_csrf_token": token})
    assert changed.status_code == 403
    with db.read_only() as session:
        victim = session.get(User, uuid.UUID(user_id))
        assert victim is not None and victim.role_names == {"staff"}
    assert not _actions("access.denied")  # counted, not logged one entry each (issue 10)
    with db.read_only() as session:
        assert denials.total_denials(session) == 2


def test_admin_changes_roles_logged_and_sessions_end(client):
    make_user("root-admin", "admin")
    target = make_user("li-si", "bidder")
    login(client, "root-admin")
    response = post_form(client, f"/admin/users/{target}/roles",
                         {"roles": ["staff", "regulator"]}, form_page="/admin/users")
    assert response.status_code == 303
    assert _actions("account.roles_changed") == [
        {"before": ["bidder"], "after": ["regulator", "staff"]}
    ]
    bad = post_form(client, f"/admin/users/{target}/roles", {"roles": ["king"]},
                    form_page="/admin/users")
    assert bad.status_code == 400 and "未知角色" in bad.text


def test_role_change_ends_the_users_sessions(client):
    make_user("root2", "admin")
    target = make_user("zhou", "bidder")
    from litestar.testing import TestClient

    from trading.app import create_app

    with TestClient(app=create_app()) as other:
        login(other, "zhou")
        assert other.get("/home").status_code == 200
        login(client, "root2")
        post_form(client, f"/admin/users/{target}/roles", {"roles": ["staff"]},
                  form_page="/admin/users")
        assert other.get("/home", follow_redirects=False).status_code == 303
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 1


def test_forms_refuse_a_missing_csrf_token(client):
    make_user("sun", "staff")
    client.get("/login")
    response = client.post("/login", data={"username": "sun", "password": PASSWORD})
    assert response.status_code == 403
    assert SESSION_COOKIE not in client.cookies


def test_api_token_is_shown_once_and_authenticates_the_api(client):
    make_user("api-user", "tenderee")
    login(client, "api-user")
    page = post_form(client, "/account/tokens", {"name": "ERP 对接"}, form_page="/account")
    assert page.status_code == 200
    token = page.text.split('<code class="token">')[1].split("</code>")[0]
    assert token.startswith("ggzy_")
    assert token not in client.get("/account").text
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["username"] == "api-user" and me.json()["roles"] == ["tenderee"]
    # The browser's session cookie alone never authenticates the API.
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_login_is_throttled_per_address(client):
    make_user("zheng", "staff")
    for attempt in range(20):  # many accounts tried from one address: credential stuffing
        assert login(client, f"guess-{attempt}", "wrong-password-x").status_code == 401
    blocked = login(client, "zheng", PASSWORD)
    assert blocked.status_code == 429
    assert SESSION_COOKIE not in blocked.cookies
