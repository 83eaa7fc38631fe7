"""An admin enters a year's holiday arrangement (R-00c) over HTTP, and from the command line.

The 2027 arrangement used here is CONSTRUCTED FOR THE TESTS, not the State Council's: the
statutory holidays come from ``calendar.statutory_holidays(2027)`` (what the law fixes), and
the extra rest days and make-up Saturdays/Sundays are made up.
"""

from __future__ import annotations

import datetime as dt
import html
import re

import holidays
import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from supervision import services as log
from tests.integration.trading.conftest import csrf_token, login, make_user, post_form
from trading import calendar, calendar_years, db, denials
from trading.audit import Actor
from trading.calendar_years import CalendarDependency, Period

D = dt.date.fromisoformat
YEAR = 2027
BASIS = "国办发明电〔2026〕99号（测试用，虚构）"
#: Made-up additions to the statutory holidays: a longer Spring Festival and National Day.
EXTRA_HOLIDAYS = "2027-02-11 春节\n2027-10-06~2027-10-07 国庆节"
#: Made-up make-up working days (a Saturday, a Sunday, a Saturday).
WORKDAYS = "2027-02-20 春节调休\n2027-09-26 国庆节调休\n2027-10-09 国庆节调休"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
HIDDEN = re.compile(r'<input type="hidden" name="(year|basis|holidays|workdays)" value="([^"]*)">')


def statutory_lines(year: int = YEAR, leave_out: frozenset[dt.date] = frozenset()) -> str:
    """The statutory holidays the law fixes, one line each, named in Chinese."""
    names = holidays.country_holidays("CN", years=year, language="zh_CN")
    return "\n".join(f"{day.isoformat()} {names[day]}"
                     for day in calendar.statutory_holidays(year) if day not in leave_out)


def entry(**changes: str) -> dict[str, str]:
    form = {"year": str(YEAR), "basis": BASIS,
            "holidays": f"{statutory_lines()}\n{EXTRA_HOLIDAYS}", "workdays": WORKDAYS}
    return {**form, **changes}


def csv_file() -> bytes:
    lines = ["date,kind,name", "# constructed test data, not the State Council's arrangement"]
    lines += [f"{line[:10]},休,{line[11:]}" for line in statutory_lines().splitlines()]
    lines += ["2027-02-11,holiday,春节", "2027-10-06~2027-10-07,rest,国庆节",
              "2027-02-20,班,春节调休", "2027-09-26,workday,国庆节调休", "2027-10-09,work,国庆节调休"]
    return "\n".join(lines).encode()


def hidden_fields(page: str) -> dict[str, str | list[str]]:
    found: dict[str, list[str]] = {}
    for name, value in HIDDEN.findall(page):
        found.setdefault(name, []).append(html.unescape(value))
    return {name: values[0] if name in ("year", "basis") else values
            for name, values in found.items()}


def admin_client(client) -> None:
    make_user("cal-admin", "admin")
    login(client, "cal-admin")


def watch_two_deadlines() -> None:
    """Two open deadlines computed on provisional 2027: one the entry breaks, one it keeps."""
    with db.transaction() as session:
        # Tue 2027-09-28 + 5 working days, provisionally: 09-29, 09-30, (10-01..10-05 off),
        # 10-06, 10-07, 10-08. With the constructed arrangement 10-06/07 are off and Sat 10-09
        # works: 09-29, 09-30, 10-08, 10-09, 10-11.
        period = Period("R-10", D("2027-09-28"), 5, working_days=True)
        computed = calendar_years.period_end(session, period)
        assert computed.end == D("2027-10-08") and computed.provisional_years == {YEAR}
        calendar_years.rely_on(session, "bidding/tender/demo-1", period, computed, computed.end,
                               "示范项目招标文件发售期", "Demo tender: document sale period", "staff")
        # 20 calendar days after Mon 03-01 end Sun 03-21: rolls to Mon 03-22 either way.
        period = Period("R-35", D("2027-03-01"), 20)
        computed = calendar_years.period_end(session, period)
        calendar_years.rely_on(session, "bidding/tender/demo-2", period, computed, computed.end,
                               "示范项目投标截止", "Demo tender: bid deadline", "staff")


def assert_nothing_saved() -> None:
    with db.read_only() as session:
        assert calendar.entered_year(session, YEAR) is None
        assert calendar.entered_days(session, YEAR) == []
        assert log.entries(session, action="calendar.year_entered") == []


def preview(client, data: dict[str, str]):
    return post_form(client, "/admin/calendar/preview", data, form_page="/admin/calendar")


# --------------------------------------------------------------------------------------------
# The admin's flow


def test_preview_shows_the_days_and_the_forecast_and_saves_nothing(client) -> None:
    admin_client(client)
    watch_two_deadlines()
    page = client.get(f"/admin/calendar?year={YEAR}")
    assert page.status_code == 200
    assert "临时（仅法定节假日，无调休；相关期限标注为临时）" in page.text
    assert "2027-02-05（周五）" in page.text and "元旦" in page.text  # the statutory holidays
    assert 'action="/admin/calendar/preview"' in page.text and 'for="c-holidays"' in page.text

    shown = preview(client, entry())
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "预览：2027 年节假日安排" in text and BASIS in text
    assert "2027-10-06（周三） 至 2027-10-07（周四） 国庆节" in text
    assert "2027-02-20（周六） 春节调休" in text and "2027-09-26（周日） 国庆节调休" in text
    rest = len(calendar.statutory_holidays(YEAR)) + 3
    assert f"休息日（节假日）{rest} 天，调休上班日 3 天" in text
    assert "保存后将重新核对 2 个期限，其中 1 个将不满足法定最短期限" in text
    assert "示范项目招标文件发售期" in text and "R-10：自 2027-09-28（周二） 起至少 5 个工作日" in text
    assert "2027-10-08（周五）" in text and "2027-10-11（周一）" in text
    assert "R-35：自 2027-03-01（周一） 起至少 20 日" in text
    assert not UUID.search(text) and "bidding/tender/demo" not in text
    assert_nothing_saved()
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(CalendarDependency).where(
            CalendarDependency.outcome.is_(None))) == 2


def test_confirming_saves_the_year_logs_it_once_and_rechecks_the_deadlines(client) -> None:
    admin_client(client)
    watch_two_deadlines()
    shown = preview(client, entry())
    fields = hidden_fields(shown.text)
    assert fields["year"] == "2027" and fields["basis"] == BASIS
    assert "2027-10-06~2027-10-07 国庆节" in fields["workdays"] + fields["holidays"]

    saved = post_form(client, "/admin/calendar/years", fields, form_page="/admin/calendar")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/admin/calendar?year=2027&saved=true&rechecked=2&broken=1"
    page = client.get(saved.headers["location"])
    assert "已确认（国务院办公厅通知，由管理员录入）" in page.text and BASIS in page.text
    assert "cal-admin 用户（cal-admin）" in page.text  # who entered it, by name
    assert "重新核对了 2 个按临时日历计算的期限，其中 1 个不满足法定最短期限" in page.text
    assert "已对不满足的期限发出红色预警" in page.text
    assert 'action="/admin/calendar/preview"' not in page.text  # a confirmed year has no form
    assert not UUID.search(page.text)

    with db.read_only() as session:
        entered = calendar.entered_year(session, YEAR)
        assert entered is not None and entered.basis == BASIS
        days = {d.day: d.is_working_day for d in calendar.entered_days(session, YEAR)}
        assert days[D("2027-10-07")] is False and days[D("2027-10-09")] is True
        assert calendar.year_source(session, YEAR) == calendar.YearSource.ADMIN
        assert calendar.add_working_days(session, D("2027-09-28"), 5) == D("2027-10-11")
        [logged] = log.entries(session, action="calendar.year_entered")
        assert logged.actor.role == "admin" and logged.subject == "calendar/2027"
        assert logged.body["rechecked"] == 2 and logged.body["broken"] == 1
        assert "2027-10-09" in logged.body["workdays"]
        [broke] = log.entries(session, action="calendar.period_broken")
        assert broke.subject == "bidding/tender/demo-1" and broke.body["required_end"] == "2027-10-11"
        red = [a for a in log.list_alerts(session) if a.subject == "bidding/tender/demo-1"]
        assert [a.effective_state for a in red] == ["red"]
        outcomes = dict(session.execute(select(CalendarDependency.subject,
                                               CalendarDependency.outcome)).all())
        assert outcomes == {"bidding/tender/demo-1": "broken", "bidding/tender/demo-2": "kept"}

    again = post_form(client, "/admin/calendar/years", fields, form_page="/admin/calendar")
    assert again.status_code == 409 and "2027 年的安排已录入，不能重复录入" in again.text
    with db.read_only() as session:
        assert len(log.entries(session, action="calendar.year_entered")) == 1


def test_an_uploaded_file_is_previewed_and_saved_like_the_form(client) -> None:
    admin_client(client)
    token = csrf_token(client, "/admin/calendar")
    shown = client.post("/admin/calendar/preview",
                        data={"year": "2027", "basis": BASIS, "holidays": "", "workdays": "",
                              "_csrf_token": token},
                        files={"file": ("2027.csv", csv_file(), "text/csv")})
    assert shown.status_code == 200, shown.text
    assert "2027-10-09（周六） 国庆节调休" in shown.text
    assert "没有按本年临时日历计算且尚未结束的期限" in shown.text
    assert_nothing_saved()
    saved = post_form(client, "/admin/calendar/years", hidden_fields(shown.text),
                      form_page="/admin/calendar")
    assert saved.status_code == 303
    with db.read_only() as session:
        assert len(calendar.entered_days(session, YEAR)) == len(calendar.statutory_holidays(YEAR)) + 6


def test_an_empty_file_field_means_the_typed_days(client) -> None:
    """What a browser sends when no file is chosen: an empty part with an empty file name."""
    admin_client(client)
    token = csrf_token(client, "/admin/calendar")
    shown = client.post("/admin/calendar/preview", data={**entry(), "_csrf_token": token},
                        files={"file": ("", b"", "application/octet-stream")})
    assert shown.status_code == 200, shown.text
    assert "2027-02-20（周六） 春节调休" in shown.text
    english = client.post("/admin/calendar/preview?lang=en", data={**entry(), "_csrf_token": token})
    assert english.status_code == 200
    assert "Preview: the 2027 arrangement" in english.text and "2027-02-20 (Sat) 春节调休" in english.text
    assert_nothing_saved()


def test_a_file_and_typed_days_together_are_refused(client) -> None:
    admin_client(client)
    token = csrf_token(client, "/admin/calendar")
    both = client.post("/admin/calendar/preview", data={**entry(), "_csrf_token": token},
                       files={"file": ("2027.csv", csv_file(), "text/csv")})
    assert both.status_code == 400 and "请只用一种方式录入" in both.text
    bad = client.post("/admin/calendar/preview",
                      data={"year": "2027", "basis": BASIS, "_csrf_token": token},
                      files={"file": ("2027.csv", b"2027-01-01,vacation", "text/csv")})
    assert bad.status_code == 400 and "文件第 1 行：未知类型“vacation”" in bad.text
    assert_nothing_saved()


def enter_2027_directly() -> None:
    with db.transaction() as session:
        calendar_years.enter_year(session, Actor.system("test"), calendar_years.Arrangement(
            YEAR, {day: None for day in calendar.statutory_holidays(YEAR)}, {}, "先录入的依据"))


REFUSALS = [
    pytest.param({"holidays": f"{statutory_lines()}\n2028-01-01 元旦"}, 400,
                 "2028-01-01 不在 2027 年内", id="date-outside-the-year"),
    pytest.param({"workdays": "2027-02-06 春节"}, 400,
                 "2027-02-06 不能既是假日又是调休上班日", id="holiday-and-make-up-day"),
    pytest.param({"workdays": "2027-02-22"}, 400,
                 "调休上班日 2027-02-22 不是周末", id="make-up-day-on-a-weekday"),
    pytest.param({"holidays": statutory_lines(leave_out=frozenset({D("2027-04-05")}))}, 400,
                 "安排不完整：缺少法定节假日 2027-04-05", id="partial-entry"),
    pytest.param({"year": "2026", "holidays": statutory_lines(2026)}, 409,
                 "2026 年的安排已由节假日数据包确认，无需录入", id="package-year-2026"),
    pytest.param({"year": "2101"}, 400, "年份应在 2000–2100 之间", id="year-out-of-range"),
    pytest.param({"year": "二〇二七"}, 400, "年份应为整数", id="year-not-a-number"),
    pytest.param({"basis": " "}, 400, "请填写依据", id="no-basis"),
    pytest.param({"holidays": "2027-02-30 春节"}, 400, "休息日第 1 行：2027-02-30 不是有效日期",
                 id="bad-date"),
    pytest.param({"workdays": "2027-02-20\n2027-02-20"}, 400,
                 "调休上班日第 2 行：2027-02-20 重复（第 1 行已有）", id="a-date-twice"),
]


@pytest.mark.parametrize(("changes", "status", "reason"), REFUSALS)
def test_bad_input_is_refused_with_the_reason_and_nothing_saved(client, changes, status,
                                                                reason) -> None:
    admin_client(client)
    for path in ("/admin/calendar/preview", "/admin/calendar/years"):
        refused = post_form(client, path, entry(**changes), form_page="/admin/calendar")
        assert refused.status_code == status, (path, refused.text)
        assert reason in refused.text
        # The entry page again, with what the admin typed kept.
        assert 'action="/admin/calendar/preview"' in refused.text
        kept_basis = html.escape(entry(**changes)["basis"])
        assert f'value="{kept_basis}"' in refused.text
        assert "2027-02-20 春节调休" in refused.text or "workdays" in changes
    assert_nothing_saved()
    with db.read_only() as session:
        assert calendar.entered_year(session, 2026) is None


def test_a_year_entered_already_is_refused_as_a_conflict(client) -> None:
    admin_client(client)
    enter_2027_directly()
    for path in ("/admin/calendar/preview", "/admin/calendar/years"):
        refused = post_form(client, path, entry(), form_page="/admin/calendar")
        assert refused.status_code == 409
        assert "2027 年的安排已录入，不能重复录入" in refused.text
    with db.read_only() as session:
        assert len(log.entries(session, action="calendar.year_entered")) == 1
        entered = calendar.entered_year(session, YEAR)
        assert entered is not None and entered.basis == "先录入的依据"
        assert len(calendar.entered_days(session, YEAR)) == len(calendar.statutory_holidays(YEAR))


# --------------------------------------------------------------------------------------------
# Who may do what, and the address


def test_only_an_admin_may_preview_or_save(client) -> None:
    make_user("cal-staff", "staff")
    make_user("cal-bidder", "bidder", org_name="某建设有限公司")
    login(client, "cal-staff")
    page = client.get(f"/admin/calendar?year={YEAR}")
    assert page.status_code == 200 and "临时（仅法定节假日" in page.text
    assert 'action="/admin/calendar/preview"' not in page.text
    assert "全年安排由系统管理员按国务院办公厅通知录入" in page.text
    for path in ("/admin/calendar/preview", "/admin/calendar/years"):
        assert post_form(client, path, entry(), form_page="/admin/calendar").status_code == 403
    login(client, "cal-bidder")
    assert client.get("/admin/calendar").status_code == 403
    for path in ("/admin/calendar/preview", "/admin/calendar/years"):
        assert post_form(client, path, entry(), form_page="/home").status_code == 403
    assert_nothing_saved()
    with db.read_only() as session:
        assert denials.total_denials(session) == 5  # counted, not logged (issue 10)
        assert not log.entries(session, action="access.denied")


@pytest.mark.parametrize(("year", "reason"), [
    ("99999", "年份应在 2000–2100 之间"), ("-1", "年份应在 2000–2100 之间"), ("abc", "年份应为整数"),
    ("1999", "年份应在 2000–2100 之间"), ("2101", "年份应在 2000–2100 之间"),
])
def test_a_bad_year_in_the_address_is_a_400_page(client, year: str, reason: str) -> None:
    make_user("cal-staff", "staff")
    login(client, "cal-staff")
    page = client.get(f"/admin/calendar?year={year}")
    assert page.status_code == 400 and reason in page.text
    assert 'class="site-header"' in page.text


def test_the_calendar_page_shows_package_years_and_defaults_to_this_year(client) -> None:
    make_user("cal-staff", "staff")
    login(client, "cal-staff")
    page = client.get("/admin/calendar?year=2026")
    assert "已确认（节假日数据包）" in page.text
    assert "2026-02-14（周六） 春节" in page.text  # a make-up working day from the package
    assert "2100 →" not in page.text
    today = client.get("/admin/calendar")
    assert today.status_code == 200 and "工作日历 · 20" in today.text
    last = client.get("/admin/calendar?year=2100&saved=maybe&rechecked=x")
    assert last.status_code == 200 and "2101" not in last.text


# --------------------------------------------------------------------------------------------
# The command line


def test_the_cli_enters_a_year_from_a_csv_file(database, tmp_path) -> None:
    from trading.cli import main

    path = tmp_path / "2027.csv"
    path.write_bytes(csv_file())
    runner = CliRunner()
    arguments = ["calendar", "enter-year", "2027", "--basis", BASIS, "--file", str(path)]
    declined = runner.invoke(main, arguments, input="n\n")
    assert declined.exit_code != 0 and "2027-10-09（周六） 国庆节调休" in declined.output
    assert_nothing_saved()

    done = runner.invoke(main, [*arguments, "--yes"])
    assert done.exit_code == 0, done.output
    assert "2027 年节假日安排已保存" in done.output
    with db.read_only() as session:
        [logged] = log.entries(session, action="calendar.year_entered")
        assert logged.actor.role == "admin-cli" and logged.body["basis"] == BASIS
        assert len(calendar.entered_days(session, YEAR)) == len(calendar.statutory_holidays(YEAR)) + 6

    shown = runner.invoke(main, ["calendar", "show", "2027"])
    assert shown.exit_code == 0, shown.output
    assert "已确认（国务院办公厅通知，由管理员录入）" in shown.output
    assert "系统管理员（命令行）" in shown.output and "班  2027-02-20（周六） 春节调休" in shown.output

    again = runner.invoke(main, [*arguments, "--yes"])
    assert again.exit_code == 1 and "2027 年的安排已录入，不能重复录入" in again.output
    bad = tmp_path / "bad.csv"
    bad.write_text("2028-01-01,休,元旦\n", encoding="utf-8")
    refused = runner.invoke(main, ["calendar", "enter-year", "2028", "--basis", "x", "--file",
                                   str(bad), "--yes"])
    assert refused.exit_code == 1 and "安排不完整" in refused.output
    with db.read_only() as session:
        assert len(log.entries(session, action="calendar.year_entered")) == 1
