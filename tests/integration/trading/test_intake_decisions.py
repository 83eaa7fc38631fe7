"""The decision on receipt (issue 12, part 3): R-01 acceptance, R-02 refusal with reasons, R-03
one-time notice of every correction within 5 working days (else accepted from receipt, by a
job), R-04 numbered, dated notices under the approval seal, verifiable by anyone with the number
and code."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import update

import trading.intake.tasks  # noqa: F401  (registers the R-03 job's handler)
from supervision import services as log
from tests.clock import beijing, set_now
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from trading import audit, clock, db, denials, job_runner, jobs
from trading.intake import completion, decisions, demo, items
from trading.intake.models import Notice
from trading.jobs import JobStatus, ScheduledJob

PDF = b"%PDF-1.7\n% material\n%%EOF\n"
APPLICANT = {"applicant_kind": "organisation", "applicant_name": "阳泉城投公司",
             "applicant_id_number": "91140300MA0HXT0011", "contact_name": "李经理",
             "contact_phone": "0353-1234567"}
# Wednesday 30 September 2026, the day before the National Day holiday (1-7 October); Saturday
# 10 October is a make-up working day.
RECEIVED = beijing(2026, 9, 30, 10)


def city_staff(username: str, department: str = "JYZX") -> str:
    """A staff account of a city department (staff work in their own region, City §30)."""
    user_id = make_user(username, "staff")
    with db.transaction() as session:
        completion.assign(session, audit.Actor.system("test"), uuid.UUID(user_id), department)
    return user_id


def setup(client) -> str:
    """The demo catalog, an applicant who applies online for JY-001; its tracking number."""
    set_now(RECEIVED)
    with db.transaction() as session:
        demo.seed(session)
    make_user("tenderee-li", "tenderee", org_name="阳泉城投公司")
    city_staff("window-wang")
    login(client, "tenderee-li")
    return apply(client)


def apply(client, item: str = "JY-001") -> str:
    """The signed-in applicant applies online for ``item`` with every required material; its
    tracking number."""
    with db.read_only() as session:
        files = [(f"material-{m.id}", (f"{m.name}.pdf", PDF, "application/pdf"))
                 for m in items.get_item(session, item).materials if m.required]
    token = csrf_token(client, f"/intake/items/{item}/apply")
    answer = client.post(f"/intake/items/{item}/apply", data={**APPLICANT, "_csrf_token": token},
                         files=files, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    found = re.search(r"(SP\d{14})", answer.headers["location"])
    assert found
    return found.group(1)


def as_user(client, username: str) -> None:
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    login(client, username)


def material_ids() -> dict[str, str]:
    with db.read_only() as session:
        return {m.name: str(m.id) for m in items.get_item(session, "JY-001").materials}


def run_receipt_job(tracking: str) -> str:
    with db.transaction() as session:
        job = jobs.get_job(session, decisions.RECEIPT_JOB, f"intake-application:{tracking}")
        assert job is not None
        session.execute(update(ScheduledJob).where(ScheduledJob.id == job.id).values(
            status=JobStatus.QUEUED.value,
            lease_until=clock.now(session) + dt.timedelta(minutes=5)))
        job_id, version = job.id, job.version
    return job_runner.execute(job_id, version).result


def logged(action: str) -> list[dict]:
    with db.read_only() as session:
        return [e.body for e in log.entries(session, action=action)]


def later(client, moment: dt.datetime, username: str) -> None:
    """Move the clock (web sessions expire meanwhile) and log in again."""
    set_now(moment)
    login(client, username)


def decide(client, tracking: str, data: dict[str, str]):
    page = f"/intake/staff/applications/{tracking}"
    return post_form(client, f"{page}/decision", data, form_page=page)


def test_r03_limit_counts_working_days_across_the_national_day_holiday(client):
    tracking = setup(client)
    as_user(client, "window-wang")
    queue = client.get("/intake/staff/applications").text
    # 5 working days after 30 Sep (not counted): 8, 9, 10 (make-up), 12, 13 October
    assert tracking in queue and "2026-10-13" in queue and "剩余5个工作日" in queue
    later(client, beijing(2026, 10, 12, 9), "window-wang")
    assert "剩余1个工作日" in client.get("/intake/staff/applications").text
    later(client, beijing(2026, 10, 13, 9), "window-wang")
    assert "今日到期" in client.get("/intake/staff/applications").text
    later(client, beijing(2026, 10, 14, 9), "window-wang")
    assert "已逾期1个工作日" in client.get(f"/intake/staff/applications/{tracking}").text
    # the limit has passed: no one-time notice or refusal any more
    late = decide(client, tracking, {"decision": "refusal", "reasons": "超出本机关职权范围"})
    assert late.status_code == 409 and "依R-03自收到申请之日起即为受理" in late.text
    assert run_receipt_job(tracking) == "ran"
    assert logged("intake.deemed_accepted") == [
        {"tracking_number": tracking, "rule": "R-03", "due_day": "2026-10-13"}]
    page = client.get(f"/intake/staff/applications/{tracking}").text
    assert "逾期未告知，自收到申请之日起视为受理（R-03）" in page
    # the acceptance notice is still issued, late, with the reason recorded
    no_reason = decide(client, tracking, {"decision": "acceptance"})
    assert no_reason.status_code == 400 and "请填写逾期原因" in no_reason.text
    accepted = decide(client, tracking, {"decision": "acceptance",
                                         "overdue_reason": "国庆假期后窗口积压"})
    assert accepted.status_code == 303
    with db.read_only() as session:
        [notice] = session.query(Notice).all()
        assert notice.content["rule"] == "R-03"
        assert notice.content["accepted_from"].startswith("2026-09-30 10:0")  # the receipt
        assert notice.content["overdue_reason"] == "国庆假期后窗口积压"


def test_one_time_notice_lists_every_correction_then_the_corrected_application_is_accepted(
        client):
    tracking = setup(client)
    as_user(client, "window-wang")
    ids = material_ids()
    approval, contract = ids["项目审批、核准或备案文件"], ids["招标代理委托合同"]
    ticks = {f"check-{ids['申请表']}": "yes",
             f"check-{ids['申请人身份证明（营业执照或身份证）']}": "yes"}
    missing_tick = decide(client, tracking, {"decision": "one_time", **ticks,
                                             f"check-{approval}": "no"})
    assert missing_tick.status_code == 400 and "“招标代理委托合同”未勾选是否符合" in missing_tick.text
    all_ok = decide(client, tracking, {"decision": "one_time", **ticks, f"check-{approval}": "yes",
                                       f"check-{contract}": "yes"})
    assert all_ok.status_code == 400 and "材料齐全请受理（R-01）" in all_ok.text
    no_text = decide(client, tracking, {"decision": "one_time", **ticks, f"check-{approval}": "no",
                                        f"check-{contract}": "yes"})
    assert no_text.status_code == 400 and "请填写“项目审批、核准或备案文件”需补正的内容" in no_text.text
    issued = decide(client, tracking, {
        "decision": "one_time", **ticks, f"check-{approval}": "no",
        f"correction-{approval}": "备案文件已过有效期，请提供有效的备案证明",
        f"check-{contract}": "no", f"correction-{contract}": "请补充代理委托合同"})
    assert issued.status_code == 303
    assert "受理决定已作出，通知书已签章。" in client.get(issued.headers["location"]).text
    number = f"GZ{tracking[2:]}-1"
    notice = client.get(f"/intake/notices/{number}").text
    assert "一次性告知通知书" in notice and "备案文件已过有效期" in notice and "请补充代理委托合同" in notice
    assert "电子签章验证通过（Ed25519）" in notice and "2026-09-30" in notice

    # the applicant reads the notice on the receipt and hands in the corrections
    as_user(client, "tenderee-li")
    receipt = client.get(f"/intake/applications/{tracking}").text
    assert "待补正（已一次性告知）" in receipt and number in receipt
    later(client, beijing(2026, 10, 9, 15), "tenderee-li")
    token = csrf_token(client, f"/intake/applications/{tracking}")
    corrected = client.post(
        f"/intake/applications/{tracking}/correct", data={"_csrf_token": token},
        files=[(f"material-{approval}", ("备案证明.pdf", PDF + b"v2", "application/pdf")),
               (f"material-{contract}", ("委托合同.pdf", PDF, "application/pdf"))],
        follow_redirects=False)
    assert corrected.status_code == 303
    receipt = client.get(corrected.headers["location"]).text
    assert "补正材料已提交" in receipt and "委托合同.pdf" in receipt
    # received anew: 5 working days after 9 October (10 make-up, 12, 13, 14, 15)
    assert "2026-10-15" in receipt

    as_user(client, "window-wang")
    accepted = decide(client, tracking, {"decision": "acceptance"})
    assert accepted.status_code == 303
    acceptance = f"SL{tracking[2:]}-2"
    code = re.search(r"code=(\d{6})", client.get(f"/intake/notices/{acceptance}").text)
    assert code
    # anyone can verify it with the number and the code, without logging in
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    verified = client.get("/intake/verify", params={"number": acceptance, "code": code.group(1)})
    assert verified.status_code == 200
    assert "受理通知书" in verified.text and "电子签章验证通过（Ed25519）" in verified.text
    assert "本机关决定予以受理" in verified.text
    wrong = client.get("/intake/verify", params={"number": acceptance, "code": "000000"
                                                 if code.group(1) != "000000" else "111111"})
    assert wrong.status_code == 404 and "本机关决定予以受理" not in wrong.text
    assert [(b["number"], b["rule"]) for b in logged("intake.notice_issued")] == [
        (number, "R-03"), (acceptance, "R-01")]
    # an altered notice no longer verifies
    with db.transaction() as session:
        row = session.query(Notice).filter_by(number=acceptance).one()
        row.content = {**row.content, "applicant": "别的公司"}
    tampered = client.get("/intake/verify", params={"number": acceptance, "code": code.group(1)})
    assert "电子签章验证失败" in tampered.text


def test_r02_refusal_needs_reasons_and_a_decided_application_is_not_decided_again(client):
    tracking = setup(client)
    as_user(client, "window-wang")
    bare = decide(client, tracking, {"decision": "refusal"})
    assert bare.status_code == 400 and "请填写不予受理的理由" in bare.text
    refused = decide(client, tracking, {"decision": "refusal",
                                        "reasons": "该项目不属于依法必须进场交易的范围"})
    assert refused.status_code == 303
    notice = client.get(f"/intake/notices/BSL{tracking[2:]}-1").text
    assert "不予受理通知书" in notice and "该项目不属于依法必须进场交易的范围" in notice
    again = decide(client, tracking, {"decision": "acceptance"})
    assert again.status_code == 409 and "该申请已作出受理决定" in again.text
    with db.read_only() as session:
        assert jobs.get_job(session, decisions.RECEIPT_JOB,
                            f"intake-application:{tracking}").status == "cancelled"


def test_decisions_and_notices_refuse_other_roles_and_organisations(client):
    tracking = setup(client)
    as_user(client, "window-wang")
    assert decide(client, tracking, {"decision": "refusal", "reasons": "不符合"}).status_code == 303
    token = csrf_token(client, "/account")
    staff_correcting = client.post(f"/intake/applications/{tracking}/correct",
                                   data={"_csrf_token": token}, files=[("x", ("a", b"a"))])
    assert staff_correcting.status_code == 403
    make_user("bidder-other", "bidder", org_name="别的公司")
    as_user(client, "bidder-other")
    token = csrf_token(client, "/account")
    attempts = [
        client.get("/intake/staff/applications"),
        client.post(f"/intake/staff/applications/{tracking}/decision",
                    data={"decision": "acceptance", "_csrf_token": token}),
        client.get(f"/intake/notices/BSL{tracking[2:]}-1"),
        client.post(f"/intake/applications/{tracking}/correct", data={"_csrf_token": token},
                    files=[("x", ("a.pdf", PDF, "application/pdf"))]),
    ]
    assert [a.status_code for a in attempts] == [403, 403, 403, 403]
    assert "不符合" not in attempts[2].text
    with db.read_only() as session:
        assert denials.total_denials(session) == 3  # role refusals; the notice is object-level


def test_r03_limit_resting_on_an_unconfirmed_year_is_marked_provisional(client):
    set_now(beijing(2026, 12, 28, 10))  # Monday; 1 January 2027 is a statutory holiday
    with db.transaction() as session:
        demo.seed(session)
    make_user("tenderee-zhou", "tenderee", org_name="周氏公司")
    city_staff("window-wu")
    login(client, "tenderee-zhou")
    with db.read_only() as session:
        files = [(f"material-{m.id}", ("m.pdf", PDF, "application/pdf"))
                 for m in items.get_item(session, "XSP-003").materials if m.required]
    token = csrf_token(client, "/intake/items/XSP-003/apply")
    answer = client.post("/intake/items/XSP-003/apply", data={**APPLICANT, "_csrf_token": token},
                         files=files, follow_redirects=False)
    assert answer.status_code == 303
    as_user(client, "window-wu")
    queue = client.get("/intake/staff/applications").text
    # 29, 30, 31 December, (1 January holiday, 2-3 weekend) 4, 5 January
    assert "2027-01-05（临时：年度节假日安排尚未确认）" in queue
    assert "剩余5个工作日" in queue
