"""Candidates, objections, award and contract (issue 16 part 1; R-35, R-36, R-37): published
within 3 days of the final report for at least 3 days, objections only during the publicity and
answered (the award waits meanwhile), the winner a published candidate (another than the first
only with a reason), award and result notices signed and issued together, the result and
contract notices in disclosure and OCDS; wrong roles and organisations refused and counted."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from sqlalchemy import func, select

from bidding import lookup
from bidding import services as bidding_services
from bidding.award import decision
from bidding.award.models import AwardLetter, ResultObjection, SectionAward
from bidding.evaluation import review
from bidding.evaluation.models import ReportSignature
from bidding.models import Tender
from disclosure import ocds, ocds_validate
from supervision import services as supervision
from tests import clock as test_clock
from tests.integration.trading.conftest import csrf_token, login, post_form
from trading import clock, db
from trading.accounts.models import OrganizationKind, Role
from trading.audit import Actor
from trading.denials import total_denials
from trading.errors import ConflictError

from .award_flow import final_report
from .conftest import bearer, make_user


def _row(section_id: uuid.UUID) -> SectionAward:
    with db.read_only() as session:
        row = session.get(SectionAward, section_id)
        assert row is not None
        session.expunge(row)
        return row


def _actions(tender_id: uuid.UUID) -> list[str]:
    with db.read_only() as session:
        return [e.action for e in supervision.entries(
            session, subject=lookup.subject(tender_id), action_prefix="award.", limit=1000)]


def _denied(client, method: str, url: str, data: dict[str, str],
            user: uuid.UUID | None = None) -> None:
    """403 and one more counted denial (trading.denials): a wrong role by the guard, a wrong
    organisation by the service (check_manager, the section's bidders), counted by the page."""
    with db.read_only() as session:
        before = total_denials(session)
    if method == "form":
        answer = post_form(client, url, data, form_page="/")
    else:
        assert user is not None
        answer = client.post(url, json=data, headers=bearer(user))
    assert answer.status_code == 403, (url, answer.status_code, answer.text[:300])
    with db.read_only() as session:
        assert total_denials(session) == before + 1


def _alert(kind: str, subject: str) -> supervision.Alert | None:
    """The live e-supervision alert watching (kind, subject), if any (R-52)."""
    with db.read_only() as session:
        return next((a for a in supervision.list_alerts(session)
                     if a.kind == kind and a.subject == subject), None)


def _org(username: str) -> uuid.UUID:
    from trading.accounts.models import User

    with db.read_only() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None and user.organization_id is not None
        return user.organization_id


def test_publicity_objection_award_and_contract(client) -> None:
    committee = final_report(client, "aw")
    tender, section = committee.tender_id, committee.section_id
    page = f"/bidding/tenders/{tender}/award"
    base = f"{page}/{section}"
    row = _row(section)
    # due within 3 days of the report, watched by e-supervision.
    assert clock.legal_day(row.publish_due) - clock.legal_day(row.report_final_at) >= dt.timedelta(3)
    assert _alert("publicity.window", f"section/{section}") is not None

    # A bidder of another tender, a tenderee of another organisation: refused and counted.
    make_user("aw-other-bidder", Role.BIDDER, OrganizationKind.BIDDER, "aw 其他投标单位")
    make_user("aw-other-tenderee", Role.TENDEREE, OrganizationKind.TENDEREE, "aw 其他招标人")
    login(client, "aw-other-bidder")
    assert client.get(page).status_code == 403
    _denied(client, "form", f"{base}/objections", {"text": "异议"})
    login(client, "aw-other-tenderee")
    assert client.get(page).status_code == 403
    _denied(client, "form", f"{base}/publicity", {"days": "3", "objection_method": "x",
                                                 "objection_contact": "y"})
    login(client, "aw-bidder0")  # a bidder of the section: wrong role to publish
    _denied(client, "form", f"{base}/publicity", {"days": "3", "objection_method": "x",
                                                 "objection_contact": "y"})
    _denied(client, "json", f"/api/v1/tenders/{tender}/sections/{section}/award/winner",
            {"winner": str(uuid.uuid4())}, committee.scenario.bidders[0])

    # Every other mutating route, with a wrong role: 403, counted.
    api = f"/api/v1/tenders/{tender}/sections/{section}/award"
    answer_api = f"/api/v1/tenders/{tender}/award-objections/{uuid.uuid4()}/answer"
    for url in (f"{page}/objections/{uuid.uuid4()}/answer", f"{base}/winner", f"{base}/contract"):
        _denied(client, "form", url, {})
    for url, body in ((f"{api}/publicity", {"days": 3}), (answer_api, {"answer": "x"})):
        _denied(client, "json", url, body, committee.scenario.bidders[0])
    for url, body in ((f"{api}/objections", {"text": "x"}),):
        _denied(client, "json", url, body, committee.scenario.tenderee)

    # Before the publicity: no objection.
    early = post_form(client, f"{base}/objections", {"text": "排名有误"}, form_page=page)
    assert early.status_code == 409 and "尚未公示" in early.text

    # Past the 3-day limit unpublished: the alert is red, and the late publication is
    # logged as late.
    test_clock.set_now(row.publish_due + dt.timedelta(minutes=1))
    late_alert = _alert("publicity.window", f"section/{section}")
    assert late_alert is not None and late_alert.effective_state == "red"

    # Publish: a period under 3 days is refused with the article; then published.
    tenderee = bearer(committee.scenario.tenderee)
    short_api = client.post(f"{api}/publicity", headers=tenderee, json={
        "days": 2, "objection_method": "平台提出", "objection_contact": "王工"})
    assert short_api.status_code == 400 and short_api.json()["errors"][0]["field"] == "days"
    unknown = client.post(f"{api}/publicity", headers=tenderee, json={
        "days": 3, "objection_method": "平台提出", "objection_contact": "王工", "start": "now"})
    assert unknown.status_code == 400
    login(client, "aw-tenderee")
    _denied(client, "form", f"{base}/objections", {"text": "x"})  # a tenderee cannot object
    short = post_form(client, f"{base}/publicity", {"days": "2", "objection_method": "平台提出",
                                                   "objection_contact": "王工 0353-2020888"},
                      form_page=page)
    assert short.status_code == 400 and "第五十四条" in short.text
    assert _row(section).published_at is None
    done = post_form(client, f"{base}/publicity", {"days": "3", "objection_method": "平台提出",
                                                  "objection_contact": "王工 0353-2020888"},
                     form_page=page)
    assert done.status_code == 303 and done.headers["location"].endswith("done=published"), \
        re.findall(r"role=\"alert\"[^>]*>([^<]+)", done.text)
    shown = client.get(done.headers["location"]).text
    assert "中标候选人已公示" in shown and "aw 投标单位" in shown
    row = _row(section)
    assert row.publicity_ends_at is not None and row.candidates and len(row.candidates) <= 3
    assert clock.legal_day(row.publicity_ends_at) - clock.legal_day(row.published_at) >= dt.timedelta(3)
    assert _alert("publicity.window", f"section/{section}") is None  # published: cleared
    with db.read_only() as session:
        entry = next(e for e in supervision.entries(
            session, subject=lookup.subject(tender), action_prefix="award.", limit=10)
            if e.action == "award.publicity_published")
        assert entry.body["late"] is True
    # The report is on the public record now: the room's review (复核) is refused, unchanged.
    with db.transaction() as session:
        signatures = session.scalar(select(func.count()).select_from(ReportSignature).where(
            ReportSignature.section_id == section, ReportSignature.void_at.is_(None)))
    with pytest.raises(ConflictError) as refused, db.transaction() as session:
        review.send_back(session, Actor.system("test"), uuid.uuid4(), {Role.STAFF.value},
                         tender, section, "marks", uuid.uuid4(), "复核")
    assert "中标候选人已公示" in refused.value.message("zh-CN")
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(ReportSignature).where(
            ReportSignature.section_id == section,
            ReportSignature.void_at.is_(None))) == signatures > 0
    first = row.candidates[0]
    second = row.candidates[1]

    # A bidder objects from its workspace during the publicity; the award waits.
    login(client, "aw-bidder2")
    assert f"/bidding/tenders/{tender}/award" in client.get("/bidding/my").text
    too_long = client.post(f"{api}/objections", headers=bearer(committee.scenario.bidders[2]),
                           json={"text": "长" * 2001})
    assert too_long.status_code == 400
    objected = post_form(client, f"{base}/objections", {"text": "第一名业绩证明不实"}, form_page=page)
    assert objected.status_code == 303
    assert "异议已提交" in client.get(objected.headers["location"]).text
    test_clock.set_now(row.publicity_ends_at + dt.timedelta(minutes=1))
    login(client, "aw-bidder2")  # the session of days ago has expired
    late = post_form(client, f"{base}/objections", {"text": "再提异议"}, form_page=page)
    assert late.status_code == 409 and "公示期已结束" in late.text
    login(client, "aw-tenderee")
    paused = client.post(f"/api/v1/tenders/{tender}/sections/{section}/award/winner",
                         json={"winner": first["org_id"]},
                         headers=bearer(committee.scenario.tenderee))
    assert paused.status_code == 409 and "异议未答复" in paused.text, paused.text
    state = client.get(f"/api/v1/tenders/{tender}/sections/{section}/award",
                       headers=bearer(committee.scenario.tenderee)).json()
    assert state["paused"] and len(state["candidates"]) == len(row.candidates)
    with db.read_only() as session:
        objection = session.scalar(select(ResultObjection))
        assert objection is not None  # the late and the too long ones changed nothing
        assert session.scalar(select(func.count()).select_from(ResultObjection)) == 1
    assert _alert("bidding.objection_answer", f"objection/{objection.id}") is not None
    answered = post_form(client, f"{page}/objections/{objection.id}/answer",
                         {"answer": "经核查业绩证明真实有效"}, form_page=page)
    assert answered.status_code == 303
    login(client, "aw-bidder2")
    assert "经核查业绩证明真实有效" in client.get("/bidding/my").text
    assert "经核查业绩证明真实有效" in client.get(page).text

    # The winner: a non-candidate refused; the second only with a reason; nothing changed.
    login(client, "aw-tenderee")
    stranger = post_form(client, f"{base}/winner", {"winner": str(uuid.uuid4()), "confirm": "1"},
                         form_page=page)
    assert stranger.status_code == 400 and "公示的中标候选人" in stranger.text
    no_reason = post_form(client, f"{base}/winner", {"winner": second["org_id"], "confirm": "1"},
                          form_page=page)
    assert no_reason.status_code == 400 and "须写明理由" in no_reason.text
    assert _row(section).awarded_at is None
    awarded = post_form(client, f"{base}/winner", {"winner": second["org_id"], "confirm": "1",
                                                   "reason": "排名第一的中标候选人书面放弃中标"},
                        form_page=page)
    assert awarded.status_code == 303, awarded.text
    with db.read_only() as session:
        letters = list(session.scalars(select(AwardLetter)))
        kinds = sorted(lt.kind for lt in letters)
        assert kinds == ["award_notice", "result_notice", "result_notice"]
        assert len({lt.issued_at for lt in letters}) == 1  # at the same moment
        assert all(decision.verify(lt) for lt in letters)
        tampered = letters[0]
        session.expunge(tampered)
        tampered.content = {**tampered.content, "winning_price_fen": 1}
        assert not decision.verify(tampered)
        assert session.get(Tender, tender).state == "awarded"
        facts = bidding_services.awarded(session, section)
        assert facts is not None and facts.winner.name == second["bidder"]
        assert facts.second is not None and facts.second.name == first["bidder"]
        # R-16: with the notices, the others' security is owed back; these two keep theirs.
        [refunds] = [e for e in supervision.entries(
            session, subject=f"security-section/{section}", action_prefix="security.", limit=10)
            if e.action == "security.award_refunds"]
        assert set(refunds.body["kept"]) == {second["org_id"], first["org_id"]}
    # the contract is due 30 days after the notice; yellow before, red after the limit.
    contract_alert = _alert("contract.deadline", f"contract/{section}")
    row = _row(section)
    assert contract_alert is not None and row.contract_due is not None
    assert contract_alert.due_at == row.contract_due
    assert contract_alert.yellow_at < row.contract_due
    assert clock.legal_day(row.contract_due) - clock.legal_day(row.awarded_at) >= dt.timedelta(30)
    # The winner opens its signed award notice from its workspace; another bidder cannot.
    winner_letter = next(lt for lt in letters if lt.kind == "award_notice")
    loser_letter = next(lt for lt in letters if lt.kind == "result_notice")
    winner_user = next(u for u in ("aw-bidder0", "aw-bidder1", "aw-bidder2")
                       if _org(u) == winner_letter.bidder_org_id)
    login(client, winner_user)
    shown = client.get(page).text
    assert f"/bidding/award-letters/{winner_letter.id}" in shown
    letter = client.get(f"/bidding/award-letters/{winner_letter.id}")
    assert letter.status_code == 200 and "中标通知书" in letter.text and "签名有效" in letter.text
    assert client.get(f"/bidding/award-letters/{loser_letter.id}").status_code == 403

    # The contract: filed, its notice published; OCDS has the award and the contract.
    login(client, "aw-tenderee")
    with db.read_only() as session:
        today = clock.legal_day(clock.now(session)).isoformat()
    token = csrf_token(client, page)
    filed = client.post(f"{base}/contract", data={"_csrf_token": token, "name": "道路工程施工合同",
                                                  "amount": "1000000.00", "signed_on": today,
                                                  "term": "365 日"},
                        files={"file": ("合同.pdf", b"%PDF-1.4 contract", "application/pdf")},
                        headers={"X-CSRF-Token": token}, follow_redirects=False)
    assert filed.status_code == 303, re.findall(r"role=\"alert\"[^>]*>([^<]+)", filed.text)
    assert "合同已备案" in client.get(filed.headers["location"]).text
    assert _alert("contract.deadline", f"contract/{section}") is None  # filed: cleared
    with db.read_only() as session:  # the kept security is owed back after the contract
        assert [e.action for e in supervision.entries(
            session, subject=f"security-section/{section}", action_prefix="security.",
            limit=10)].count("security.contract_refunds") == 1
    with db.read_only() as session:
        record = ocds.record_for(session, str(tender))
        package = ocds.record_package(session, [str(tender)])
    assert record is not None
    result = ocds_validate.validate(package)
    assert ocds_validate.problems(result) == {"validation_errors": [],
                                              "additional_closed_codelist_values": {},
                                              "invalid_extensions": {}, "json_deref_error": []}
    compiled = record["compiledRelease"]
    assert any(a["status"] == "active" for a in compiled["awards"])
    assert compiled["contracts"] and compiled["contracts"][0]["value"]["amount"] == 1000000
    logged = _actions(tender)
    for action in ("award.publicity_published", "award.objection_raised",
                   "award.objection_answered", "award.awarded", "award.contract_filed"):
        assert action in logged, action
    english = client.get(f"{page}?lang=en").text
    assert "Contract" in english and "award." not in english.replace("award-", "")
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(AwardLetter)) == 3
    assert re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
                     re.sub(r'(href|action|value)="[^"]*"', "", english)) is None
