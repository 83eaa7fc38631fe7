"""An administrator creates a user and then disables it, in a browser without JavaScript."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from tests.integration.trading.conftest import PASSWORD, make_user

pytestmark = pytest.mark.e2e


def test_admin_creates_then_disables_a_user(live_server, browser):
    make_user("e2e-admin", "admin")
    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    log_in(page, live_server, "e2e-admin", PASSWORD)
    page.goto(f"{live_server}/admin/users")
    form = page.locator("form[action='/admin/users']")
    form.get_by_label("用户名").fill("e2e-staff")
    form.get_by_label("联系人姓名").fill("孙八")
    form.get_by_label("交易中心工作人员").check()
    form.get_by_label("初始密码").fill("first-pass-2026")
    form.get_by_role("button", name="创建用户").click()
    assert "用户已创建" in page.locator(".notice[role=status]").inner_text()
    row = page.locator("#user-e2e-staff")
    assert "启用" in row.locator(".status").inner_text()

    row.get_by_role("link", name="停用").click()
    assert "确认停用账户" in page.locator("h1").inner_text()
    page.get_by_label("我确认停用该账户").check()
    page.get_by_role("button", name="停用账户").click()
    assert "账户已停用" in page.locator(".notice[role=status]").inner_text()
    assert "已停用" in page.locator("#user-e2e-staff .status").inner_text()
    context.close()

    other = browser.new_context(locale="zh-CN")
    visitor = other.new_page()
    visitor.goto(f"{live_server}/login")
    visitor.get_by_label("用户名").fill("e2e-staff")
    visitor.get_by_label("密码").fill("first-pass-2026")
    visitor.get_by_role("button", name="登录").click()
    assert "用户名或密码错误" in visitor.locator(".error-message[role=alert]").inner_text()
    other.close()
