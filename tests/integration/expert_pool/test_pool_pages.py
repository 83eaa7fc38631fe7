"""The pool's pages, as staff, an administrator, a regulator and an expert use them."""

from __future__ import annotations

import csv
import io

import pytest

from expert_pool import importer
from tests.integration.expert_pool.conftest import (
    add_expert,
    expert_user,
    id_number,
    login,
    make_user,
    post_form,
)
from tests.integration.expert_pool.test_pool_support import form_of, seeded
from trading.accounts.models import OrganizationKind, Role


@pytest.fixture(autouse=True)
def _tree(database: str) -> None:
    seeded()


def staff(client, name: str = "p-staff") -> None:
    make_user(name, Role.STAFF, OrganizationKind.TRADING_CENTER)
    assert login(client, name).status_code == 303


def test_staff_add_review_admit_and_see_masked_id(client) -> None:
    staff(client)
    assert client.get("/experts/new").status_code == 200
    answer = post_form(client, "/experts", form_of(1), form_page="/experts/new")
    assert answer.status_code == 303 and answer.headers["location"] == "/experts/E000001?done=created"
    page = client.get("/experts/E000001?done=created")
    assert page.status_code == 200
    assert "专家已添加" in page.text and "已申请" in page.text and "建筑结构" in page.text
    whole = id_number(1)
    assert whole not in page.text and f"{whole[:4]}**********{whole[-4:]}" in page.text
    assert "139****0001" in page.text
    for action in ("review", "admit"):
        answer = post_form(client, f"/experts/E000001/status/{action}", {"reason": "材料齐全"},
                           form_page="/experts/E000001")
        assert answer.status_code == 303, answer.text
    page = client.get("/experts/E000001?done=status")
    assert "在库" in page.text and "状态已更新" in page.text
    refused = post_form(client, "/experts/E000001/status/admit", {"reason": "再次"},
                        form_page="/experts/E000001")
    assert refused.status_code == 409 and "当前状态为“在库”" in refused.text
    listing = client.get("/experts?keyword=E000001")
    assert listing.status_code == 200 and "在库" in listing.text and whole not in listing.text


def test_a_bad_form_shows_the_field_and_creates_nothing(client) -> None:
    staff(client)
    answer = post_form(client, "/experts", form_of(1, id_number="140302198001010012"),
                       form_page="/experts/new")
    assert answer.status_code == 400 and "校验码" in answer.text and 'aria-invalid="true"' in answer.text
    assert "共 0 人" in client.get("/experts").text


def test_penalize_on_the_page_shows_the_integrity_entry(client) -> None:
    staff(client)
    add_expert(7)
    answer = post_form(client, "/experts/E000007/status/penalize", {
        "reason": "无正当理由不参加评标", "until": "2099-12-31", "period_from": "",
        "basis": "《评标委员会和评标方法暂行规定》第五十三条"}, form_page="/experts/E000007")
    assert answer.status_code == 303, answer.text
    page = client.get("/experts/E000007")
    assert "处罚期内" in page.text and "第五十三条" in page.text and "2099-12-31" in page.text


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([importer.TEMPLATE_HEADERS, *rows])
    return out.getvalue().encode("utf-8-sig")


def test_import_page_report_and_success(client) -> None:
    staff(client)
    page = client.get("/experts/import")
    assert page.status_code == 200 and "下载导入模板" in page.text
    template = client.get("/experts/import/template.csv")
    assert template.status_code == 200 and "身份证号码" in template.content.decode("utf-8-sig")
    token = __import__("re").search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    good = dict(zip(importer.TEMPLATE_HEADERS, importer.EXAMPLE, strict=True))
    good["身份证号码"] = id_number(11)
    bad = dict(good, 身份证号码=id_number(13), 手机号码="123")
    answer = client.post("/experts/import", files={"file": ("x.csv", _csv([list(good.values()),
                                                                            list(bad.values())]))},
                         data={"_csrf_token": token})
    assert answer.status_code == 400 and "未导入任何数据" in answer.text and "手机号码" in answer.text
    answer = client.post("/experts/import", files={"file": ("x.csv", _csv([list(good.values())]))},
                         data={"_csrf_token": token, "admit": "1"})
    assert answer.status_code == 200 and "导入成功" in answer.text and "E000001" in answer.text
    assert "在库" in client.get("/experts/E000001").text


def test_own_profile_change_request_round_trip(client) -> None:
    expert_user("p-expert", 21)
    assert login(client, "p-expert").status_code == 303
    page = client.get("/experts/me")
    assert page.status_code == 200 and "E000021" in page.text and "在库" in page.text
    assert "/experts/me/draws" in page.text and "/experts/me/inbox" in page.text
    form = client.get("/experts/me/edit")
    assert form.status_code == 200
    values = form_of(21, id_number=id_number(21), sex="male", mobile="13900000021",
                     employer_name="新单位", employer_credit_code="", main_specialty="A01",
                     other_specialties="", qualifications="", name="专家21", email="",
                     education="bachelor", title="4", years_in_specialty="10", title_date="2015-01-01")
    answer = post_form(client, "/experts/me/edit", values, form_page="/experts/me/edit")
    assert answer.status_code == 303 and answer.headers["location"] == "/experts/me?done=requested"
    page = client.get("/experts/me?done=requested")
    assert "审核通过后生效" in page.text and "新单位" not in page.text
    client.post("/logout", data={"_csrf_token": __import__("re").search(
        r'name="_csrf_token" value="([^"]+)"', page.text).group(1)})
    staff(client)
    changes = client.get("/experts/changes")
    assert changes.status_code == 200 and "新单位" in changes.text and "工作单位" in changes.text
    request_id = __import__("re").search(r"/experts/changes/(\d+)/decide", changes.text).group(1)
    answer = post_form(client, f"/experts/changes/{request_id}/decide", {"decision": "approve"},
                       form_page="/experts/changes")
    assert answer.status_code == 303
    assert "新单位" in client.get("/experts/E000021").text


def test_an_expert_applies_and_manages_availability_and_conflicts(client) -> None:
    make_user("p-applicant", Role.EXPERT, OrganizationKind.OTHER)
    assert login(client, "p-applicant").status_code == 303
    assert "/experts/apply" in client.get("/experts/me").text
    answer = post_form(client, "/experts/apply", form_of(31), form_page="/experts/apply")
    assert answer.status_code == 303, answer.text
    page = client.get("/experts/me?done=applied")
    assert "已申请" in page.text and "请等待审核" in page.text
    assert client.get("/experts/apply", follow_redirects=False).status_code == 303
    answer = post_form(client, "/experts/me/availability",
                       {"starts_on": "2099-01-01", "ends_on": "2099-01-05", "reason": "出差"},
                       form_page="/experts/me/availability")
    assert answer.status_code == 303
    assert "2099-01-05" in client.get("/experts/me/availability").text
    bad = post_form(client, "/experts/me/conflicts", {"kind": "shareholding",
                    "organization_name": "某公司", "credit_code": "123"}, form_page="/experts/me/conflicts")
    assert bad.status_code == 400 and "18 位" in bad.text


def test_admin_maintains_the_tree(client) -> None:
    make_user("p-admin", Role.ADMIN)
    assert login(client, "p-admin").status_code == 303
    page = client.get("/experts/specialties")
    assert page.status_code == 200 and "房屋建筑工程" in page.text
    answer = post_form(client, "/experts/specialties", {"parent_code": "A01", "name_zh": "装配式建筑",
                                                        "name_en": "Prefabricated buildings"},
                       form_page="/experts/specialties")
    assert answer.status_code == 303
    assert "装配式建筑" in client.get("/experts/specialties").text
    answer = post_form(client, "/experts/specialties/A0111/active", {"active": "0"},
                       form_page="/experts/specialties")
    assert answer.status_code == 303


def test_english_labels(client) -> None:
    staff(client)
    add_expert(41)
    client.get("/lang/en")
    page = client.get("/experts/E000041")
    assert page.status_code == 200 and "In pool" in page.text and "Senior" in page.text


def test_staff_edit_a_record(client) -> None:
    staff(client)
    add_expert(51)
    form = client.get("/experts/E000051/edit")
    assert form.status_code == 200 and "专家51" in form.text
    values = form_of(51, id_number=id_number(51), mobile="13900000051", employer_name="新的工作单位",
                     main_specialty="A01", other_specialties="", qualifications="", name="专家51",
                     email="", title="4", years_in_specialty="10", title_date="2015-01-01",
                     employer_credit_code="")
    answer = post_form(client, "/experts/E000051/edit", values, form_page="/experts/E000051/edit")
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=saved")
    assert "新的工作单位" in client.get("/experts/E000051").text
    bad = post_form(client, "/experts/E000051/edit", dict(values, years_in_specialty="99"),
                    form_page="/experts/E000051/edit")
    assert bad.status_code == 400 and "0 至 80" in bad.text
