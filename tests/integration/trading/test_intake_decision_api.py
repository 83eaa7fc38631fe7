"""The decision on receipt as JSON (issue 12 part 3, R-01..R-04): the same service and guards as
the review page, with a bearer token; refusals as problem details; a notice as JSON."""

from __future__ import annotations

from tests.integration.trading.conftest import make_user
from tests.integration.trading.test_intake_completion import bearer
from tests.integration.trading.test_intake_decisions import material_ids, setup
from trading import db, denials


def test_r01_r03_decide_on_receipt_over_the_api_and_read_the_notice(client):
    tracking = setup(client)  # JY-001, online, by tenderee-li; window-wang works for JYZX
    path = f"/api/v1/intake/applications/{tracking}/decision"
    make_user("bidder-other", "bidder", org_name="别的公司")
    with db.read_only() as session:
        before = denials.total_denials(session)
    assert client.post(path, json={"decision": "acceptance"},
                       headers=bearer("bidder-other")).status_code == 403
    with db.read_only() as session:
        assert denials.total_denials(session) == before + 1
    staff = bearer("window-wang")
    bad = client.post(path, json={"decision": "approve"}, headers=staff)
    assert bad.status_code == 400
    ids = material_ids()
    checks = [{"material_id": key, "conforming": name != "项目审批、核准或备案文件",
               "correction": "请提交发改部门的核准文件" if name == "项目审批、核准或备案文件" else ""}
              for name, key in ids.items()]
    unticked = client.post(path, json={"decision": "one_time", "checks": checks[:1]},
                           headers=staff)
    assert unticked.status_code == 400
    assert unticked.headers["content-type"].startswith("application/problem+json")
    assert "未勾选是否符合" in unticked.json()["message_zh"]
    notice = client.post(path, json={"decision": "one_time", "checks": checks}, headers=staff)
    assert notice.status_code == 201, notice.text
    body = notice.json()
    assert body["number"] == f"GZ{tracking[2:]}-1" and body["verified"] is True
    assert body["title"] == "一次性告知通知书" and body["content"]["rule"] == "R-03"
    assert [c["material"] for c in body["content"]["corrections"] if not c["conforming"]] == [
        "项目审批、核准或备案文件"]
    again = client.post(path, json={"decision": "acceptance"}, headers=staff)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "decision"
    # the notice as JSON: the applicant's organisation and staff, nobody else
    number = f"/api/v1/intake/notices/{body['number']}"
    mine = client.get(number, headers=bearer("tenderee-li"))
    assert mine.status_code == 200 and mine.json()["content"] == body["content"]
    assert client.get(number, headers=bearer("bidder-other")).status_code == 403
    assert client.get(number).status_code == 401
    assert client.get("/api/v1/intake/notices/GZ-NOPE", headers=staff).status_code == 404
