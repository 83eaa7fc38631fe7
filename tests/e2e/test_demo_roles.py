"""A newcomer's first minutes: every demo role logs in and sees its workspace and a live clock."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import log_in
from trading import db, demo

pytestmark = pytest.mark.e2e

ROLE_LABELS = {
    "bidder": "投标人", "tenderee": "招标人/招标代理", "staff": "交易中心工作人员",
    "custodian": "密钥保管人", "expert": "评标专家", "regulator": "监管部门", "admin": "系统管理员",
    "bank": "银行接口",
}


def test_each_demo_role_logs_in_and_sees_the_live_server_clock(live_server, browser):
    with db.transaction() as session:
        logins = demo.seed(session)
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    seen_roles = set()
    for user in demo.USERS:
        if user.role.value in seen_roles:
            continue
        seen_roles.add(user.role.value)
        log_in(page, live_server, user.username, logins[user.username])
        assert ROLE_LABELS[user.role.value] in page.locator(".roles").inner_text()
        clock = page.locator("#server-clock")
        first = clock.inner_text()
        page.wait_for_function(
            "first => document.getElementById('server-clock').textContent !== first", arg=first,
            timeout=5000,
        )
        assert clock.inner_text() > first  # the clock ticks forward by itself
        page.get_by_role("button", name="退出").click()
        page.wait_for_url(f"{live_server}/")
    assert seen_roles == set(ROLE_LABELS)
    context.close()


def test_forms_work_without_javascript(live_server, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/register")
    page.get_by_label("单位名称").fill("无脚本测试有限公司")
    page.get_by_label("统一社会信用代码").fill("91350100M000100Y43")
    page.get_by_label("联系人姓名").fill("测试")
    page.get_by_label("用户名").fill("nojs-user")
    page.get_by_label("密码", exact=True).fill("a-long-passphrase")
    page.get_by_label("再次输入密码").fill("a-long-passphrase")
    page.get_by_role("button", name="提交").click()
    assert "注册成功" in page.content()
    context.close()
