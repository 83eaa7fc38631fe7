"""Account administration as an administrator and its users meet it (issue 13): creating
organizations and users, disabling accounts, password resets, the forgotten-password queue."""

from __future__ import annotations

import datetime as dt
import json
import re
import uuid

from litestar.testing import TestClient
from sqlalchemy import func, select

from supervision import services as log
from tests.clock import advance
from tests.integration.trading.conftest import PASSWORD, csrf_token, login, make_user, post_form
from trading import db, denials
from trading.accounts import services as accounts
from trading.accounts.models import Organization, PasswordResetRequest, User
from trading.audit import Actor
from trading.web import SESSION_COOKIE

VALID_CODE = "91350100M000100Y43"
WRONG_CHECK = "91350100M000100Y44"
INITIAL = "initial-pass-2026"
TEMPORARY = re.compile(r'<code class="token" id="temporary-password">([^<]+)</code>')


def _bodies(prefix: str = "account.") -> list[tuple[str, dict]]:
    with db.read_only() as session:
        return [(e.action, e.body) for e in log.entries(session, action_prefix=prefix, limit=1000)]


def _actions(action: str) -> list[dict]:
    return [body for name, body in _bodies() if name == action]


def _count(model) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _user(username: str) -> User:
    with db.read_only() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        return user


def _admin(client: TestClient, name: str = "root") -> str:
    admin_id = make_user(name, "admin")
    assert login(client, name).status_code == 303
    return admin_id


def _post(client: TestClient, path: str, data: dict) -> object:
    return post_form(client, path, data, form_page="/admin/users")


def _reset(client: TestClient, user_id: str) -> str:
    page = post_form(client, f"/admin/users/{user_id}/reset-password", {"confirm": "yes"},
                     form_page=f"/admin/users/{user_id}/reset-password")
    assert page.status_code == 200 and "只显示这一次" in page.text
    found = TEMPORARY.search(page.text)
    assert found
    return found.group(1)


def _no_password_logged(*passwords: str) -> None:
    text = json.dumps(_bodies(""), ensure_ascii=False)
    for password in passwords:
        assert password not in text


def test_admin_creates_an_organization_and_a_user_who_must_change_the_password(client):
    _admin(client)
    bad = _post(client, "/admin/organizations",
                {"org_name": "太原某建设公司", "kind": "bidder", "credit_code": WRONG_CHECK})
    assert bad.status_code == 400 and "校验" in bad.text
    assert _count(Organization) == 0
    created = _post(client, "/admin/organizations",
                    {"org_name": "太原某建设公司", "kind": "bidder", "credit_code": VALID_CODE})
    assert created.status_code == 303
    assert "单位已创建" in client.get(created.headers["location"]).text
    with db.read_only() as session:
        org = session.scalar(select(Organization))
        assert org is not None and org.credit_code == VALID_CODE and org.kind == "bidder"
        org_id = str(org.id)

    response = _post(client, "/admin/users", {
        "username": "newcomer", "display_name": "王五", "roles": ["bidder", "tenderee"],
        "organization": org_id, "mobile": "138 0000 1234", "email": "",
        "password": INITIAL,
    })
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert "用户已创建" in page.text and "下次登录须修改密码" in page.text
    newcomer = _user("newcomer")
    assert newcomer.role_names == {"bidder", "tenderee"} and newcomer.mobile == "13800001234"
    assert newcomer.must_change_password and str(newcomer.organization_id) == org_id
    assert [b["username"] for b in _actions("account.created")][-1] == "newcomer"

    with TestClient(app=client.app) as other:
        first = login(other, "newcomer", INITIAL)
        assert first.status_code == 200 and "设置新密码" in first.text
        assert SESSION_COOKIE not in other.cookies  # no session before a new password
        assert other.get("/home", follow_redirects=False).status_code == 303
        form = {"username": "newcomer", "password": INITIAL}
        differ = post_form(other, "/login/password", {**form, "new_password": "brand-new-pass-1",
                                                      "new_password_again": "brand-new-pass-2"},
                           form_page="/login")
        assert differ.status_code == 400 and "不一致" in differ.text
        same = post_form(other, "/login/password",
                         {**form, "new_password": INITIAL, "new_password_again": INITIAL},
                         form_page="/login")
        assert same.status_code == 400 and "不能与原密码相同" in same.text
        done = post_form(other, "/login/password", {**form, "new_password": "brand-new-pass-1",
                                                    "new_password_again": "brand-new-pass-1"},
                         form_page="/login")
        assert done.status_code == 303
        assert "新密码已设置" in other.get(done.headers["location"]).text
        assert login(other, "newcomer", INITIAL).status_code == 401
        assert login(other, "newcomer", "brand-new-pass-1").headers["location"] == "/home"
    assert not _user("newcomer").must_change_password
    assert len(_actions("account.password_changed")) == 1
    _no_password_logged(INITIAL, "brand-new-pass-1")


def test_creating_a_user_with_bad_input_changes_nothing(client):
    _admin(client)
    base = {"username": "someone", "display_name": "赵六", "roles": ["staff"],
            "organization": "", "mobile": "", "email": "", "password": INITIAL}
    cases = [
        ({"roles": []}, "至少选择一个角色"),
        ({"roles": ["king"]}, "未知角色"),
        ({"mobile": "12345"}, "手机号码"),
        ({"email": "not-an-address"}, "电子邮箱"),
        ({"password": "short"}, "至少 10 位"),
        ({"username": "a b"}, "用户名须为"),
        ({"organization": str(uuid.uuid4())}, "所属单位"),
        ({"username": "root"}, "已被使用"),
    ]
    users_before = _count(User)
    for change, reason in cases:
        response = _post(client, "/admin/users", {**base, **change})
        assert 400 <= response.status_code < 500, change
        assert reason in response.text, change
        assert 'value="赵六"' in response.text  # the form keeps what was typed
    assert _count(User) == users_before


def test_admin_routes_refuse_other_roles(client):
    target = make_user("target", "bidder")
    make_user("staffer", "staff")
    login(client, "staffer")
    with db.read_only() as session:
        before = denials.total_denials(session)
    token = csrf_token(client, "/home")
    attempts = [
        ("get", "/admin/users", {}),
        ("get", f"/admin/users/{target}/disable", {}),
        ("get", f"/admin/users/{target}/reset-password", {}),
        ("post", "/admin/users", {"username": "intruder", "display_name": "x", "roles": "admin",
                                  "password": INITIAL}),
        ("post", "/admin/organizations", {"org_name": "x", "kind": "other", "credit_code": ""}),
        ("post", f"/admin/users/{target}/disable", {"confirm": "yes"}),
        ("post", f"/admin/users/{target}/enable", {}),
        ("post", f"/admin/users/{target}/reset-password", {"confirm": "yes"}),
        ("post", f"/admin/reset-requests/{uuid.uuid4()}/dismiss", {"confirm": "yes"}),
    ]
    for method, path, data in attempts:
        if method == "get":
            response = client.get(path)
        else:
            response = client.post(path, data={**data, "_csrf_token": token})
        assert response.status_code == 403, path
        assert "您没有权限" in response.text
    with db.read_only() as session:
        assert denials.total_denials(session) == before + len(attempts)
    assert _count(User) == 2 and _count(Organization) == 0
    assert _user("target").is_active
    assert login(client, "target").status_code == 303  # password unchanged


def test_disabling_needs_confirmation_and_stops_log_in_sessions_and_tokens(client):
    _admin(client)
    target = make_user("worker", "tenderee")
    with db.transaction() as session:
        token = accounts.create_api_token(session, Actor.system("test"), uuid.UUID(target), "ERP")
    bearer = {"Authorization": f"Bearer {token}"}
    with TestClient(app=client.app) as other:
        login(other, "worker")
        assert other.get("/home").status_code == 200
        assert other.get("/api/v1/me", headers=bearer).status_code == 200

        confirm = client.get(f"/admin/users/{target}/disable")
        assert confirm.status_code == 200
        assert "确认停用账户" in confirm.text and "worker" in confirm.text
        assert 'name="confirm"' in confirm.text and "required" in confirm.text
        unconfirmed = post_form(client, f"/admin/users/{target}/disable", {},
                                form_page=f"/admin/users/{target}/disable")
        assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
        assert _user("worker").is_active

        done = post_form(client, f"/admin/users/{target}/disable", {"confirm": "yes"},
                         form_page=f"/admin/users/{target}/disable")
        assert done.status_code == 303
        page = client.get(done.headers["location"])
        assert "账户已停用" in page.text and "已停用" in page.text
        assert other.get("/home", follow_redirects=False).status_code == 303
        assert other.get("/api/v1/me", headers=bearer).status_code == 401
        refused = login(other, "worker")
        assert refused.status_code == 401 and "用户名或密码错误" in refused.text
        assert _actions("account.disabled") == [{"username": "worker"}]

        again = _post(client, f"/admin/users/{target}/enable", {})
        assert again.status_code == 303
        assert "账户已重新启用" in client.get(again.headers["location"]).text
        assert login(other, "worker").status_code == 303
        assert other.get("/api/v1/me", headers=bearer).status_code == 200
    assert _actions("account.enabled") == [{"username": "worker"}]


def test_an_admin_cannot_disable_itself(client):
    admin_id = _admin(client)
    page = client.get("/admin/users")
    assert f"/admin/users/{admin_id}/disable" not in page.text
    response = post_form(client, f"/admin/users/{admin_id}/disable", {"confirm": "yes"},
                         form_page=f"/admin/users/{admin_id}/disable")
    assert response.status_code == 409 and "不能停用自己的账户" in response.text
    assert _user("root").is_active and not _actions("account.disabled")


def test_temporary_password_is_shown_once_expires_and_forces_a_change(client):
    _admin(client)
    target = make_user("forgetful", "bidder")
    unconfirmed = post_form(client, f"/admin/users/{target}/reset-password", {},
                            form_page=f"/admin/users/{target}/reset-password")
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
    assert login(TestClient(app=client.app), "forgetful").status_code == 303  # still valid

    temporary = _reset(client, target)
    assert "24 小时" in client.get(f"/admin/users/{target}/reset-password").text
    assert temporary not in client.get("/admin/users").text
    with TestClient(app=client.app) as other:
        assert login(other, "forgetful").status_code == 401  # the old password is gone
        first = login(other, "forgetful", temporary)
        assert first.status_code == 200 and "设置新密码" in first.text
        assert SESSION_COOKIE not in other.cookies

        advance(dt.timedelta(hours=24, seconds=1))
        expired = login(other, "forgetful", temporary)
        assert expired.status_code == 401 and "临时密码已过期" in expired.text
        late = post_form(other, "/login/password",
                         {"username": "forgetful", "password": temporary,
                          "new_password": "fresh-password-9", "new_password_again":
                          "fresh-password-9"}, form_page="/login")
        assert late.status_code == 401 and "临时密码已过期" in late.text

        login(client, "root")  # the administrator's own session ended after 12 hours
        temporary = _reset(client, target)
        changed = post_form(other, "/login/password",
                            {"username": "forgetful", "password": temporary,
                             "new_password": "fresh-password-9",
                             "new_password_again": "fresh-password-9"}, form_page="/login")
        assert changed.status_code == 303
        assert login(other, "forgetful", "fresh-password-9").status_code == 303
    entries = _actions("account.password_reset")
    assert len(entries) == 2 and entries[0]["username"] == "forgetful"
    _no_password_logged(temporary, "fresh-password-9", PASSWORD)


def test_forgotten_password_form_answers_alike_and_queues_matching_requests(client):
    target = make_user("lost-key", "bidder")
    with db.transaction() as session:
        user = session.get(User, uuid.UUID(target))
        assert user is not None
        user.mobile, user.email = "13900002222", "lost@example.cn"
    assert "/login/forgot" in client.get("/login").text
    answers = []
    for username, contact in [("nobody-at-all", "13900002222"), ("lost-key", "13000000000"),
                              ("lost-key", "139-0000-2222"), ("LOST-KEY", "Lost@Example.cn")]:
        response = post_form(client, "/login/forgot", {"username": username, "contact": contact})
        assert response.status_code == 200
        answers.append(response.text.split('<main')[1].split("</main>")[0])
    assert len(set(answers)) == 1 and "申请已提交" in answers[0]
    assert _count(PasswordResetRequest) == 1  # matching requests; a second one is not queued twice
    assert len(_actions("account.reset_requested")) == 4
    _no_password_logged("13900002222", "lost@example.cn")

    missing = post_form(client, "/login/forgot", {"username": "lost-key", "contact": ""})
    assert missing.status_code == 400 and "登记的手机号" in missing.text

    _admin(client, "desk")
    queue = client.get("/admin/users")
    assert "待处理的忘记密码申请" in queue.text and "lost-key" in queue.text
    _reset(client, target)
    with db.read_only() as session:
        request = session.scalar(select(PasswordResetRequest))
        assert request is not None and request.status == "reset" and request.handled_by
    assert "暂无待处理的申请" in client.get("/admin/users").text
    assert _actions("account.password_reset")[0]["requests_handled"] == 1

    with TestClient(app=client.app) as public:
        post_form(public, "/login/forgot", {"username": "lost-key", "contact": "13900002222"})
    with db.read_only() as session:
        request_id = session.scalar(select(PasswordResetRequest.id).where(
            PasswordResetRequest.status == "open"))
    unconfirmed = _post(client, f"/admin/reset-requests/{request_id}/dismiss", {})
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
    dismissed = _post(client, f"/admin/reset-requests/{request_id}/dismiss", {"confirm": "yes"})
    assert dismissed.status_code == 303
    assert "申请已驳回" in client.get(dismissed.headers["location"]).text
    assert len(_actions("account.reset_request_dismissed")) == 1


def test_forgotten_password_form_is_throttled_alike_for_unknown_users(client):
    make_user("known-one", "bidder")
    for username in ("known-one", "never-existed"):
        for _ in range(5):
            ok = post_form(client, "/login/forgot", {"username": username, "contact": "x@y.cn"})
            assert ok.status_code == 200
        held = post_form(client, "/login/forgot", {"username": username, "contact": "x@y.cn"})
        assert held.status_code == 429 and "请" in held.text
    assert login(client, "known-one").status_code == 303  # log-ins are not held back


def test_labels_people_read(client):
    _admin(client)
    make_user("labelled", "bidder")
    page = client.get("/admin/users")
    header = page.text.split("<h2>用户</h2>")[1].split("</thead>")[0]
    assert "<th scope=\"col\">角色</th>" in header and "您的角色" not in header
    assert "投标人" in page.text and "启用" in page.text
    english = client.get("/admin/users?lang=en").text
    assert '<th scope="col">Roles</th>' in english and "Bidder" in english
    client.get("/admin/users?lang=zh-CN")
    post_form(client, "/account/tokens", {"name": "对接"}, form_page="/account")
    account = client.get("/account").text
    thead = account.split("<thead>")[1].split("</thead>")[0]
    assert "创建时间" in thead and "服务器时间" not in thead


def test_a_self_registered_bidder_can_leave_a_contact_for_a_reset(client):
    form = {"org_name": "晋中测试公司", "credit_code": VALID_CODE, "display_name": "钱七",
            "username": "qianqi", "password": "a-long-passphrase",
            "password_again": "a-long-passphrase", "mobile": "13511112222", "email": ""}
    assert "登记手机号码" in client.get("/register").text
    bad = post_form(client, "/register", {**form, "mobile": "0351-1234"})
    assert bad.status_code == 400 and "手机号码" in bad.text
    assert _count(User) == 0 and _count(Organization) == 0
    assert post_form(client, "/register", form).status_code == 200
    assert _user("qianqi").mobile == "13511112222"
    post_form(client, "/login/forgot", {"username": "qianqi", "contact": "13511112222"})
    assert _count(PasswordResetRequest) == 1


def test_admin_and_public_account_forms_refuse_a_missing_csrf_token(client):
    _admin(client)
    users_before = _count(User)
    created = client.post("/admin/users", data={"username": "no-token", "display_name": "x",
                                                "roles": "staff", "password": INITIAL})
    assert created.status_code == 403 and _count(User) == users_before
    forgot = client.post("/login/forgot", data={"username": "root", "contact": "a@b.cn"})
    assert forgot.status_code == 403 and not _actions("account.reset_requested")


def test_confirmation_page_in_english(client):
    _admin(client)
    target = make_user("english-target", "expert")
    page = client.get(f"/admin/users/{target}/reset-password?lang=en")
    assert "Confirm the password reset" in page.text and "I confirm resetting" in page.text
    users = client.get("/admin/users?lang=en").text
    assert "Expert" in users and "Enabled" in users and "Reset password" in users
