"""Confirmed and provisional years on a real database (R-00a, R-00c), and the re-check.

The arithmetic is covered in tests/unit/test_calendar_rules.py; here years are entered
through ``trading.calendar_years``, refusals change nothing, every entry is logged, and a
tender published on a provisional year is re-checked when the year is confirmed.

The 2027 arrangements below are constructed for the tests (the statutory holidays plus days
chosen to make a point); they are not the State Council's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event, func, select

from bidding import lookup
from supervision import services as supervision
from tests.clock import beijing, set_now
from tests.integration.bidding.conftest import bearer, make_tender
from tests.integration.trading.conftest import login
from trading import calendar, calendar_years, db
from trading.audit import Actor
from trading.calendar_years import Arrangement

D = dt.date.fromisoformat
ADMIN = Actor(user_id="admin-1", role="admin", ip="10.0.0.5")


def arrangement_2027(**changes: object) -> Arrangement:
    """The 2027 statutory holidays, Monday 01-04 off as a bridge day, Saturday 01-09 worked."""
    holidays: dict[dt.date, str | None] = dict(calendar.statutory_holidays(2027))
    holidays[D("2027-01-04")] = "元旦调休"
    values: dict[str, object] = {"year": 2027, "holidays": holidays,
                                 "workdays": {D("2027-01-09"): "元旦调休上班"},
                                 "basis": "测试用安排（非国务院办公厅通知）"}
    values.update(changes)
    return Arrangement(**values)  # type: ignore[arg-type]


@pytest.fixture
def statements(database: str) -> Iterator[list[str]]:
    """The SQL statements the engine runs while the test is in progress."""
    seen: list[str] = []

    def remember(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        seen.append(statement)

    engine = db.get_engine()
    event.listen(engine, "before_cursor_execute", remember)
    yield seen
    event.remove(engine, "before_cursor_execute", remember)


def test_r00c_2027_is_provisional_until_an_admin_enters_it(database: str) -> None:
    with db.read_only() as session:
        assert calendar.year_source(session, 2027) == calendar.YearSource.PROVISIONAL
        # Provisional: Monday 01-04 is an ordinary working day.
        assert calendar.add_calendar_days(session, D("2026-12-13"), 20) == D("2027-01-04")
    with db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027())
    with db.read_only() as session:
        assert calendar.year_source(session, 2027) == calendar.YearSource.ADMIN
        # Confirmed: Sat 01-02, Sun 01-03, Mon 01-04 (bridge day) off: rolls to Tue 01-05.
        assert calendar.add_calendar_days(session, D("2026-12-13"), 20) == D("2027-01-05")
        # Wed 2026-12-30: 1 = Thu 12-31, 2 = Tue 01-05, 3 = Wed 01-06, ... 5 = Fri 01-08,
        # 6 = Sat 01-09 (make-up working day).
        assert calendar.add_working_days(session, D("2026-12-30"), 6) == D("2027-01-09")
        [entry] = supervision.entries(session, action="calendar.year_entered")
    assert entry.subject == "calendar/2027" and entry.actor == ADMIN
    assert "2027-01-04" in entry.body["holidays"] and entry.body["workdays"] == ["2027-01-09"]


BAD_ENTRIES = [
    ("a date outside the year", {"workdays": {D("2028-01-08"): None}}, "不在 2027 年内"),
    ("a day both holiday and make-up day",
     {"workdays": {D("2027-01-04"): None}}, "既是假日又是调休上班日"),
    ("a make-up day that is not a weekend", {"workdays": {D("2027-01-06"): None}}, "不是周末"),
    ("a partial entry", {"holidays": {D("2027-01-01"): "元旦"}}, "安排不完整"),
    ("a year the package knows", {"year": 2026, "holidays": {}, "workdays": {}}, "数据包"),
    ("no basis", {"basis": "  "}, "依据"),
]


@pytest.mark.parametrize(("what", "changes", "reason"), BAD_ENTRIES,
                         ids=[b[0] for b in BAD_ENTRIES])
def test_a_bad_entry_is_refused_with_its_reason_and_changes_nothing(
        database: str, what: str, changes: dict[str, object], reason: str) -> None:
    with pytest.raises(calendar.CalendarInputError) as refused, db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027(**changes))
    assert reason in refused.value.message_zh, what
    with db.read_only() as session:
        assert session.scalar(select(func.count()).select_from(calendar.CalendarYearDay)) == 0
        assert calendar.entered_year(session, 2027) is None
        assert supervision.entries(session, action="calendar.year_entered") == []


def test_a_year_is_entered_once(database: str) -> None:
    with db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027())
    with pytest.raises(calendar.CalendarInputError) as refused, db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027(basis="第二次"))
    assert "不能重复录入" in refused.value.message_zh
    with db.read_only() as session:
        assert calendar.entered_year(session, 2027).basis == "测试用安排（非国务院办公厅通知）"
        assert len(supervision.entries(session, action="calendar.year_entered")) == 1


def _publish(client, scenario, deadline: dt.datetime, sale_ends_on: str) -> None:
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/publish", headers=bearer(
        scenario.staff), json={"deadline": deadline.isoformat(), "sale_ends_on": sale_ends_on})
    assert answer.status_code == 201, answer.text


def _alerts(kind: str) -> list[supervision.Alert]:
    with db.read_only() as session:
        return [a for a in supervision.list_alerts(session, include_cleared=True)
                if a.kind == kind]


def test_a_tender_on_a_provisional_year_is_marked_and_rechecked(client) -> None:
    """Published Sunday 2026-12-13: R-10 ends Saturday 2027-01-02, provisionally rolled to
    Monday 01-04. The confirmed arrangement makes 01-04 a holiday: R-10 now needs 01-05."""
    set_now(beijing(2026, 12, 13, 10))
    short = make_tender(prefix="short")
    _publish(client, short, beijing(2027, 1, 4, 10), "2026-12-18")
    safe = make_tender(prefix="safe")
    _publish(client, safe, beijing(2027, 1, 6, 10), "2026-12-18")

    with db.read_only() as session:
        [mark] = calendar_years.marks(session, lookup.subject(short.tender_id))
    assert (mark.rule, mark.years, mark.computed_end) == ("R-10", "2027", D("2027-01-04"))
    login(client, "short-staff")
    page = client.get(f"/bidding/tenders/{short.tender_id}")
    assert "临时期限" in page.text and "2027 年节假日安排尚未确认" in page.text
    [asks] = [a for a in _alerts(calendar_years.PROVISIONAL_ALERT) if a.cleared_at is None]
    assert asks.subject == "calendar/2027" and asks.responsible_role == "admin"

    with db.transaction() as session:
        forecast = calendar_years.preview(session, arrangement_2027())
    assert {(r.subject, r.broken) for r in forecast} == {
        (lookup.subject(short.tender_id), True), (lookup.subject(safe.tender_id), False)}
    with db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027())

    [red] = _alerts("calendar.r10")
    assert red.subject == lookup.subject(short.tender_id) and red.effective_state == "red"
    assert "测试工程" in red.label_zh and "R-10" in red.label_zh and "2027-01-05" in red.label_zh
    assert all(a.cleared_at is not None for a in _alerts(calendar_years.PROVISIONAL_ALERT))
    with db.read_only() as session:
        [broken] = supervision.entries(session, action="calendar.period_broken")
        assert calendar_years.marks(session, lookup.subject(safe.tender_id)) == []
    assert broken.subject == lookup.subject(short.tender_id)
    assert broken.body["required_end"] == "2027-01-05" and broken.body["chosen_day"] == "2027-01-04"
    page = client.get(f"/bidding/tenders/{short.tender_id}")
    # People read the law and article, not the rule id (issue 13).
    assert "不符合 《中华人民共和国招标投标法》第二十四条" in page.text and "2027-01-05" in page.text
    assert "R-10" not in page.text


def test_publishing_on_a_provisional_year_is_never_refused_for_it(client) -> None:
    """A provisional year never blocks the right to publish or object (no calendar_unknown)."""
    set_now(beijing(2026, 12, 20, 10))
    scenario = make_tender(prefix="late")
    _publish(client, scenario, beijing(2027, 1, 12, 10), "2026-12-25")
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/objections",
                         json={"text": "资格条件排斥潜在投标人"},
                         headers=bearer(scenario.bidders[0]))
    assert answer.status_code == 201, answer.text


def test_a_range_reads_the_entries_once(database: str, statements: list[str]) -> None:
    with db.transaction() as session:
        calendar_years.enter_year(session, ADMIN, arrangement_2027())

    with db.transaction() as session:
        statements.clear()
        # 2026-01-05 .. 2027-06-30 spans two years and about 540 days.
        assert calendar.working_days_between(session, D("2026-01-05"), D("2027-06-30")) > 300
        assert calendar.add_working_days(session, D("2026-02-02"), 200) > D("2026-11-01")
    reads = [s for s in statements if "calendar_year" in s]
    # One query for the entered years and one for their days per computation (the second
    # computation stays in 2026, which has no entry: one query).
    assert len(reads) == 3, reads
