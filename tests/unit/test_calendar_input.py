"""Reading an admin's entry of a year (trading.calendar_input): the form's lines and the file.

No database: this is the parser alone. Whether the arrangement is acceptable (every statutory
holiday, make-up days on weekends, ...) is calendar_years.validate's, tested over HTTP in
tests/integration/trading/test_calendar_entry.py.
"""

from __future__ import annotations

import datetime as dt

import pytest

from trading import calendar_input
from trading.calendar import CalendarInputError

D = dt.date.fromisoformat


def refusal(call, *args) -> CalendarInputError:
    with pytest.raises(CalendarInputError) as caught:
        call(*args)
    assert caught.value.code == "calendar_entry" and caught.value.status == 400
    return caught.value


# --------------------------------------------------------------------------------------------
# The form's textareas


def test_a_line_is_a_day_or_a_range_with_an_optional_name() -> None:
    days = calendar_input.parse_days(
        "2027-02-05~2027-02-11 春节\n"
        "# a comment\n"
        "\n"
        "  2027-04-05   清明节  \n"
        "2027-10-01 至 2027-10-03 国庆节\n"
        "2027-06-09..2027-06-10\n"
        "2027-09-15　中秋节\n",  # a full-width space before the name
        "holidays")
    assert [d for d in days if d.month == 2] == [D("2027-02-05") + dt.timedelta(days=i)
                                                  for i in range(7)]
    assert {days[d] for d in days if d.month == 2} == {"春节"}
    assert days[D("2027-04-05")] == "清明节"
    assert [days[D(f"2027-10-0{i}")] for i in (1, 2, 3)] == ["国庆节"] * 3
    assert days[D("2027-06-09")] is None and days[D("2027-06-10")] is None
    assert days[D("2027-09-15")] == "中秋节"
    assert len(days) == 7 + 1 + 3 + 2 + 1


def test_empty_text_is_no_days() -> None:
    assert calendar_input.parse_days("", "workdays") == {}
    assert calendar_input.parse_days("\n  \n# nothing\n", "workdays") == {}


def test_the_lines_written_back_read_as_the_same_days() -> None:
    text = "2027-10-01~2027-10-07 国庆节\n2027-01-01 元旦\n2027-06-09\n2027-06-10 端午节"
    days = calendar_input.parse_days(text, "holidays")
    lines = calendar_input.to_lines(days)
    assert lines == ["2027-01-01 元旦", "2027-06-09", "2027-06-10 端午节",
                     "2027-10-01~2027-10-07 国庆节"]
    assert calendar_input.parse_days("\n".join(lines), "holidays") == days


def test_written_back_runs_never_exceed_the_longest_range() -> None:
    days = {D("2027-07-01") + dt.timedelta(days=i): "暑休" for i in range(40)}
    lines = calendar_input.to_lines(days)
    assert lines == ["2027-07-01~2027-07-31 暑休", "2027-08-01~2027-08-09 暑休"]
    assert calendar_input.parse_days("\n".join(lines), "holidays") == days


@pytest.mark.parametrize(("text", "reason_zh", "reason_en"), [
    ("2027-02-30", "2027-02-30 不是有效日期", "is not a valid date"),
    ("2027-13-01 春节", "2027-13-01 不是有效日期", "is not a valid date"),
    ("27-02-05", "格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
    ("2027/02/05", "格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
    ("春节 2027-02-05", "格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
    ("2027-02-05~", "格式应为 YYYY-MM-DD", "expected YYYY-MM-DD"),
    ("2027-02-05 2027-02-11", "请用 ~、至 或 .. 连接", "join the two days"),
    ("2027-02-11~2027-02-05", "结束日 2027-02-05 早于开始日 2027-02-11", "ends (2027-02-05) before"),
    ("2027-01-01~2027-02-01", "范围共 32 天，超过 31 天", "32 days long, more than 31"),
    ("2027-01-01 " + "节" * 51, "名称超过 50 字", "longer than 50"),
])
def test_a_bad_line_is_refused_naming_the_line_and_the_reason(text: str, reason_zh: str,
                                                              reason_en: str) -> None:
    error = refusal(calendar_input.parse_days, f"2027-01-01 元旦\n\n{text}", "holidays")
    assert error.field == "holidays"
    assert error.message_zh.startswith("休息日第 3 行：") and reason_zh in error.message_zh
    assert error.message_en.startswith("holidays, line 3: ") and reason_en in error.message_en


def test_a_range_of_exactly_31_days_is_accepted() -> None:
    assert len(calendar_input.parse_days("2027-01-01~2027-01-31", "holidays")) == 31


def test_a_day_listed_twice_is_refused_with_both_lines() -> None:
    error = refusal(calendar_input.parse_days,
                    "2027-02-20 春节调休\n2027-10-09\n2027-02-19~2027-02-21", "workdays")
    assert error.field == "workdays"
    assert error.message_zh == "调休上班日第 3 行：2027-02-20 重复（第 1 行已有）"
    assert "line 3: 2027-02-20 is listed twice (also on line 1)" in error.message_en


def test_text_is_bounded_before_it_is_parsed() -> None:
    too_long = "# " + "x" * calendar_input.MAX_TEXT_CHARS
    assert "过长" in refusal(calendar_input.parse_days, too_long, "holidays").message_zh
    too_many = "\n" * (calendar_input.MAX_LINES + 1)
    error = refusal(calendar_input.parse_days, too_many, "holidays")
    assert "超过 400 行" in error.message_zh and "more than 400 lines" in error.message_en


@pytest.mark.parametrize("year", ["", "abc", "2027.0", "二〇二七", "1" * 9, "20 27"])
def test_the_year_must_be_a_whole_number(year: str) -> None:
    error = refusal(calendar_input.parse_year, year)
    assert error.field == "year" and "年份应为整数" in error.message_zh


def test_from_form_builds_the_arrangement() -> None:
    arrangement = calendar_input.from_form(" 2027 ", "国办发明电〔2026〕99号", "2027-01-01 元旦",
                                           "2027-02-20")
    assert arrangement.year == 2027 and arrangement.basis == "国办发明电〔2026〕99号"
    assert arrangement.holidays == {D("2027-01-01"): "元旦"}
    assert arrangement.workdays == {D("2027-02-20"): None}


# --------------------------------------------------------------------------------------------
# The file


def test_a_file_lists_days_with_their_kind_and_name() -> None:
    content = ("\ufeffdate,kind,name\n"  # a byte-order mark, as spreadsheets write it
               "# holidays\n"
               "2027-01-01,holiday,元旦\n"
               "2027-02-05~2027-02-07,休,春节\n"
               "2027-04-05,REST\n"
               "\n"
               "2027-02-20,workday,春节调休\n"
               "2027-09-26,班,\"国庆节, 调休\"\n"
               " 2027-10-09 , Work , 国庆节调休 \n").encode()
    holidays, workdays = calendar_input.parse_file(content)
    assert holidays == {D("2027-01-01"): "元旦", D("2027-02-05"): "春节", D("2027-02-06"): "春节",
                        D("2027-02-07"): "春节", D("2027-04-05"): None}
    assert workdays == {D("2027-02-20"): "春节调休", D("2027-09-26"): "国庆节, 调休",
                        D("2027-10-09"): "国庆节调休"}


def test_a_file_without_a_header_and_from_file() -> None:
    arrangement = calendar_input.from_file("2027", "依据", b"2027-01-01,holiday\n2027-02-20,work\n")
    assert arrangement.year == 2027
    assert arrangement.holidays == {D("2027-01-01"): None}
    assert arrangement.workdays == {D("2027-02-20"): None}
    assert calendar_input.from_file(2027, "依据", b"").holidays == {}


@pytest.mark.parametrize(("content", "line", "reason_zh"), [
    ("2027-01-01,holiday\n2027-01-02,vacation", 2, "未知类型“vacation”"),
    ("2027-01-01", 1, "每行应为 日期,类型[,名称]"),
    ("2027-01-01,holiday,元旦,extra", 1, "每行应为 日期,类型[,名称]"),
    ("2027-1-1,holiday", 1, "格式应为 YYYY-MM-DD"),
    ("2027-02-29,holiday", 1, "2027-02-29 不是有效日期"),
    ("2027-01-01 元旦,holiday", 1, "第一列只写日期"),
    ("2027-03-01~2027-02-01,holiday", 1, "早于开始日"),
    ("2027-03-01~2027-04-30,holiday", 1, "超过 31 天"),
    ("2027-01-01,holiday,元旦\n2027-01-01,workday", 2, "2027-01-01 重复（第 1 行已有）"),
    ("2027-01-01,holiday\ndate,kind,name", 2, "格式应为 YYYY-MM-DD"),
])
def test_a_bad_file_line_is_refused_naming_the_line(content: str, line: int, reason_zh: str) -> None:
    error = refusal(calendar_input.parse_file, content.encode())
    assert error.field == "file"
    assert error.message_zh.startswith(f"文件第 {line} 行：") and reason_zh in error.message_zh
    assert error.message_en.startswith(f"file, line {line}: ")


def test_a_file_is_bounded_in_size_lines_and_encoding() -> None:
    big = b"#" * (calendar_input.MAX_FILE_BYTES + 1)
    assert "文件过大" in refusal(calendar_input.parse_file, big).message_zh
    many = b"# comment\n" * (calendar_input.MAX_LINES + 1)
    assert "超过 400 行" in refusal(calendar_input.parse_file, many).message_zh
    gbk = "2027-01-01,休,元旦".encode("gbk")
    assert "UTF-8" in refusal(calendar_input.parse_file, gbk).message_zh
