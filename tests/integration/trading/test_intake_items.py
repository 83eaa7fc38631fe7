"""Service items and guides (issue 12, part 1): the public catalog and printable guide, staff
maintaining items through pages, every change a new version and logged; the R-05 limits."""

from __future__ import annotations

from supervision import services as log
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from tests.integration.trading.test_intake_decisions import city_staff
from tests.integration.trading.test_intake_regions import county_staff
from trading import db, denials
from trading.intake import demo, items

ITEM_FORM = {
    "code": "T-001", "department": "XSP", "name": "测试许可事项", "kind": "promised",
    "legal_basis": "《中华人民共和国行政许可法》", "conditions": "符合条件的申请人",
    "fee_basis": "", "fee_yuan": "", "promised_days": "10", "statutory_days": "20",
    "excluded_kinds": ["expert_review", "hearing"], "participants": ["ZJJ"], "online": "1",
    "collection": "window",
}


def seed_demo() -> None:
    with db.transaction() as session:
        demo.seed(session)


def actions(prefix: str) -> list[tuple[str, dict]]:
    with db.read_only() as session:
        return [(e.action, e.body) for e in log.entries(session, action_prefix=prefix)]


def test_public_catalog_by_department_and_keyword_without_log_in(client):
    seed_demo()
    page = client.get("/intake")
    assert page.status_code == 200
    assert "阳泉市公共资源交易中心（演示）" in page.text
    assert "公共资源交易项目进场登记" in page.text and "建筑工程施工许可" in page.text
    by_department = client.get("/intake", params={"department": "ZJJ"})
    assert "建筑工程施工许可" in by_department.text
    assert "公共资源交易项目进场登记" not in by_department.text
    by_keyword = client.get("/intake", params={"q": "进场登记"})
    assert "公共资源交易项目进场登记" in by_keyword.text
    assert "建筑工程施工许可" not in by_keyword.text
    nothing = client.get("/intake", params={"q": "不存在的事项"})
    assert "没有符合条件的事项" in nothing.text
    english = client.get("/intake", params={"lang": "en"})
    assert "Catalog of service items" in english.text and "Promised limit" in english.text


def test_service_guide_is_public_complete_and_its_template_free_to_download(client):
    seed_demo()
    guide = client.get("/intake/items/JY-001")
    assert guide.status_code == 200
    text = guide.text
    for expected in ("办事指南", "公共资源交易项目进场登记", "《中华人民共和国招标投标法》第十二条",
                     "受理条件", "承诺件", "1个工作日", "5个工作日", "不收费", "可网上申请",
                     "阳泉市发展和改革委员会（演示）", "网上下载电子证照",
                     "项目审批、核准或备案文件", "须在有效期内", "非必需（视情提供）"):
        assert expected in text, expected
    link = text.split('href="/intake/items/JY-001/materials/')[1].split('"')[0]
    download = client.get(f"/intake/items/JY-001/materials/{link}")
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("application/pdf")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.content.startswith(b"%PDF-")
    # a fee only with its published legal item and amount; paid at the fee window
    fee = client.get("/intake/items/XSP-002").text
    assert "200.00 元" in fee and "《特种设备检验检测机构核准收费标准》（演示）" in fee
    assert "在收费窗口缴纳" in fee and "须到窗口办理" in fee
    # excluded periods are named and the applicant is told
    assert "专家评审" in client.get("/intake/items/FGW-001").text
    assert client.get("/intake/items/NOPE").status_code == 404


def test_staff_create_and_change_an_item_each_change_a_logged_version(client):
    seed_demo()
    city_staff("window-wang")
    login(client, "window-wang")
    created = post_form(client, "/intake/manage/new", ITEM_FORM)
    assert created.status_code == 303
    assert created.headers["location"] == "/intake/manage/items/T-001?done=created"
    page = client.get("/intake/manage/items/T-001?done=created")
    assert "事项已创建。" in page.text and "创建事项" in page.text
    guide = client.get("/intake/items/T-001").text
    assert "测试许可事项" in guide and "10个工作日" in guide and "听证" in guide
    assert "阳泉市住房和城乡建设局（演示）" in guide

    changed = post_form(client, "/intake/manage/items/T-001",
                        {**ITEM_FORM, "promised_days": "8", "fee_basis": "《某收费标准》",
                         "fee_yuan": "35.5"}, form_page="/intake/manage/items/T-001")
    assert changed.status_code == 303
    history = client.get("/intake/manage/items/T-001?done=saved").text
    assert "事项已保存为新版本。" in history
    assert "修改：收费、承诺办结时限" in history
    guide = client.get("/intake/items/T-001").text
    assert "8个工作日" in guide and "35.50 元" in guide and "版本 2" in guide

    logged = actions("intake.item_")
    assert ("intake.item_created", {"item": "T-001", "version": 1, "name": "测试许可事项"}) in logged
    assert ("intake.item_changed", {"item": "T-001", "version": 2,
                                    "fields": ["fee_basis", "fee_fen", "promised_days"]}) in logged
    with db.read_only() as session:
        kept = items.versions(session, items.get_item(session, "T-001"))
        assert [v.version for v in kept] == [2, 1]
        assert kept[1].content["promised_days"] == 10 and kept[0].content["promised_days"] == 8

    unchanged = post_form(client, "/intake/manage/items/T-001",
                          {**ITEM_FORM, "promised_days": "8", "fee_basis": "《某收费标准》",
                           "fee_yuan": "35.5"}, form_page="/intake/manage/items/T-001")
    assert unchanged.status_code == 400 and "没有任何修改" in unchanged.text


def test_materials_added_with_a_template_and_removed_only_when_confirmed(client):
    seed_demo()
    city_staff("window-li")
    login(client, "window-li")
    token = csrf_token(client, "/intake/manage/items/XSP-003")
    added = client.post(
        "/intake/manage/items/XSP-003/materials",
        data={"material_name": "委托书", "required": "1", "form": "paper", "copies": "2",
              "note": "代办时提供", "_csrf_token": token},
        files={"template": ("委托书.docx", b"PK\x03\x04demo", "text/html")},
        follow_redirects=False)
    assert added.status_code == 303
    guide = client.get("/intake/items/XSP-003").text
    assert "委托书" in guide and "代办时提供" in guide
    material_id = guide.split('href="/intake/items/XSP-003/materials/')[1].split("/")[0]
    download = client.get(f"/intake/items/XSP-003/materials/{material_id}/template")
    # the browser's claimed type is never served back (no HTML from an upload)
    assert download.headers["content-type"].startswith("application/octet-stream")

    path = f"/intake/manage/items/XSP-003/materials/{material_id}/remove"
    unconfirmed = post_form(client, path, {}, form_page="/intake/manage/items/XSP-003")
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.text
    assert "委托书" in client.get("/intake/items/XSP-003").text
    removed = post_form(client, path, {"confirm": "1"}, form_page="/intake/manage/items/XSP-003")
    assert removed.status_code == 303
    assert "委托书" not in client.get("/intake/items/XSP-003").text
    assert [a for a, _ in actions("intake.material_")][-2:] == [
        "intake.material_added", "intake.material_removed"]


def test_r05_limits_and_fee_rules_refused_with_reasons(client):
    seed_demo()
    city_staff("window-zhao")
    login(client, "window-zhao")
    cases = [
        ({"promised_days": "25"}, "承诺件的承诺时限应为1个工作日至法定时限（R-05）"),
        ({"kind": "immediate", "promised_days": "3"}, "即办件当场办结，承诺时限应为0"),
        ({"fee_basis": "《某收费标准》"}, "收费须同时填写公布的收费依据和金额"),
        ({"fee_yuan": "10"}, "收费须同时填写公布的收费依据和金额"),
        ({"fee_basis": "x", "fee_yuan": "1.234"}, "金额格式"),
        ({"statutory_days": "9999"}, "请填写1至365之间的整数"),
        ({"department": "NONE"}, "部门 NONE 不存在"),
        ({"excluded_kinds": ["sleeping"]}, "未知的特别程序种类"),
        ({"code": "坏编码"}, "事项编码只能包含"),
    ]
    for change, reason in cases:
        refused = post_form(client, "/intake/manage/new", {**ITEM_FORM, **change})
        assert refused.status_code == 400, change
        assert reason in refused.text, change
    duplicate = post_form(client, "/intake/manage/new", {**ITEM_FORM, "code": "JY-001"})
    assert duplicate.status_code == 409 and "事项编码 JY-001 已存在" in duplicate.text
    assert not [a for a, b in actions("intake.item_created") if b["item"] == "T-001"]


def test_item_pages_refuse_other_roles_and_count_the_denials(client):
    seed_demo()
    make_user("bidder-sun", "bidder", org_name="某投标公司")
    login(client, "bidder-sun")
    token = csrf_token(client, "/account")
    attempts = [
        client.get("/intake/manage"),
        client.post("/intake/manage/new", data={**ITEM_FORM, "_csrf_token": token}),
        client.post("/intake/manage/items/JY-001",
                    data={**ITEM_FORM, "code": "JY-001", "_csrf_token": token}),
        client.post("/intake/manage/items/JY-001/materials",
                    data={"material_name": "x", "_csrf_token": token}),
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    with db.read_only() as session:
        assert denials.total_denials(session) == 4
        assert items.get_item(session, "JY-001").version == 5
    # a county's staff maintain the county's items, not the city's (City §30)
    client.post("/logout", data={"_csrf_token": token})
    county_staff("pd-zhang")
    login(client, "pd-zhang")
    listed = client.get("/intake/manage").text
    assert "PD-001" in listed and "JY-001" not in listed
    page = "/intake/manage/items/PD-001"
    attempts = [
        client.get("/intake/manage/items/JY-001"),
        post_form(client, "/intake/manage/items/JY-001", {**ITEM_FORM, "code": "JY-001"},
                  form_page=page),
        post_form(client, "/intake/manage/new", {**ITEM_FORM, "code": "T-009"}, form_page=page),
        post_form(client, "/intake/manage/items/PD-001", {**ITEM_FORM, "code": "PD-001"},
                  form_page=page),  # moving its own item into a city department
    ]
    assert [r.status_code for r in attempts] == [403] * 4
    with db.read_only() as session:
        assert denials.total_denials(session) == 8
        assert items.get_item(session, "PD-001").version == 4  # as seeded: created, 3 materials


def test_the_demo_catalog_is_seeded_once(database):
    seed_demo()
    before = len(actions("intake."))
    seed_demo()
    assert len(actions("intake.")) == before
    with db.read_only() as session:
        found = items.catalog(session)
        assert len(found) == 12 and len(items.departments(session)) == 6  # one a county's
        assert any(i.name == "公共资源交易项目进场登记" for i in found)


def test_the_catalog_and_guides_on_the_json_api(client):
    seed_demo()
    listed = client.get("/api/v1/intake/items", params={"department": "JYZX"})
    assert listed.status_code == 200
    assert [i["code"] for i in listed.json()["items"]] == ["JY-001", "JY-002"]
    assert client.get("/api/v1/intake/items", params={"q": "施工许可"}).json()["items"][0][
        "name"] == "建筑工程施工许可"
    guide = client.get("/api/v1/intake/items/XSP-002").json()
    assert guide["fee_fen"] == 20000 and guide["statutory_days"] == 20
    assert guide["excluded_kinds"] == ["quarantine", "appraisal"]
    assert guide["materials"][0]["template_url"].startswith("/intake/items/XSP-002/materials/")
    missing = client.get("/api/v1/intake/items/NOPE")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
