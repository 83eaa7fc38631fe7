"""Time-limited completion (issue 12, part 4): R-05 the promised limit in working days with one
extension of at most 10 approved by the department's responsible person, R-06 excluded periods
that pause the clock and are told in writing, parallel approval by every participating
department (City §26), and the sealed result verifiable at the public URL (R-04)."""

from __future__ import annotations

import re

from supervision import alerts
from tests.clock import beijing, set_now
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from tests.integration.trading.test_intake_decisions import apply, as_user, later, logged
from tests.integration.trading.test_intake_english import RAW_KEY
from trading import audit, clock, db, denials
from trading.accounts import services as accounts
from trading.accounts.models import User
from trading.intake import completion, demo
from trading.intake.library_models import LibraryEntry
from trading.intake.models import Application, Notice

ITEM = "FGW-001"  # promised 15 working days; expert review and hearing; ZRZY and ZJJ take part
APPLICANT = {"applicant_kind": "organisation", "applicant_name": "阳泉城投公司",
             "applicant_id_number": "91140300MA0HXT0011", "contact_name": "李经理",
             "contact_phone": "0353-1234567"}


def staff(username: str, department: str, head: bool = False) -> None:
    user_id = make_user(username, "staff")
    with db.transaction() as session:
        import uuid

        completion.assign(session, audit.Actor.system("test"), uuid.UUID(user_id), department,
                          head)


def accepted(client, moment) -> str:
    """An online application for FGW-001, accepted by the window at ``moment``."""
    set_now(moment)
    with db.transaction() as session:
        demo.seed(session)
    make_user("tenderee-li", "tenderee", org_name="阳泉城投公司")
    staff("window-wang", "FGW")
    login(client, "tenderee-li")
    tracking = apply(client, ITEM)
    as_user(client, "window-wang")
    page = f"/intake/staff/applications/{tracking}"
    assert post_form(client, f"{page}/decision", {"decision": "acceptance"},
                     form_page=page).status_code == 303
    return tracking


def act(client, tracking: str, path: str, data: dict[str, str]):
    page = f"/intake/staff/applications/{tracking}"
    return post_form(client, f"{page}/{path}", data, form_page=page)


def bearer(username: str) -> dict[str, str]:
    with db.transaction() as session:
        user = session.query(User).filter_by(username=username).one()
        token = accounts.create_api_token(session, audit.Actor.system("test"), user.id, "t")
    return {"Authorization": f"Bearer {token}"}


def progress(client, tracking: str, username: str = "window-wang") -> dict:
    answer = client.get(f"/api/v1/intake/applications/{tracking}/progress",
                        headers=bearer(username))
    assert answer.status_code == 200, answer.text
    return answer.json()


def completion_alert(tracking: str) -> tuple[str, str] | None:
    """The live e-supervision alert on the completion limit: (state now, due day)."""
    with db.read_only() as session:
        found = [a for a in alerts.list_alerts(session) if a.kind == completion.ALERT_KIND
                 and a.subject == f"intake-application:{tracking}"]
        return (found[0].effective_state, str(clock.legal_day(found[0].due_at))) if found \
            else None


def test_r05_r06_remaining_working_days_across_the_holiday_and_a_paused_period(client):
    # Accepted Wednesday 30 September 2026; 1-7 October is the National Day holiday and
    # Saturday 10 October a make-up working day: the 15 working days end on 27 October.
    tracking = accepted(client, beijing(2026, 9, 30, 10))
    state = progress(client, tracking)
    assert (state["due_day"], state["remaining_working_days"]) == ("2026-10-27", 15)
    assert [t["department"] for t in state["tasks"]] == ["ZJJ", "ZRZY"]
    assert tracking in client.get("/intake/staff/tasks").text  # in progress for FGW's item
    later(client, beijing(2026, 10, 12, 9), "window-wang")  # 8, 9, 10 and 12 October used
    assert progress(client, tracking)["remaining_working_days"] == 11
    # a kind the item does not allow, and ending a period never started, are refused
    auction = act(client, tracking, "periods", {"kind": "auction", "reason": "拍卖"})
    assert auction.status_code == 400 and "该事项不适用此类不计入时限的程序" in auction.text
    never = act(client, tracking, "periods/end", {"reason": "结束"})
    assert never.status_code == 409 and "没有正在进行的暂停计时程序" in never.text
    started = act(client, tracking, "periods", {"kind": "expert_review",
                                                "reason": "组织专家评审项目申请报告"})
    assert started.status_code == 303
    page = client.get(started.headers["location"]).text
    assert "特别程序已开始，办理时限暂停计算，已书面告知申请人。" in page
    # the start day is not counted either: 12 October is given back
    assert "暂停计时中" in page and "剩余12个工作日" in page
    assert completion_alert(tracking) is None  # no due day while paused
    second = act(client, tracking, "periods", {"kind": "hearing", "reason": "听证"})
    assert second.status_code == 409 and "已有未结束的暂停计时程序" in second.text
    # both languages: no message key shows through on the pages with the completion
    for lang in ("en", "zh-CN"):
        client.get(f"/lang/{lang}?next=/")
        for path in (f"/intake/staff/applications/{tracking}", "/intake/staff/tasks",
                     f"/intake/notices/ZT{tracking[2:]}-2"):
            answer = client.get(path)
            assert answer.status_code == 200 and not RAW_KEY.search(answer.text), path
    later(client, beijing(2026, 10, 14, 16), "window-wang")
    state = progress(client, tracking)
    assert state["paused"] and state["due_day"] is None and state["remaining_working_days"] == 12
    assert act(client, tracking, "periods/end", {"reason": "专家评审意见已出具"}).status_code == 303
    # 12, 13 and 14 October are not counted: 12 days from the 15th end on 30 October
    later(client, beijing(2026, 10, 15, 9), "window-wang")
    state = progress(client, tracking)
    assert (state["due_day"], state["remaining_working_days"]) == ("2026-10-30", 11)
    assert state["periods"] == [{"kind": "expert_review", "started_day": "2026-10-12",
                                 "ended_day": "2026-10-14"}]
    assert completion_alert(tracking) == ("watching", "2026-10-30")
    later(client, beijing(2026, 10, 30, 9), "window-wang")
    assert "今日到期" in client.get(f"/intake/staff/applications/{tracking}").text
    assert completion_alert(tracking) == ("yellow", "2026-10-30")
    later(client, beijing(2026, 11, 3, 9), "window-wang")
    assert progress(client, tracking)["remaining_working_days"] == -2
    assert completion_alert(tracking) == ("red", "2026-10-30")
    # the applicant was told in writing, twice, under the seal, and sees the days left
    as_user(client, "tenderee-li")
    receipt = client.get(f"/intake/applications/{tracking}").text
    assert "暂停计时告知书" in receipt and "恢复计时告知书" in receipt
    assert "已逾期2个工作日" in receipt and "专家评审" in receipt
    notice = client.get(f"/intake/notices/ZT{tracking[2:]}-2").text
    assert "第四十五条" in notice and "电子签章验证通过（Ed25519）" in notice
    assert "2026-10-12" in notice
    assert [b["kind"] for b in logged("intake.period_started")] == ["expert_review"]
    assert [b["rule"] for b in logged("intake.period_ended")] == ["R-06"]
    # other roles may not touch the completion, nor read another's progress
    make_user("bidder-other", "bidder", org_name="别的公司")
    as_user(client, "bidder-other")
    token = csrf_token(client, "/account")
    base = f"/intake/staff/applications/{tracking}"
    attempts = [client.post(f"{base}/{path}", data={**data, "_csrf_token": token})
                for path, data in (("periods", {"kind": "hearing", "reason": "x"}),
                                   ("periods/end", {"reason": "x"}),
                                   ("extension", {"days": "1", "reason": "x"}),
                                   ("extension/decision", {"approve": "yes"}),
                                   ("tasks", {"department": "ZJJ", "decision": "approve"}))]
    attempts.append(client.get("/intake/staff/tasks"))
    attempts.append(client.get(f"/api/v1/intake/applications/{tracking}/progress",
                               headers=bearer("bidder-other")))
    assert [a.status_code for a in attempts] == [403] * 7
    with db.read_only() as session:
        assert denials.total_denials(session) == 6  # the role refusals (the API's is object-level)


def test_r05_one_extension_approved_by_the_head_then_parallel_decisions_and_the_result(client):
    tracking = accepted(client, beijing(2026, 9, 30, 10))
    staff("fgw-head", "FGW", head=True)
    staff("zr-zhao", "ZRZY")
    staff("zj-zhou", "ZJJ")
    too_long = act(client, tracking, "extension", {"days": "11", "reason": "情况复杂"})
    assert too_long.status_code == 400
    huge = act(client, tracking, "extension", {"days": str(2**64), "reason": "x"})
    bogus = act(client, tracking, "periods", {"kind": "bogus", "reason": "x"})
    assert (huge.status_code, bogus.status_code) == (400, 400)
    assert act(client, tracking, "extension", {"days": "5", "reason": "需征求多部门意见"}
               ).status_code == 303
    # the requester is not the responsible person; the head approves
    assert act(client, tracking, "extension/decision", {"approve": "yes"}).status_code == 403
    as_user(client, "fgw-head")
    assert act(client, tracking, "extension/decision", {"approve": "yes"}).status_code == 303
    state = progress(client, tracking)
    assert (state["due_day"], state["extension_days"]) == ("2026-11-03", 5)  # 27 Oct + 5
    again = act(client, tracking, "extension", {"days": "1", "reason": "再次延期"})
    assert again.status_code == 409 and "只能延长一次" in again.text
    assert logged("intake.extension_decided")[0]["approved"] is True
    # a department not on the item may not decide; staff act only for their own department
    not_on_item = act(client, tracking, "tasks", {"department": "FGW", "decision": "approve"})
    assert not_on_item.status_code == 400 and "该部门不参与本事项的审批" in not_on_item.text
    assert act(client, tracking, "tasks", {"department": "ZJJ", "decision": "approve"}
               ).status_code == 403
    as_user(client, "zr-zhao")
    assert tracking in client.get("/intake/staff/tasks").text
    assert act(client, tracking, "tasks", {"department": "ZRZY", "decision": "approve",
                                           "reasons": "用地预审通过"}).status_code == 303
    assert tracking not in client.get("/intake/staff/tasks").text
    # after the limit a decision needs the overdue reason; a refusal needs reasons
    later(client, beijing(2026, 11, 4, 9), "zj-zhou")
    bare = act(client, tracking, "tasks", {"department": "ZJJ", "decision": "refuse",
                                           "reasons": "选址与控规不符"})
    assert bare.status_code == 400 and "请填写逾期原因" in bare.text
    no_reason = act(client, tracking, "tasks", {"department": "ZJJ", "decision": "refuse",
                                                "overdue_reason": "等待规划复核"})
    assert no_reason.status_code == 400 and "请填写不同意的理由" in no_reason.text
    assert act(client, tracking, "tasks", {"department": "ZJJ", "decision": "refuse",
                                           "reasons": "选址与控规不符",
                                           "overdue_reason": "等待规划复核"}).status_code == 303
    number = f"BXK{tracking[2:]}-3"
    with db.read_only() as session:
        application = session.query(Application).filter_by(tracking_number=tracking).one()
        assert application.status == "not_approved"
        result = session.query(Notice).filter_by(number=number).one()
        assert result.content["decisions"][0]["overdue_reason"] == "等待规划复核"
    [completed] = logged("intake.completed")
    assert completed["result"] == "not_approved"
    # an organisation's result is public: published to disclosure as an intake result
    public = client.get(completed["published"])
    assert public.status_code == 200 and "不予行政许可决定书" in public.text and number in public.text
    # the applicant sees the sealed refusal, which anyone verifies with number and code
    as_user(client, "tenderee-li")
    receipt = client.get(f"/intake/applications/{tracking}").text
    assert "已办结：不予许可" in receipt and number in receipt
    code = re.search(r"code=(\d{6})", client.get(f"/intake/notices/{number}").text)
    assert code
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    verified = client.get("/intake/verify", params={"number": number, "code": code.group(1)})
    assert verified.status_code == 200 and "不予行政许可决定书" in verified.text
    assert "选址与控规不符" in verified.text and "电子签章验证通过（Ed25519）" in verified.text
    # completed: nothing more is decided
    login(client, "fgw-head")
    late = act(client, tracking, "periods", {"kind": "hearing", "reason": "听证"})
    assert late.status_code == 409 and "该申请已办结" in late.text


def test_the_administrator_ties_staff_to_departments(client):
    set_now(beijing(2026, 9, 30, 10))
    with db.transaction() as session:
        demo.seed(session)
    make_user("admin-an", "admin")
    make_user("zr-zhao", "staff")
    make_user("tenderee-li", "tenderee", org_name="阳泉城投公司")
    login(client, "admin-an")
    page = "/intake/manage/staff"
    unknown = post_form(client, page, {"username": "tenderee-li", "department": "ZRZY"})
    assert unknown.status_code == 400 and "请选择一个工作人员账号" in unknown.text
    assigned = post_form(client, page, {"username": "zr-zhao", "department": "ZRZY", "head": "1"})
    assert assigned.status_code == 303
    shown = client.get(assigned.headers["location"]).text
    assert "人员已分配到部门。" in shown and "zr-zhao 用户" in shown and "自然资源和规划局" in shown
    remove = {"username": "zr-zhao", "department": "ZRZY"}
    unconfirmed = post_form(client, f"{page}/remove", remove, form_page=page)
    assert unconfirmed.status_code == 400 and "请勾选确认后再移除" in unconfirmed.text
    assert post_form(client, f"{page}/remove", {**remove, "confirm": "1"},
                     form_page=page).status_code == 303
    assert [(b["department"], b["head"]) for b in logged("intake.staff_assigned")] == [
        ("ZRZY", True)]
    assert len(logged("intake.staff_unassigned")) == 1
    as_user(client, "zr-zhao")
    token = csrf_token(client, "/account")
    refused = [client.get(page), client.post(page, data={
        "username": "zr-zhao", "department": "ZRZY", "head": "1", "_csrf_token": token})]
    assert [a.status_code for a in refused] == [403, 403]
    with db.read_only() as session:
        assert denials.total_denials(session) == 2


def test_r07_the_licence_issued_goes_into_the_applicants_library(client):
    """Every department approves: the sealed 准予行政许可决定书 is on record in the applicant's
    materials library for its next application (a refusal, above, puts nothing there)."""
    tracking = accepted(client, beijing(2026, 9, 30, 10))
    staff("zr-zhao", "ZRZY")
    staff("zj-zhou", "ZJJ")
    for user, department in (("zr-zhao", "ZRZY"), ("zj-zhou", "ZJJ")):
        as_user(client, user)
        assert act(client, tracking, "tasks", {"department": department, "decision": "approve",
                                               "reasons": "符合条件"}).status_code == 303
    with db.read_only() as session:
        application = session.query(Application).filter_by(tracking_number=tracking).one()
        assert application.status == "approved"
        [entry] = session.query(LibraryEntry).filter_by(source_tracking=tracking,
                                                        category="licence").all()
        assert entry.owner_org_id == application.applicant_org_id
    assert entry.title.startswith("准予行政许可决定书") and f"XK{tracking[2:]}" in entry.title
    as_user(client, "tenderee-li")
    assert "准予行政许可决定书" in client.get("/intake/library").text
