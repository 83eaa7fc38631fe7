"""One registration for every channel (issue 12, part 2): online by the applicant and at the
window by staff, the same record with a tracking number, a verification code and a receipt;
materials uploaded per required material, bounded; nothing registered half-way."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from supervision import services as log
from tests.integration.trading.conftest import csrf_token, login, make_user
from tests.integration.trading.test_intake_decisions import city_staff
from trading import db, denials
from trading.intake import applications, demo, items
from trading.intake.models import Application

PDF = b"%PDF-1.7\n% test material\n%%EOF\n"
APPLICANT = {"applicant_kind": "organisation", "applicant_name": "阳泉城投公司",
             "applicant_id_number": "91140300MA0HXT0011", "contact_name": "李经理",
             "contact_phone": "0353-1234567"}


def seed_demo() -> None:
    with db.transaction() as session:
        demo.seed(session)


def material_ids(code: str) -> dict[str, str]:
    with db.read_only() as session:
        return {m.name: str(m.id) for m in items.get_item(session, code).materials}


def count_applications() -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(Application)) or 0


def received() -> list[log.Entry]:
    with db.read_only() as session:
        return log.entries(session, action="intake.application_received")


def submit(client, path: str, form_page: str, files: dict[str, tuple[str, bytes]],
           extra: dict[str, str | list[str]] | None = None):
    token = csrf_token(client, form_page)
    return client.post(
        path, data={**APPLICANT, **(extra or {}), "_csrf_token": token},
        files=[(f"material-{key}", (name, content, "application/pdf"))
               for key, (name, content) in files.items()],
        follow_redirects=False)


def required_files(code: str) -> dict[str, tuple[str, bytes]]:
    with db.read_only() as session:
        return {str(m.id): (f"{m.name}.pdf", PDF) for m in items.get_item(session, code).materials
                if m.required}


def test_online_application_gives_a_tracking_number_code_and_receipt(client):
    seed_demo()
    make_user("tenderee-li", "tenderee", org_name="阳泉城投公司")
    login(client, "tenderee-li")
    form = client.get("/intake/items/JY-001/apply")
    assert form.status_code == 200 and "网上申请" in form.text and "项目审批、核准或备案文件" in form.text
    answer = submit(client, "/intake/items/JY-001/apply", "/intake/items/JY-001/apply",
                    required_files("JY-001"))
    assert answer.status_code == 303, answer.text
    receipt_path = answer.headers["location"]
    tracking = re.search(r"/intake/applications/(SP\d{14})\?done=registered", receipt_path)
    assert tracking, receipt_path
    receipt = client.get(receipt_path).text
    assert "申请已提交，以下为申请回执。" in receipt
    assert tracking.group(1) in receipt and "公共资源交易项目进场登记" in receipt
    code = re.search(r"查询验证码</th><td><strong>(\d{6})</strong>", receipt)
    assert code, receipt
    assert "网上申请" in receipt and "已收件，待受理审查" in receipt and "阳泉城投公司" in receipt
    assert receipt.count(".pdf</td>") == 3  # one file per required material
    assert tracking.group(1) in client.get("/intake/mine").text
    [entry] = received()
    assert entry.body["tracking_number"] == tracking.group(1)
    assert entry.body["channel"] == "online" and len(entry.body["files"]) == 3
    # no personal data in the supervision log
    assert "阳泉城投公司" not in str(entry.body) and "0353" not in str(entry.body)


def test_missing_required_materials_are_listed_and_nothing_is_registered(client):
    seed_demo()
    make_user("bidder-zhao", "bidder", org_name="晋阳建设")
    login(client, "bidder-zhao")
    ids = material_ids("JY-001")
    only_form = {ids["申请表"]: ("申请表.pdf", PDF)}
    refused = submit(client, "/intake/items/JY-001/apply", "/intake/items/JY-001/apply", only_form)
    assert refused.status_code == 400
    assert "以下必需材料未提交：申请人身份证明（营业执照或身份证）、项目审批、核准或备案文件" in refused.text
    assert count_applications() == 0 and received() == []


def test_files_are_bounded_in_size_and_type(client):
    seed_demo()
    make_user("bidder-qian", "bidder", org_name="华通路桥")
    login(client, "bidder-qian")
    files = required_files("XSP-003")
    [key] = files
    big = submit(client, "/intake/items/XSP-003/apply", "/intake/items/XSP-003/apply",
                 {key: ("big.pdf", b"%PDF-" + b"0" * applications.MAX_FILE_BYTES)})
    assert big.status_code == 413 and "超过5 MiB" in big.text
    html = submit(client, "/intake/items/XSP-003/apply", "/intake/items/XSP-003/apply",
                  {key: ("page.pdf", b"<html><script>alert(1)</script>")})
    assert html.status_code == 415 and "只接受PDF、图片或OFD/Office文件" in html.text
    bad_phone = submit(client, "/intake/items/XSP-003/apply", "/intake/items/XSP-003/apply",
                       files, {"contact_phone": "call me"})
    assert bad_phone.status_code == 400 and "请填写有效的联系电话" in bad_phone.text
    assert count_applications() == 0


def test_window_registration_gives_the_same_record_with_paper_materials(client):
    seed_demo()
    city_staff("window-zhou")
    login(client, "window-zhou")
    # an item that cannot be applied for online is still registered at the window
    ids = material_ids("ZRZY-002")
    path = "/intake/window/items/ZRZY-002/register"
    answer = submit(client, path, path, {ids["申请表"]: ("申请表.pdf", PDF)},
                    {"on_paper": [ids["出让方案批准文件"], ids["土地估价报告"]]})
    assert answer.status_code == 303, answer.text
    receipt = client.get(answer.headers["location"]).text
    assert "窗口登记" in receipt and "国有建设用地使用权招标拍卖挂牌出让登记" in receipt
    assert re.search(r"查询验证码</th><td><strong>\d{6}</strong>", receipt)
    [entry] = received()
    assert entry.body["channel"] == "window"
    assert entry.body["on_paper"] == ["出让方案批准文件", "土地估价报告"]
    # an electronic-only material cannot be ticked as handed in on paper
    ids = material_ids("JY-001")
    path = "/intake/window/items/JY-001/register"
    paper_only = submit(client, path, path, {ids["申请表"]: ("申请表.pdf", PDF)},
                        {"on_paper": [ids["申请人身份证明（营业执照或身份证）"],
                                      ids["项目审批、核准或备案文件"]]})
    assert paper_only.status_code == 400 and "以下必需材料未提交：项目审批、核准或备案文件" in paper_only.text
    assert count_applications() == 1


def test_an_item_without_online_handling_refuses_online_applications(client):
    seed_demo()
    make_user("bidder-wu", "bidder", org_name="太行智造")
    login(client, "bidder-wu")
    assert client.get("/intake/items/ZRZY-002/apply").status_code == 409
    refused = submit(client, "/intake/items/ZRZY-002/apply", "/intake/items/JY-001/apply",
                     required_files("ZRZY-002"))
    assert refused.status_code == 409 and "该事项不能网上申请" in refused.text
    assert count_applications() == 0


def test_wrong_roles_are_refused_and_counted(client):
    seed_demo()
    make_user("expert-feng", "expert")
    login(client, "expert-feng")
    token = csrf_token(client, "/account")
    attempts = [
        client.post("/intake/items/JY-001/apply", data={**APPLICANT, "_csrf_token": token},
                    files=[("x", ("a.pdf", PDF, "application/pdf"))]),
        client.get("/intake/window/items/JY-001/register"),
        client.post("/intake/window/items/JY-001/register",
                    data={**APPLICANT, "_csrf_token": token},
                    files=[("x", ("a.pdf", PDF, "application/pdf"))]),
    ]
    assert [a.status_code for a in attempts] == [403, 403, 403]
    with db.read_only() as session:
        assert denials.total_denials(session) == 3
    assert count_applications() == 0


def test_a_receipt_is_seen_by_its_organisation_and_staff_not_by_another_organisation(client):
    seed_demo()
    make_user("tenderee-a", "tenderee", org_name="甲公司")
    login(client, "tenderee-a")
    answer = submit(client, "/intake/items/XSP-003/apply", "/intake/items/XSP-003/apply",
                    required_files("XSP-003"))
    receipt_path = answer.headers["location"].split("?")[0]
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    make_user("bidder-b", "bidder", org_name="乙公司")
    login(client, "bidder-b")
    other = client.get(receipt_path)
    assert other.status_code == 403 and "阳泉城投公司" not in other.text
    assert not re.search(r"SP\d{14}", client.get("/intake/mine").text)
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    city_staff("window-sun")
    login(client, "window-sun")
    assert client.get(receipt_path).status_code == 200
    assert client.get("/intake/applications/SP00000000000000").status_code == 404
