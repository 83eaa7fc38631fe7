"""One network for the city and its counties (issue 12 part 7, City §5, §30): staff see and act
only in their own region, regulators see every region, the catalog and the progress look-up
work across regions; and the statistics by region with paused time (part 8, R-06)."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from tests.clock import beijing, set_now
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from tests.integration.trading.test_intake_completion import accepted, act, bearer
from tests.integration.trading.test_intake_decisions import (
    apply,
    as_user,
    city_staff,
    later,
)
from trading import audit, db, denials
from trading.intake import completion, demo
from trading.intake.models import Application


def county_staff(username: str) -> None:
    user_id = make_user(username, "staff")
    with db.transaction() as session:
        completion.assign(session, audit.Actor.system("test"), uuid.UUID(user_id), "PDXSP")


def status_and_code(tracking: str) -> tuple[str, str]:
    with db.read_only() as session:
        found = session.scalar(select(Application).where(
            Application.tracking_number == tracking))
        assert found is not None
        return found.status, found.verification_code


def denied() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def test_city_30_staff_work_in_their_region_regulators_see_all_lookups_cross_regions(client):
    set_now(beijing(2026, 9, 15, 10))  # Tuesday, no holiday near
    with db.transaction() as session:
        demo.seed(session)
    make_user("tenderee-li", "tenderee", org_name="阳泉城投公司")
    city_staff("window-wang")  # the city's trading center (JYZX)
    county_staff("pd-zhang")  # 平定县
    make_user("reg-sun", "regulator")
    login(client, "tenderee-li")
    county, city = apply(client, "PD-001"), apply(client, "JY-001")

    # the city's staff neither see nor act on the county's application (403, counted)
    as_user(client, "window-wang")
    queue = client.get("/intake/staff/applications").text
    assert city in queue and county not in queue
    before = denied()
    review = client.get(f"/intake/staff/applications/{county}")
    assert review.status_code == 403 and "平定县" in review.text
    page = f"/intake/staff/applications/{city}"  # any page for the form's token
    refused = [
        post_form(client, f"/intake/staff/applications/{county}/decision",
                  {"decision": "acceptance"}, form_page=page),
        client.post(f"/api/v1/intake/applications/{county}/decision",
                    json={"decision": "acceptance"}, headers=bearer("window-wang")),
        post_form(client, f"/intake/staff/applications/{county}/periods",
                  {"kind": "inspection", "reason": "现场核查"}, form_page=page),
        client.get("/intake/window/items/PD-001/register"),
        client.get(f"/api/v1/intake/applications/{county}/progress",
                   headers=bearer("window-wang")),
    ]
    assert [r.status_code for r in refused] == [403, 403, 403, 403, 403]
    # counted: the review page, the decision (page and API), the period, the window form
    assert denied() == before + 5
    assert status_and_code(county)[0] == "received"
    # ... while the county's staff see and accept it, and not the city's
    as_user(client, "pd-zhang")
    queue = client.get("/intake/staff/applications").text
    assert county in queue and city not in queue
    assert post_form(client, f"/intake/staff/applications/{county}/decision",
                     {"decision": "acceptance"},
                     form_page=f"/intake/staff/applications/{county}").status_code == 303
    notice = client.get(f"/api/v1/intake/notices/SL{county[2:]}-1", headers=bearer("pd-zhang"))
    assert notice.json()["content"]["seal"] == "平定县行政审批服务管理局（政务服务审批专用章）"
    county_stats = client.get("/api/v1/intake/statistics", headers=bearer("pd-zhang")).json()
    assert county_stats["total"] == 1 and county_stats["by_item"][0]["key"] == "PD-001"

    # a regulator sees every region, and filters the statistics by one
    as_user(client, "reg-sun")
    assert client.get(f"/intake/applications/{county}").status_code == 200
    assert client.get(f"/intake/applications/{city}").status_code == 200
    token = bearer("reg-sun")
    assert client.get("/api/v1/intake/statistics", headers=token).json()["total"] == 2
    only = client.get("/api/v1/intake/statistics", params={"region": "140321"}, headers=token)
    assert (only.json()["total"], only.json()["region"]) == (1, "140321")
    assert client.get("/api/v1/intake/statistics", params={"region": "140322"},
                      headers=token).json()["total"] == 0  # 盂县: nothing yet
    assert client.get("/api/v1/intake/statistics", params={"region": "999999"},
                      headers=token).status_code == 400
    dashboard = client.get("/intake/stats", params={"region": "140321"}).text
    assert "食品小作坊登记（平定县）" in dashboard and "公共资源交易项目进场登记" not in dashboard

    # anyone: the catalog by region, the guide names its region, the look-up across regions
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    catalog = client.get("/intake", params={"region": "140321"}).text
    assert "食品小作坊登记（平定县）" in catalog and "公共资源交易项目进场登记" not in catalog
    listed = client.get("/api/v1/intake/items", params={"region": "140321"}).json()["items"]
    assert [(i["code"], i["region_name"]) for i in listed] == [("PD-001", "平定县")]
    assert "平定县" in client.get("/intake/items/PD-001").text
    code = status_and_code(county)[1]
    looked_up = client.get("/api/v1/intake/progress", params={"number": county, "code": code})
    assert looked_up.status_code == 200 and looked_up.json()["region_name"] == "平定县"
    assert client.get("/intake/progress", params={"number": county, "code": code}).status_code \
        == 200


def test_r06_paused_working_days_in_the_statistics_across_the_national_day_holiday(client):
    # Accepted Tuesday 29 September 2026; an expert review from Wednesday 30 September to
    # Saturday 10 October (a make-up working day). 1-7 October is the National Day holiday, 3-4
    # October a weekend inside it: paused working days are 30 Sept, 8, 9 and 10 Oct = 4.
    tracking = accepted(client, beijing(2026, 9, 29, 10))
    later(client, beijing(2026, 9, 30, 9), "window-wang")
    assert act(client, tracking, "periods", {"kind": "expert_review",
                                             "reason": "组织专家评审"}).status_code == 303
    later(client, beijing(2026, 10, 10, 16), "window-wang")
    assert act(client, tracking, "periods/end", {"reason": "评审意见已出具"}).status_code == 303
    stats = client.get("/api/v1/intake/statistics", headers=bearer("window-wang")).json()
    assert (stats["paused_days"], stats["paused_average"]) == (4, 4.0)
    [item] = stats["time_by_item"]
    assert (item["key"], item["count"], item["average_days"], item["paused_days"],
            item["paused_average"]) == ("FGW-001", 1, 0.0, 4, 4.0)
    assert [(d["key"], d["paused_days"]) for d in stats["time_by_department"]] == [("FGW", 4)]
    csv = client.get("/intake/stats.csv").text
    assert "事项,FGW-001,企业投资项目核准,1,0.0,4,4.0" in csv
    assert "汇总,,暂停计时合计（工作日）,4" in csv
    # the look-up shows the completion limit: all four working days paused, 15 of 15 left
    code = status_and_code(tracking)[1]
    assert client.get("/api/v1/intake/progress", params={"number": tracking, "code": code}).json()[
        "working_days_left"] == 15
    page = client.get("/intake/stats").text
    assert "暂停计时合计（工作日）" in page and "<td>企业投资项目核准</td><td>1</td><td>0.0</td>" \
        "<td>4</td><td>4.0</td>" in page
