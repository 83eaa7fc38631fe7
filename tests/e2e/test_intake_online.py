"""The intake's online path in a browser (issue 12): an applicant finds the item in the public
catalog, reads its guide, applies online with its materials and gets a receipt; staff accept it
from the queue and anyone verifies the sealed acceptance notice with its number and code."""

from __future__ import annotations

import re

import pytest

from tests.e2e.conftest import log_in
from tests.integration.trading.conftest import PASSWORD, make_user
from tests.integration.trading.test_intake_decisions import city_staff
from trading import db
from trading.intake import demo, items

pytestmark = pytest.mark.e2e
PDF = b"%PDF-1.7\n% e2e material\n%%EOF\n"


def test_apply_online_then_staff_accept_and_anyone_verifies(live_server, browser):
    with db.transaction() as session:
        demo.seed(session)
        required = [str(m.id) for m in items.get_item(session, "JY-001").materials if m.required]
    make_user("e2e-tenderee", "tenderee", org_name="阳泉城投公司")
    city_staff("e2e-window")  # of the trading center (JYZX): JY-001 is its region's

    context = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/intake")
    page.get_by_label("关键词").fill("进场登记")
    page.get_by_role("button", name="查询").click()
    page.get_by_role("link", name="公共资源交易项目进场登记").click()
    assert "办事指南" in page.locator("h1").inner_text()
    assert "不收费" in page.content()

    log_in(page, live_server, "e2e-tenderee", PASSWORD)
    page.goto(f"{live_server}/intake/items/JY-001")
    page.get_by_role("link", name="网上申请").click()
    page.get_by_label("法人或其他组织").check()
    page.get_by_label("申请人名称").fill("阳泉城投公司")
    page.get_by_label("证件号码（身份证号或统一社会信用代码）").fill("91140300MA0HXT0011")
    page.get_by_label("联系人").fill("李经理")
    page.get_by_label("联系电话").fill("0353-1234567")
    for material_id in required:
        page.locator(f"input[name='material-{material_id}']").set_input_files(
            {"name": "material.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_role("button", name="提交申请").click()
    assert "申请已提交，以下为申请回执。" in page.locator(".notice[role=status]").inner_text()
    tracking = re.search(r"SP\d{14}", page.locator("h1 + table").inner_text())
    assert tracking
    context.close()

    staff = browser.new_context(locale="zh-CN", java_script_enabled=False)
    page = staff.new_page()
    log_in(page, live_server, "e2e-window", PASSWORD)
    page.goto(f"{live_server}/intake/staff/applications")
    assert "剩余5个工作日" in page.content()
    page.get_by_role("link", name=tracking.group(0)).click()
    page.get_by_label("受理（出具受理通知书）").check()
    page.get_by_role("button", name="出具通知书").click()
    assert "通知书已签章" in page.locator(".notice[role=status]").inner_text()
    page.get_by_role("link", name=re.compile("受理通知书 SL")).click()
    verify_link = page.locator("a[href^='/intake/verify']").get_attribute("href")
    staff.close()

    visitor = browser.new_context(locale="zh-CN")
    page = visitor.new_page()
    page.goto(f"{live_server}{verify_link}")
    assert "本机关决定予以受理" in page.content()
    assert "电子签章验证通过（Ed25519）" in page.locator(".notice-document [role=status]").inner_text()
    visitor.close()
