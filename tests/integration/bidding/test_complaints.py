"""Complaints to the supervising department (issue 16 part 2; R-38): only after an objection
answered or left unanswered past its limit, within 10 days of knowing; acceptance within 3
working days (red when late), decision within 30 working days with testing / expert review not
counted; the regulator may pause the award (decision.confirm refuses meanwhile) and lifts it;
each step logged and told to the complainant; wrong roles and organisations refused."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import func, select

from bidding import lookup
from bidding.award import complaints
from bidding.award.models import Complaint, ResultObjection, SectionAward
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.trading.conftest import login, post_form
from trading import calendar, clock, db
from trading.accounts.models import OrganizationKind, Role
from trading.denials import total_denials

from .award_flow import final_report
from .conftest import bearer, db_now, make_tender, make_user, publish_now

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _complaint() -> Complaint:
    with db.read_only() as session:
        found = session.scalars(select(Complaint)).one()
        session.expunge(found)
        return found


def _count() -> int:
    with db.read_only() as session:
        return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def _alert(kind: str, subject: str) -> supervision.Alert | None:
    with db.read_only() as session:
        return next((a for a in supervision.list_alerts(session)
                     if a.kind == kind and a.subject == subject), None)


def _denials() -> int:
    with db.read_only() as session:
        return total_denials(session)


def test_complaint_after_objection_accepted_paused_award_excluded_time_and_decision(client) -> None:
    committee = final_report(client, "cp")
    tender, section = committee.tender_id, committee.section_id
    scenario = committee.scenario
    api = f"/api/v1/tenders/{tender}/sections/{section}/award"
    tenderee, complainant = bearer(scenario.tenderee), bearer(scenario.bidders[2])
    published = client.post(f"{api}/publicity", headers=tenderee, json={
        "days": 3, "objection_method": "平台提出", "objection_contact": "王工"})
    assert published.status_code == 201, published.text

    # Without a prior objection: refused with the article, nothing filed.
    login(client, "cp-bidder2")
    page = post_form(client, "/bidding/complaints", {"objection": "", "text": "评标不公"},
                     form_page="/bidding/complaints")
    assert page.status_code == 400 and "第六十条第二款" in page.text
    for body in ({"objection_kind": "result_objection", "objection_id": str(uuid.uuid4()),
                  "text": "评标不公"},
                 {"objection_kind": "result_objection", "objection_id": None, "text": "x"}):
        refused = client.post("/api/v1/complaints", headers=complainant, json=body)
        assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "objection"
    assert _count() == 0

    # The objection; while its answer is awaited, no complaint yet (Regs §60).
    objected = client.post(f"{api}/objections", headers=complainant, json={"text": "第一名业绩不实"})
    assert objected.status_code == 201
    with db.read_only() as session:
        objection = session.scalars(select(ResultObjection)).one()
    body = {"objection_kind": "result_objection", "objection_id": str(objection.id),
            "text": "招标人答复未核实业绩证明，请求重新评审"}
    early = client.post("/api/v1/complaints", headers=complainant, json=body)
    assert early.status_code == 409 and "答复期内" in early.text
    answered = client.post(f"/api/v1/tenders/{tender}/award-objections/{objection.id}/answer",
                           headers=tenderee, json={"answer": "经核查业绩证明真实有效"})
    assert answered.status_code == 200

    # Another bidder cannot complain on this objection; an unknown field is refused.
    other = make_user("cp-other-bidder", Role.BIDDER, OrganizationKind.BIDDER, "cp 其他投标单位")
    assert client.post("/api/v1/complaints", headers=bearer(other), json=body).status_code == 400
    assert client.post("/api/v1/complaints", headers=complainant,
                       json={**body, "urgent": True}).status_code == 400
    assert _count() == 0

    # Filed from the page with the objection and its answer attached.
    choice = f"result_objection:{objection.id}"
    listing = client.get("/bidding/complaints").text
    assert choice in listing and "经核查业绩证明真实有效" in listing
    filed = post_form(client, "/bidding/complaints", {"objection": choice, "text": body["text"]},
                      form_page="/bidding/complaints")
    assert filed.status_code == 303, filed.text
    shown = client.get(filed.headers["location"]).text
    assert "投诉已提交" in shown and "待受理" in shown and "经核查业绩证明真实有效" in shown
    complaint = _complaint()
    url = f"/bidding/complaints/{complaint.id}"
    capi = f"/api/v1/complaints/{complaint.id}"
    twice = client.post("/api/v1/complaints", headers=complainant, json=body)
    assert twice.status_code == 409 and _count() == 1
    with db.read_only() as session:
        assert calendar.working_days_between(session, clock.legal_day(complaint.filed_at),
                                             clock.legal_day(complaint.accept_due)) == 3

    # Wrong roles (403, counted) and wrong organisations (403).
    before = _denials()
    for who in (scenario.tenderee, scenario.staff):
        for path, data in (("acceptance", {"accept": True}),
                           ("decision", {"decision": "dismissed", "text": "x"}),
                           ("award-pause", {"pause": True, "reason": "x"}),
                           ("exclusions", {"action": "end"})):
            assert client.post(f"{capi}/{path}", headers=bearer(who),
                               json=data).status_code == 403
    assert client.post("/api/v1/complaints", headers=tenderee, json=body).status_code == 403
    assert _denials() == before + 9
    login(client, "cp-tenderee")  # reads it (its tender), cannot decide it
    assert client.get(url).status_code == 200
    forms: list[tuple[str, dict[str, str | list[str]]]] = [
        ("acceptance", {"decision": "accept"}),
        ("decision", {"kind": "dismissed", "text": "x", "confirm": "1"}),
        ("award-pause", {"action": "pause", "reason": "x"}), ("exclusion", {"action": "end"})]
    for path, form in forms:
        refused = post_form(client, f"{url}/{path}", form, form_page=url)
        assert refused.status_code == 403
    refused = post_form(client, "/bidding/complaints", {"objection": choice, "text": "x"},
                        form_page=url)
    assert refused.status_code == 403 and _denials() == before + 14
    assert _complaint().status == "complaint_filed"
    login(client, "cp-other-bidder")
    assert client.get(url).status_code == 403
    assert client.get(capi, headers=bearer(other)).status_code == 403
    assert client.get("/api/v1/complaints", headers=bearer(other)).json() == []

    # Late acceptance: the alert is red; the regulator accepts.
    test_clock.advance_past(complaint.accept_due)
    late = _alert("complaint.acceptance", f"complaint/{complaint.id}")
    assert late is not None and late.effective_state == "red"
    login(client, "cp-sup")
    no_reason = post_form(client, f"{url}/acceptance", {"decision": "refuse", "reason": ""},
                          form_page=url)
    assert no_reason.status_code == 400 and _complaint().status == "complaint_filed"
    accepted = post_form(client, f"{url}/acceptance", {"decision": "accept"}, form_page=url)
    assert accepted.status_code == 303 and accepted.headers["location"].endswith("done=accepted")
    assert _alert("complaint.acceptance", f"complaint/{complaint.id}") is None
    complaint = _complaint()
    assert complaint.decision_due is not None and complaint.accepted_at is not None
    with db.read_only() as session:
        assert calendar.working_days_between(session, clock.legal_day(complaint.accepted_at),
                                             clock.legal_day(complaint.decision_due)) == 30

    # The award paused by the regulator: confirm refuses with the reason and the article.
    empty = post_form(client, f"{url}/award-pause", {"action": "pause", "reason": " "},
                      form_page=url)
    assert empty.status_code == 400 and _complaint().award_paused_at is None
    paused = post_form(client, f"{url}/award-pause",
                       {"action": "pause", "reason": "需核实第一名业绩"}, form_page=url)
    assert paused.status_code == 303
    with db.read_only() as session:
        award_row = session.get(SectionAward, section)
        assert award_row is not None and award_row.publicity_ends_at is not None
        ends = award_row.publicity_ends_at
        first = award_row.candidates[0]["org_id"]  # type: ignore[index]
    test_clock.advance_past(ends)
    held = client.post(f"{api}/winner", headers=tenderee, json={"winner": first})
    assert held.status_code == 409 and "第六十二条" in held.text and "需核实第一名业绩" in held.text
    login(client, "cp-tenderee")
    award_page = client.get(f"/bidding/tenders/{tender}/award").text
    assert "award-complaint-paused" in award_page and f"{section}/winner" not in award_page

    # Expert review: the clock stops; the decision waits; its working days move the limit.
    login(client, "cp-sup")
    bad = post_form(client, f"{url}/exclusion", {"action": "start", "kind": "party",
                                                "reason": "x"}, form_page=url)
    assert bad.status_code == 400
    started = post_form(client, f"{url}/exclusion", {"action": "start", "kind": "expert_review",
                                                    "reason": "组织专家复核业绩证明"}, form_page=url)
    assert started.status_code == 303
    assert _alert("complaint.decision", f"complaint/{complaint.id}") is None  # not running
    blocked = client.post(f"{capi}/decision", headers=bearer(committee.regulator),
                          json={"decision": "dismissed", "text": "驳回"})
    assert blocked.status_code == 409 and _complaint().status == "complaint_accepted"
    test_clock.advance(dt.timedelta(days=14))  # at least one working day, whatever the date
    login(client, "cp-sup")
    ended = post_form(client, f"{url}/exclusion", {"action": "end"}, form_page=url)
    assert ended.status_code == 303
    moved = _complaint()
    assert moved.decision_due is not None
    with db.read_only() as session:
        [period] = complaints.exclusions(session, complaint.id)
        assert period.ended_at is not None
        assert moved.excluded_days == period.working_days == calendar.working_days_between(
            session, clock.legal_day(period.started_at), clock.legal_day(period.ended_at)) >= 1
        assert calendar.working_days_between(session, clock.legal_day(complaint.decision_due),
                                             clock.legal_day(moved.decision_due)) == moved.excluded_days
    watched = _alert("complaint.decision", f"complaint/{complaint.id}")
    assert watched is not None and watched.due_at == moved.decision_due

    # The decision: upheld needs the corrections, the box must be ticked; then dismissed.
    upheld = post_form(client, f"{url}/decision", {"kind": "upheld", "text": "成立",
                                                   "confirm": "1"}, form_page=url)
    assert upheld.status_code == 400 and _complaint().decided_at is None
    unticked = post_form(client, f"{url}/decision", {"kind": "dismissed", "text": "驳回"},
                         form_page=url)
    assert unticked.status_code == 400
    decided = post_form(client, f"{url}/decision", {"kind": "dismissed", "confirm": "1",
                                                    "text": "经专家复核，业绩证明真实，投诉缺乏事实依据"},
                        form_page=url)
    assert decided.status_code == 303
    final = _complaint()
    assert final.status == "dismissed" and final.award_paused_at is None  # the pause lifted
    assert _alert("complaint.decision", f"complaint/{complaint.id}") is None

    # The complainant sees every step: notifications in its workspace, the page, the API.
    login(client, "cp-bidder2")
    workspace = client.get("/bidding/my").text
    for text in ("已受理", "责令暂停定标", "专家评审", "驳回投诉", "定标暂停已解除"):
        assert text in workspace, text
    assert 'href="/bidding/complaints"' in workspace  # the notifications lead to the complaint
    shown = client.get(url).text
    assert "投诉缺乏事实依据" in shown and "驳回" in shown
    state = client.get(capi, headers=complainant).json()
    assert state["status"] == "dismissed" and state["exclusions"][0]["kind"] == "expert_review"
    english = client.get(f"{url}?lang=en").text
    assert "Dismissed" in english and "complaint_" not in english
    assert UUID.search(re.sub(r'(href|action|value)="[^"]*"', "", english)) is None
    with db.read_only() as session:
        logged = [e.action for e in supervision.entries(
            session, subject=lookup.subject(tender), action_prefix="award.", limit=1000)]
    for action in ("award.complaint_filed", "award.complaint_accepted",
                   "award.paused_by_complaint", "award.complaint_clock_stopped",
                   "award.complaint_clock_resumed", "award.complaint_decided",
                   "award.pause_lifted"):
        assert action in logged, action

    # The award goes on; 10 days after knowing, a new complaint on that objection is late.
    assert client.post(f"{api}/winner", headers=tenderee,
                       json={"winner": first}).status_code == 201
    with db.read_only() as session:
        limit = complaints.file_due(session, final.knew_at)
    assert clock.legal_day(limit) - clock.legal_day(final.knew_at) >= dt.timedelta(days=10)
    test_clock.advance_past(limit)
    too_late = client.post("/api/v1/complaints", headers=complainant, json=body)
    assert too_late.status_code == 409 and "第六十条第一款" in too_late.text
    assert _count() == 1


def test_complaint_on_the_documents_after_an_unanswered_objection_not_accepted(client) -> None:
    scenario = make_tender(prefix="cpd")
    publish_now(scenario, db_now() + dt.timedelta(days=30))
    complainant = bearer(scenario.bidders[0])
    raised = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"}, headers=complainant)
    assert raised.status_code == 201, raised.text
    objection_id = raised.json()["id"]
    body = {"objection_kind": "documents_objection", "objection_id": objection_id,
            "text": "招标人逾期未答复异议"}
    # Another bidder of the tender cannot complain on it; the author only once unanswered
    # past the limit (Regs §60).
    assert client.post("/api/v1/complaints", headers=bearer(scenario.bidders[1]),
                       json=body).status_code == 400
    assert client.post("/api/v1/complaints", headers=complainant, json=body).status_code == 409
    with db.read_only() as session:
        from bidding.models import Objection

        found = session.get(Objection, uuid.UUID(objection_id))
        assert found is not None
        answer_due = found.answer_due
    test_clock.advance_past(answer_due)
    filed = client.post("/api/v1/complaints", headers=complainant, json=body)
    assert filed.status_code == 201, filed.text
    shown = filed.json()
    assert shown["section_id"] is None and shown["objection_answer"] is None
    assert shown["knew_at"] == answer_due.isoformat()
    # The tender's tenderee reads it; another tenderee does not; no tenderee decides it.
    assert [c["id"] for c in client.get("/api/v1/complaints",
                                        headers=bearer(scenario.tenderee)).json()] == [shown["id"]]
    stranger = make_user("cpd-other-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE)
    capi = f"/api/v1/complaints/{shown['id']}"
    assert client.get(capi, headers=bearer(stranger)).status_code == 403
    before = _denials()
    assert client.post(f"{capi}/acceptance", headers=bearer(scenario.tenderee),
                       json={"accept": False, "reason": "x"}).status_code == 403
    assert _denials() == before + 1
    # Not accepted needs a reason; then the complainant reads it.
    regulator = bearer(make_user("cpd-regulator", Role.REGULATOR, OrganizationKind.REGULATOR))
    assert client.post(f"{capi}/acceptance", headers=regulator,
                       json={"accept": False}).status_code == 400
    refused = client.post(f"{capi}/acceptance", headers=regulator,
                          json={"accept": False, "reason": "不属于本部门管辖"})
    assert refused.status_code == 200 and refused.json()["status"] == "not_accepted"
    again = client.post(f"{capi}/acceptance", headers=regulator, json={"accept": True})
    assert again.status_code == 409
    login(client, "cpd-bidder0")
    assert "不属于本部门管辖" in client.get(f"/bidding/complaints/{shown['id']}").text
    assert "不予受理" in client.get("/bidding/my").text
