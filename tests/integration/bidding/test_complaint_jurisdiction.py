"""Issue 16 gaps: a tender's supervising department (行政监督部门, R-38, Regs §60) is chosen at
creation and only its regulators decide a complaint (others read; 403 and a counted denial);
the department is named on the complaint page, in the API and in the notifications. And every
wrong-organisation refusal of the award stage (award, objection, contract, complaint, security)
is counted like a wrong role's (trading.denials)."""

from __future__ import annotations

import datetime as dt
import uuid

from sqlalchemy import update

from bidding.models import Objection, Tender
from tests import clock as test_clock
from tests.integration.trading.conftest import csrf_token, login, post_form
from trading import db
from trading.accounts.models import OrganizationKind, Role
from trading.denials import total_denials

from .conftest import ANNOUNCEMENT, bearer, current, db_now, make_tender, make_user, publish_now

DEPT_A, DEPT_B = "jr 阳泉市住建局", "jr 阳泉市水务局"


def _denials() -> int:
    with db.read_only() as session:
        return total_denials(session)


def _tender_body(scenario, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "监督部门测试", "category": "construction", "region": "阳泉",
        "evaluation_method": "综合评估法", "custody_k": 2,
        "custodian_ids": [str(c) for c in scenario.custodians],
        "sections": [{"name": "一标段", "estimated_price_fen": 100_000_000,
                      "bid_security_fen": 2_000_000}],
        "announcement": dict(ANNOUNCEMENT),
        "tenderee_org_id": str(current(scenario.tenderee).organization_id)}
    body.update(changes)
    return body


def _refused_and_counted(answer, before: int) -> int:
    assert answer.status_code == 403, answer.text[:300]
    after = _denials()
    assert after == before + 1
    return after


def test_only_the_tenders_supervising_department_decides_its_complaints(client) -> None:
    scenario = make_tender(prefix="jr")
    reg_a = make_user("jr-reg-a", Role.REGULATOR, OrganizationKind.REGULATOR, DEPT_A)
    reg_b = make_user("jr-reg-b", Role.REGULATOR, OrganizationKind.REGULATOR, DEPT_B)
    dept_a = current(reg_a).organization_id
    staff = bearer(scenario.staff)
    # Creation: two departments exist, so one must be chosen; a non-regulator is refused.
    login(client, "jr-staff")
    form = client.get("/bidding/tenders/new").text
    assert DEPT_A in form and DEPT_B in form and 'name="supervisor_org_id"' in form
    missing = client.post("/api/v1/tenders", headers=staff, json=_tender_body(scenario))
    assert missing.status_code == 400 and "行政监督部门" in missing.text
    wrong = client.post("/api/v1/tenders", headers=staff, json=_tender_body(
        scenario, supervisor_org_id=str(current(scenario.tenderee).organization_id)))
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "supervisor_org_id"
    made = client.post("/api/v1/tenders", headers=staff,
                       json=_tender_body(scenario, supervisor_org_id=str(dept_a)))
    assert made.status_code in (200, 201), made.text
    with db.read_only() as session:
        created = session.get(Tender, uuid.UUID(made.json()["id"]))
        assert created is not None and created.supervisor_org_id == dept_a
    # The fixture's tender (made before the departments existed) gets department A.
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id)
                        .values(supervisor_org_id=dept_a))
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    assert f'id="tender-supervisor">{DEPT_A}<' in client.get(
        f"/bidding/tenders/{scenario.tender_id}").text
    complainant = bearer(scenario.bidders[0])
    raised = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"}, headers=complainant)
    assert raised.status_code == 201, raised.text
    with db.read_only() as session:
        objection = session.get(Objection, uuid.UUID(raised.json()["id"]))
        assert objection is not None
        answer_due = objection.answer_due
    test_clock.advance_past(answer_due)
    filed = client.post("/api/v1/complaints", headers=complainant, json={
        "objection_kind": "documents_objection", "objection_id": raised.json()["id"],
        "text": "招标人逾期未答复异议"})
    assert filed.status_code == 201, filed.text
    assert filed.json()["supervising_department"] == DEPT_A
    capi, url = (f"/api/v1/complaints/{filed.json()['id']}",
                 f"/bidding/complaints/{filed.json()['id']}")
    # Department B reads (regulators audit everything) but may not decide: 403, counted.
    assert client.get(capi, headers=bearer(reg_b)).status_code == 200
    before = _denials()
    for path, data in (("acceptance", {"accept": True}),
                       ("award-pause", {"pause": True, "reason": "x"}),
                       ("exclusions", {"action": "end"}),
                       ("decision", {"decision": "dismissed", "text": "x"})):
        before = _refused_and_counted(
            client.post(f"{capi}/{path}", headers=bearer(reg_b), json=data), before)
    login(client, "jr-reg-b")
    page = client.get(url).text
    assert "complaint-other-department" in page and DEPT_A in page
    assert "acceptance-form" not in page
    before = _refused_and_counted(post_form(client, f"{url}/acceptance", {"decision": "accept"},
                                            form_page=url), before)
    assert client.get(capi, headers=bearer(reg_a)).json()["status"] == "complaint_filed"
    # Department A accepts; the complainant's notification names it.
    login(client, "jr-reg-a")
    shown = client.get(url).text
    assert "acceptance-form" in shown and "complaint-other-department" not in shown
    accepted = post_form(client, f"{url}/acceptance", {"decision": "accept"}, form_page=url)
    assert accepted.status_code == 303
    login(client, "jr-bidder0")
    workspace = client.get("/bidding/my").text
    assert f"投诉（{DEPT_A}）" in workspace and "已受理" in workspace
    # A bidder of another organisation reads no complaint of this one: 403, counted.
    other = make_user("jr-other-bidder", Role.BIDDER, OrganizationKind.BIDDER, "jr 其他投标单位")
    before = _denials()
    _refused_and_counted(client.get(capi, headers=bearer(other)), before)


def test_wrong_organisation_refusals_of_the_award_stage_are_counted(client) -> None:
    scenario = make_tender(prefix="jw", bidders=1)
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    tender, section = scenario.tender_id, scenario.section_id
    make_user("jw-other-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE, "jw 其他招标人")
    stranger = make_user("jw-other-bidder", Role.BIDDER, OrganizationKind.BIDDER, "jw 其他投标单位")
    lonely = make_user("jw-no-org-bidder", Role.BIDDER)
    before = _denials()
    # Award: another tenderee's people read nothing of this tender's award.
    login(client, "jw-other-tenderee")
    before = _refused_and_counted(client.get(f"/bidding/tenders/{tender}/award"), before)
    # Contract: filed by another tenderee.
    page = f"/bidding/tenders/{tender}/award"
    token = csrf_token(client, "/")
    contract = client.post(
        f"{page}/{section}/contract", data={"_csrf_token": token, "name": "合同",
                                             "amount": "1", "signed_on": "2026-01-01",
                                             "term": "1年"},
        files={"file": ("合同.pdf", b"%PDF-1.4 contract", "application/pdf")},
        follow_redirects=False)
    assert "无权管理该招标项目" in contract.text  # the service's refusal, not the CSRF check
    before = _refused_and_counted(contract, before)
    # Security: another tenderee's list of this tender's bidders.
    before = _refused_and_counted(client.get(f"/bidding/tenders/{tender}/security/bidders"),
                                  before)
    # Objection: a bidder of another tender objects to this section's result.
    before = _refused_and_counted(client.post(
        f"/api/v1/tenders/{tender}/sections/{section}/award/objections",
        headers=bearer(stranger), json={"text": "异议"}), before)
    # Security: a bidder with no organisation reads a sub-account.
    _refused_and_counted(client.get(
        f"/api/v1/tenders/{tender}/sections/{section}/security", headers=bearer(lonely)), before)
