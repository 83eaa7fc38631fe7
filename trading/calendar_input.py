"""Reading an admin's entry of one year's arrangement (R-00c) into a ``calendar_years.Arrangement``.

Two ways in, both bounded before anything is parsed:

- the calendar page's form: ``year``, ``basis`` and two textareas, ``holidays`` (rest days) and
  ``workdays`` (make-up working days). Each line is a day ``YYYY-MM-DD`` or a range
  ``YYYY-MM-DD~YYYY-MM-DD`` (``至`` and ``..`` also separate a range), optionally followed by
  whitespace and a name: ``2027-02-05~2027-02-11 春节``. Blank lines and ``#`` comments are
  ignored.
- a small file (CSV, UTF-8, at most 64 KiB and 400 lines): ``date,kind[,name]`` per line, kind
  ``holiday``/``休``/``rest`` or ``workday``/``班``/``work``; an optional header line
  ``date,kind,name``; ``#`` comments and blank lines ignored. The year comes from the form (or
  the command line).

Every refusal is a :class:`trading.calendar.CalendarInputError` naming the line and the reason.
Whether the arrangement itself is acceptable (days inside the year, no day both a holiday and a
make-up day, make-up days on weekends, every statutory holiday present, the year not yet
confirmed) is ``calendar_years.validate``'s business.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from trading.calendar import NAME_MAX_LENGTH, CalendarInputError
from trading.calendar_years import Arrangement

MAX_FILE_BYTES = 64 * 1024
MAX_LINES = 400
MAX_TEXT_CHARS = 32 * 1024  # one textarea
MAX_RANGE_DAYS = 31
MAX_YEAR_CHARS = 8

HOLIDAY, WORKDAY = "holiday", "workday"
KINDS = {"holiday": HOLIDAY, "休": HOLIDAY, "rest": HOLIDAY,
         "workday": WORKDAY, "班": WORKDAY, "work": WORKDAY}
HEADERS = ({"date", "kind"}, {"date", "kind", "name"})

_DAY = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_SEPARATOR = r"\s*(?:~|～|至|\.\.)\s*"
_SPEC = re.compile(rf"({_DAY})(?:{_SEPARATOR}({_DAY}))?(?:\s+(.*))?")
_STARTS_WITH_DAY = re.compile(_DAY)

#: Where a line came from, for the refusal: (Chinese, English), e.g. ("休息日", "holidays").
_SOURCES = {"holidays": ("休息日", "holidays"), "workdays": ("调休上班日", "make-up working days"),
            "file": ("文件", "file")}

Days = dict[dt.date, str | None]


def _refuse(zh: str, en: str, field: str) -> CalendarInputError:
    return CalendarInputError(zh, en, field=field, code="calendar_entry")


def _at_line(field: str, number: int, zh: str, en: str) -> CalendarInputError:
    where_zh, where_en = _SOURCES[field]
    return _refuse(f"{where_zh}第 {number} 行：{zh}", f"{where_en}, line {number}: {en}", field)


def parse_year(value: str) -> int:
    """The ``year`` field as an integer (its range is checked by ``calendar_years.validate``)."""
    text = value.strip()
    if not text or len(text) > MAX_YEAR_CHARS or not re.fullmatch(r"-?\d+", text, re.ASCII):
        raise _refuse("年份应为整数，例如 2027", "the year must be a whole number, e.g. 2027", "year")
    return int(text)


def _day(text: str, field: str, number: int) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _at_line(field, number, f"{text} 不是有效日期", f"{text} is not a valid date") from None


def _check_name(name: str | None, field: str, number: int) -> None:
    if name is not None and len(name) > NAME_MAX_LENGTH:
        raise _at_line(field, number, f"名称超过 {NAME_MAX_LENGTH} 字",
                       f"the name is longer than {NAME_MAX_LENGTH} characters")


def parse_spec(spec: str, field: str, number: int) -> tuple[list[dt.date], str | None]:
    """One line's days (a day or a range) and its name; ``field`` and ``number`` name it."""
    found = _SPEC.fullmatch(spec.strip())
    if found is None:
        raise _at_line(field, number, "格式应为 YYYY-MM-DD 或 YYYY-MM-DD~YYYY-MM-DD，可在空格后加名称",
                       "expected YYYY-MM-DD or YYYY-MM-DD~YYYY-MM-DD, optionally followed by a name")
    first_text, last_text, name_text = found.groups()
    name = (name_text or "").strip() or None
    if name is not None and _STARTS_WITH_DAY.match(name):
        raise _at_line(field, number, "两个日期之间请用 ~、至 或 .. 连接",
                       "join the two days of a range with ~, 至 or ..")
    _check_name(name, field, number)
    first = _day(first_text, field, number)
    last = first if last_text is None else _day(last_text, field, number)
    if last < first:
        raise _at_line(field, number, f"范围的结束日 {last.isoformat()} 早于开始日 {first.isoformat()}",
                       f"the range ends ({last.isoformat()}) before it starts ({first.isoformat()})")
    length = (last - first).days + 1
    if length > MAX_RANGE_DAYS:
        raise _at_line(field, number, f"范围共 {length} 天，超过 {MAX_RANGE_DAYS} 天",
                       f"the range is {length} days long, more than {MAX_RANGE_DAYS}")
    return [first + dt.timedelta(days=i) for i in range(length)], name


def _lines(text: str, field: str, max_chars: int) -> list[str]:
    if len(text) > max_chars:
        raise _refuse(f"{_SOURCES[field][0]}内容过长（最多 {max_chars} 字符）",
                      f"the {_SOURCES[field][1]} are too long (at most {max_chars} characters)",
                      field)
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise _refuse(f"{_SOURCES[field][0]}超过 {MAX_LINES} 行", f"the {_SOURCES[field][1]} have "
                      f"more than {MAX_LINES} lines", field)
    return lines


def _add(days: Days, seen: dict[dt.date, int], new: Iterable[dt.date], name: str | None,
         field: str, number: int) -> None:
    for day in new:
        if day in seen:
            raise _at_line(field, number, f"{day.isoformat()} 重复（第 {seen[day]} 行已有）",
                           f"{day.isoformat()} is listed twice (also on line {seen[day]})")
        seen[day] = number
        days[day] = name


def parse_days(text: str, field: str) -> Days:
    """A textarea (``field`` is ``holidays`` or ``workdays``): one day or range per line."""
    days: Days = {}
    seen: dict[dt.date, int] = {}
    for number, line in enumerate(_lines(text, field, MAX_TEXT_CHARS), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        new, name = parse_spec(line, field, number)
        _add(days, seen, new, name, field, number)
    return days


def parse_file(content: bytes) -> tuple[Days, Days]:
    """A CSV file ``date,kind[,name]``: its (holidays, make-up working days)."""
    if len(content) > MAX_FILE_BYTES:
        raise _refuse(f"文件过大（最多 {MAX_FILE_BYTES // 1024} KiB）",
                      f"the file is too large (at most {MAX_FILE_BYTES // 1024} KiB)", "file")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse("文件应为 UTF-8 编码的 CSV", "the file must be a UTF-8 CSV file", "file") from None
    found: dict[str, Days] = {HOLIDAY: {}, WORKDAY: {}}
    seen: dict[dt.date, int] = {}
    header_allowed = True
    for number, line in enumerate(_lines(text, "file", MAX_FILE_BYTES), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        cells = [cell.strip() for cell in next(csv.reader([line]), [])]
        if header_allowed and {c.lower() for c in cells} in HEADERS and cells[0].lower() == "date":
            header_allowed = False
            continue
        header_allowed = False
        if not 2 <= len(cells) <= 3:
            raise _at_line("file", number, "每行应为 日期,类型[,名称]", "expected date,kind[,name]")
        new, inline = parse_spec(cells[0], "file", number)
        if inline is not None:
            raise _at_line("file", number, "第一列只写日期（或日期范围），名称写在第三列",
                           "the first column holds only the date (or range); the name goes third")
        kind = KINDS.get(cells[1].lower())
        if kind is None:
            raise _at_line("file", number, f"未知类型“{cells[1][:20]}”（应为 holiday/休/rest 或 "
                           "workday/班/work）", f"unknown kind {cells[1][:20]!r} (expected holiday, 休, "
                           "rest, workday, 班 or work)")
        name = cells[2] if len(cells) == 3 and cells[2] else None
        _check_name(name, "file", number)
        _add(found[kind], seen, new, name, "file", number)
    return found[HOLIDAY], found[WORKDAY]


def from_form(year: str, basis: str, holidays: str, workdays: str) -> Arrangement:
    """The arrangement typed into the calendar page's form."""
    return Arrangement(parse_year(year), parse_days(holidays, "holidays"),
                       parse_days(workdays, "workdays"), basis)


def from_file(year: str | int, basis: str, content: bytes) -> Arrangement:
    """The arrangement in an uploaded file; the year and basis come from the form."""
    holidays, workdays = parse_file(content)
    number = year if isinstance(year, int) else parse_year(year)
    return Arrangement(number, holidays, workdays, basis)


# --------------------------------------------------------------------------------------------
# Writing an arrangement back as lines (the preview's hidden fields, the pages' lists)


@dataclass(frozen=True)
class Run:
    """Consecutive days sharing a name."""

    first: dt.date
    last: dt.date
    name: str | None

    @property
    def length(self) -> int:
        return (self.last - self.first).days + 1


def runs(days: Mapping[dt.date, str | None]) -> list[Run]:
    """``days`` as runs of consecutive days with the same name, none longer than a range may be."""
    found: list[Run] = []
    for day in sorted(days):
        name = days[day]
        last = found[-1] if found else None
        if (last is not None and last.name == name and last.last + dt.timedelta(days=1) == day
                and last.length < MAX_RANGE_DAYS):
            found[-1] = Run(last.first, day, name)
        else:
            found.append(Run(day, day, name))
    return found


def to_lines(days: Mapping[dt.date, str | None]) -> list[str]:
    """``days`` in the textarea format: ``parse_days("\\n".join(to_lines(d)), ...) == d``."""
    lines = []
    for run in runs(days):
        spec = run.first.isoformat()
        if run.last != run.first:
            spec += f"~{run.last.isoformat()}"
        lines.append(f"{spec} {run.name}" if run.name else spec)
    return lines
