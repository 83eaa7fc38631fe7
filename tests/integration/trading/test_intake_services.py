"""The intake's services around an application (issue 12 parts 2, 5, 6, 8): the materials
library (R-07, City §34), the kiosk, progress and the public look-up (R-08, City §35), ratings
and complaints (City §41), statistics (City §36)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from supervision import alerts
from supervision import services as log
from tests.clock import advance, beijing, set_now
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from tests.integration.trading.test_intake_decisions import city_staff
from trading import db, denials
from trading.accounts import services as accounts
from trading.accounts.models import User
from trading.audit import Actor
from trading.intake import demo, items
from trading.intake.library_models import LibraryEntry
from trading.intake.models import Application

PDF = b"%PDF-1.7\n% material one\n%%EOF\n"
APPLICANT = {"applicant_kind": "organisation", "applicant_name": "阳泉城投公司",
             "applicant_id_number": "91140300MA0HXT0011", "contact_name": "李经理",
             "contact_phone": "0353-1234567"}
# Monday 2 November 2026, 10:00 in Beijing: an ordinary working week.
START = beijing(2026, 11, 2, 10)


USERS = {"tenderee-li": ("tenderee", "阳泉城投公司"), "bidder-zhou": ("bidder", "平定建设公司"),
         "window-wang": ("staff", None), "window-zhao": ("staff", None),
         "regulator-sun": ("regulator", None)}


def seed(*others: str) -> None:
    """The demo catalog, the applicant tenderee-li and the users ``others`` (each account costs
    a password hash: only those a test needs)."""
    set_now(START)
    with db.transaction() as session:
        demo.seed(session)
    for name in ("tenderee-li", *others):
        role, org = USERS[name]
        if role == "staff":
            city_staff(name)  # of a city department: staff work in their region (City §30)
        else:
            make_user(name, role, org_name=org)


def as_user(client, username: str) -> None:
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    login(client, username)


def required() -> list[tuple[str, str]]:
    with db.read_only() as session:
        return [(str(m.id), m.name) for m in items.get_item(session, "JY-001").materials
                if m.required]


def apply(client, files: dict[str, bytes] | None = None, picks: dict[str, str] | None = None):
    token = csrf_token(client, "/intake/items/JY-001/apply")
    return client.post(
        "/intake/items/JY-001/apply",
        data={**APPLICANT, **{f"library-{k}": v for k, v in (picks or {}).items()},
              "_csrf_token": token},
        files=[(f"material-{k}", (f"{k[:8]}.pdf", content, "application/pdf"))
               for k, content in (files or {}).items()], follow_redirects=False)


def tracking_of(answer) -> str:
    assert answer.status_code == 303, answer.text
    found = re.search(r"(SP\d{14})", answer.headers["location"])
    assert found
    return found.group(1)


def applied(client) -> tuple[str, str]:
    """One application by tenderee-li (signed in) with fresh files: tracking number and code."""
    tracking = tracking_of(apply(client, {k: PDF + k.encode() for k, _ in required()}))
    code = re.search(r"查询验证码</th><td><strong>(\d{6})</strong>",
                     client.get(f"/intake/applications/{tracking}").text)
    assert code
    return tracking, code.group(1)


def count(model) -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def logged(action: str) -> list[dict]:
    with db.read_only() as session:
        return [e.body for e in log.entries(session, action=action)]


def without_clock(page: str) -> str:
    """The page without the header's server clock (it ticks between two requests)."""
    return re.sub(r'<time id="server-clock"[^>]*>[^<]*</time>', "", page)


def bearer(username: str) -> dict[str, str]:
    with db.transaction() as session:
        user = session.scalar(select(User).where(User.username == username))
        assert user is not None
        token = accounts.create_api_token(session, Actor.system("test"), user.id, "统计")
    return {"authorization": f"Bearer {token}"}


def denied() -> int:
    with db.read_only() as session:
        return denials.total_denials(session)


def library_ids() -> dict[str, str]:
    with db.read_only() as session:
        return {e.title: str(e.id) for e in session.scalars(select(LibraryEntry))}


def test_r07_library_reuses_files_on_record_and_refuses_expired_ones(client):
    seed("bidder-zhou", "window-wang")
    login(client, "tenderee-li")
    first, _ = applied(client)
    page = client.get("/intake/library").text
    materials = required()
    # what was handed in is on record, under "materials handed in", with its application
    assert "已提交材料" in page and first in page and all(name in page for _, name in materials)
    assert count(LibraryEntry) == len(materials)
    # the next application picks every required material from the library: nothing uploaded
    form = client.get("/intake/items/JY-001/apply").text
    assert "或从我的资料库选用" in form
    shelf = library_ids()
    second = tracking_of(apply(client, picks={k: shelf[name] for k, name in materials}))
    with db.read_only() as session:
        one, two = (session.scalar(select(Application).where(Application.tracking_number == t))
                    for t in (first, second))
        assert one and two
        assert sorted(f.sha256 for f in one.files) == sorted(f.sha256 for f in two.files)
    assert count(LibraryEntry) == len(materials)  # reused, not filed twice
    [_, reuse] = logged("intake.library_added")
    assert reuse["tracking_number"] == second and len(reuse["reused"]) == len(materials)
    # a licence with a validity date, filed by hand
    filed = client.post("/intake/library", data={
        "category": "licence", "title": "营业执照", "valid_until": "2026-11-30",
        "_csrf_token": csrf_token(client, "/intake/library")},
        files=[("file", ("licence.pdf", PDF + b"licence", "application/pdf"))],
        follow_redirects=False)
    assert filed.status_code == 303 and filed.headers["location"].endswith("done=added")
    assert "材料已存入资料库。" in client.get("/intake/library?done=added").text
    licence = library_ids()["营业执照"]
    set_now(beijing(2026, 12, 1, 9))  # the licence expired yesterday
    login(client, "tenderee-li")
    assert "已过期，不能使用" in client.get("/intake/library").text
    before = count(Application)
    key, name = materials[0]
    refused = apply(client, picks={key: licence, **{k: shelf[n] for k, n in materials[1:]}})
    assert refused.status_code == 409 and "已于2026年11月30日过期" in refused.text
    assert name in refused.text and count(Application) == before  # nothing registered
    # an already expired document is not filed
    stale = client.post("/intake/library", data={
        "category": "other", "title": "旧证明", "valid_until": "2026-01-31",
        "_csrf_token": csrf_token(client, "/intake/library")},
        files=[("file", ("old.pdf", PDF + b"old", "application/pdf"))], follow_redirects=False)
    assert stale.status_code == 400 and "已过有效期" in stale.text
    # another organisation can neither pick nor download the entry; staff have no library
    as_user(client, "bidder-zhou")
    other = apply(client, picks={key: shelf[name]})
    assert other.status_code == 404 and count(Application) == before
    assert client.get(f"/intake/library/{shelf[name]}/file").status_code == 404
    as_user(client, "window-wang")
    counted = denied()
    assert client.get("/intake/library").status_code == 403 and denied() == counted + 1
    # removal needs the confirmation, is logged, and says so
    as_user(client, "tenderee-li")
    path = f"/intake/library/{licence}/delete"
    unconfirmed = post_form(client, path, {}, form_page="/intake/library")
    assert unconfirmed.status_code == 400 and "确认" in unconfirmed.text
    removed = post_form(client, path, {"confirm": "1"}, form_page="/intake/library")
    assert removed.status_code == 303 and "营业执照" not in library_ids()
    assert logged("intake.library_removed")[0]["title"] == "营业执照"


def test_r08_progress_lookup_shows_no_personal_data_and_is_throttled(client):
    seed()
    login(client, "tenderee-li")
    tracking, code = applied(client)
    mine = client.get(f"/intake/applications/{tracking}/progress").text
    assert "已收件，待受理审查" in mine and "剩余5个工作日" in mine and "收件登记" in mine
    client.post("/logout", data={"_csrf_token": csrf_token(client, "/account")})
    found = client.get(f"/intake/progress?number={tracking}&code={code}")
    assert found.status_code == 200 and "公共资源交易项目进场登记" in found.text
    assert "剩余5个工作日" in found.text and "收件登记" in found.text
    for private in ("阳泉城投公司", "李经理", "0353-1234567", "91140300MA0HXT0011"):
        assert private not in found.text
    api = client.get(f"/api/v1/intake/progress?number={tracking}&code={code}")
    assert api.status_code == 200 and api.json()["working_days_left"] == 5
    assert api.json()["state_label"] == "已收件，待受理审查"
    assert "阳泉城投公司" not in api.text
    # a wrong code is answered exactly like an unknown number
    wrong = client.get(f"/intake/progress?number={tracking}&code=000000")
    unknown = client.get("/intake/progress?number=SP20261102999999&code=000000")
    assert wrong.status_code == unknown.status_code == 404
    assert without_clock(wrong.text.replace(tracking, "N")) == without_clock(
        unknown.text.replace("SP20261102999999", "N"))
    wrong_api = client.get(f"/api/v1/intake/progress?number={tracking}&code=000000")
    unknown_api = client.get("/api/v1/intake/progress?number=SP20261102999999&code=000000")
    assert wrong_api.status_code == unknown_api.status_code == 404
    assert wrong_api.json() == unknown_api.json()
    # 10 misses from one address in 15 minutes: look-ups and verifications are refused, counted
    for _ in range(6):
        assert client.get(f"/intake/verify?number=SL{tracking}01&code=000000").status_code == 404
    counted = denied()
    throttled = client.get(f"/intake/progress?number={tracking}&code={code}")
    assert throttled.status_code == 429 and "查询失败次数过多" in throttled.text
    assert client.get(f"/intake/verify?number=SL{tracking}01&code={code}").status_code == 429
    assert denied() == counted + 2
    advance(dt.timedelta(minutes=16))
    assert client.get(f"/intake/progress?number={tracking}&code={code}").status_code == 200


def test_article41_rating_once_after_the_decision_and_bad_ones_followed_up(client):
    seed("bidder-zhou", "window-wang")
    login(client, "tenderee-li")
    tracking, _ = applied(client)
    progress = f"/intake/applications/{tracking}/progress"
    rate = f"/intake/applications/{tracking}/rating"
    early = post_form(client, rate, {"level": "satisfied"}, form_page=progress)
    assert early.status_code == 409 and "尚未办结" in early.text
    as_user(client, "window-wang")
    review = f"/intake/staff/applications/{tracking}"
    assert post_form(client, f"{review}/decision", {"decision": "acceptance"},
                     form_page=review).status_code == 303
    counted = denied()
    assert post_form(client, rate, {"level": "satisfied"}, form_page=progress).status_code == 403
    as_user(client, "bidder-zhou")  # another organisation
    assert post_form(client, rate, {"level": "satisfied"},
                     form_page="/intake/mine").status_code == 403
    assert denied() == counted + 2
    as_user(client, "tenderee-li")
    page = client.get(progress).text
    assert all(level in page for level in ("非常满意", "满意", "基本满意", "不满意", "非常不满意"))
    silent = post_form(client, rate, {"level": "very_dissatisfied"}, form_page=progress)
    assert silent.status_code == 400 and "请写明原因" in silent.text
    bad = post_form(client, rate, {"level": "very_dissatisfied", "comment": "窗口排队太久"},
                    form_page=progress)
    assert bad.status_code == 303 and bad.headers["location"].endswith("done=rated")
    assert "评价已提交，谢谢！" in client.get(bad.headers["location"]).text
    twice = post_form(client, rate, {"level": "satisfied"}, form_page=progress)
    assert twice.status_code == 409 and "只能评价一次" in twice.text
    # 3 working days to follow up: Thursday 5 November; an alert watches it
    assert logged("intake.rated") == [{"tracking_number": tracking, "level": "very_dissatisfied",
                                       "follow_up_due_day": "2026-11-05"}]
    subject = f"intake-rating:{tracking}"
    with db.read_only() as session:
        assert [a.subject for a in alerts.list_alerts(session)
                if a.kind == "intake.rating_follow_up"] == [subject]
    as_user(client, "window-wang")
    listed = client.get("/intake/staff/ratings").text
    assert tracking in listed and "非常不满意" in listed and "剩余3个工作日" in listed
    done = post_form(client, f"{review}/follow-up", {"note": "已电话回访，增开窗口"},
                     form_page=progress)
    assert done.status_code == 303
    assert "已电话回访，增开窗口" in client.get(progress).text
    with db.read_only() as session:
        assert not [a for a in alerts.list_alerts(session) if a.subject == subject]
    assert logged("intake.rating_followed_up") == [{"tracking_number": tracking,
                                                    "overdue": False}]


def test_article41_complaints_assigned_answered_in_time_and_seen_by_regulators(client):
    seed("bidder-zhou", "window-wang", "window-zhao", "regulator-sun")
    login(client, "tenderee-li")
    tracking, _ = applied(client)
    new = "/intake/complaints/new"
    empty = post_form(client, "/intake/complaints", {"subject": "", "content": "x"},
                      form_page=new)
    assert empty.status_code == 400 and "请填写投诉事由" in empty.text
    filed = post_form(client, "/intake/complaints", {
        "tracking_number": tracking, "subject": "窗口态度", "content": "工作人员未一次性告知"},
        form_page=new)
    assert filed.status_code == 303 and filed.headers["location"].endswith("done=filed")
    path = filed.headers["location"].split("?")[0]
    number = path.rsplit("/", 1)[1]
    page = client.get(filed.headers["location"]).text
    # answered within 10 working days: Monday 16 November
    assert "投诉已登记" in page and "2026-11-16" in page and "已登记，待分派" in page
    as_user(client, "bidder-zhou")  # another organisation: neither its complaint nor its file
    counted = denied()
    assert client.get(path).status_code == 403
    about_other = post_form(client, "/intake/complaints", {
        "tracking_number": tracking, "subject": "x", "content": "y"}, form_page=new)
    assert about_other.status_code == 403
    # an applicant or a regulator does not answer a complaint
    answer = f"{path}/answer"
    assert post_form(client, answer, {"answer": "好的"},
                     form_page="/intake/complaints").status_code == 403
    as_user(client, "regulator-sun")
    assert number in client.get("/intake/complaints").text  # regulators see every complaint
    assert post_form(client, answer, {"answer": "好的"}, form_page=path).status_code == 403
    assert denied() == counted + 4
    as_user(client, "window-wang")
    assigned = post_form(client, f"{path}/assign", {"assignee": "window-zhao"}, form_page=path)
    assert assigned.status_code == 303 and "已分派，办理中" in client.get(path).text
    other_staff = post_form(client, answer, {"answer": "已处理"}, form_page=path)
    assert other_staff.status_code == 403  # assigned to a colleague
    as_user(client, "window-zhao")
    answered = post_form(client, answer, {"answer": "已约谈窗口人员并整改"}, form_page=path)
    assert answered.status_code == 303 and "已约谈窗口人员并整改" in client.get(path).text
    again = post_form(client, answer, {"answer": "再答"}, form_page="/intake/complaints")
    assert again.status_code == 409
    assert logged("intake.complaint_answered") == [{"number": number, "overdue": False}]
    with db.read_only() as session:
        assert not [a for a in alerts.list_alerts(session) if a.kind == "intake.complaint_answer"]


def test_article36_statistics_by_item_department_and_state_with_csv(client):
    seed("window-wang", "regulator-sun")
    login(client, "tenderee-li")
    first, _ = applied(client)
    applied(client)
    as_user(client, "window-wang")
    review = f"/intake/staff/applications/{first}"
    set_now(beijing(2026, 11, 4, 9))  # decided on the 2nd working day after receipt
    login(client, "window-wang")
    assert post_form(client, f"{review}/decision", {"decision": "acceptance"},
                     form_page=review).status_code == 303
    page = client.get("/intake/stats").text
    assert "公共资源交易项目进场登记" in page and "<svg" in page
    assert "已受理" in page and "已收件，待受理审查" in page and "received" not in page
    stats = client.get("/api/v1/intake/statistics", headers=bearer("window-wang")).json()
    assert stats["total"] == 2 and stats["decided"] == 1 and stats["average_days"] == 2
    assert {c["key"]: c["count"] for c in stats["by_state"]} == {"accepted": 1, "received": 1}
    csv = client.get("/intake/stats.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "状态,,已受理,1" in csv.text and "申请总数" in csv.text
    as_user(client, "regulator-sun")
    assert client.get("/intake/stats").status_code == 200
    as_user(client, "tenderee-li")
    counted = denied()
    assert client.get("/api/v1/intake/statistics",
                      headers=bearer("tenderee-li")).status_code == 403
    assert client.get("/intake/stats").status_code == 403
    assert client.get("/intake/stats.csv").status_code == 403 and denied() == counted + 3


def test_kiosk_hides_menus_and_cuts_the_session_short(client):
    seed()
    login(client, "tenderee-li")
    kiosk = client.get("/intake/kiosk")
    assert kiosk.status_code == 200 and "ggzy_kiosk=1" in kiosk.headers["set-cookie"]
    page = kiosk.text
    assert 'class="kiosk"' in page and "/static/intake-kiosk.js" in page
    assert "<script>" not in page and "在自助终端登录最长保持10分钟" in page
    assert logged("intake.kiosk_session")
    assert client.get("/intake/mine").status_code == 200
    advance(dt.timedelta(minutes=11))  # the server ends the kiosk session
    assert client.get("/intake/mine", follow_redirects=False).status_code in (302, 303, 401)
    exited = post_form(client, "/intake/kiosk/exit", {}, form_page="/intake/kiosk")
    assert exited.status_code == 303
    assert 'class="kiosk"' not in client.get("/intake").text
