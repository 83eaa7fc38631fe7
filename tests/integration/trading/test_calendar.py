"""The calendar's override table and services on a real database (R-00a, R-00b, R-00c).

The arithmetic on the 2026 arrangement is covered in tests/unit/test_calendar_rules.py; here
the overrides come from the ``calendar_override`` table, edits are logged to supervision, and
every computation reads the table once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import event

from supervision import services
from trading import calendar, db
from trading.audit import Actor

D = dt.date.fromisoformat
ADMIN = Actor(user_id="admin-1", role="admin", ip="10.0.0.5")


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


def test_r00c_2027_is_unknown_until_an_admin_enters_it(database: str) -> None:
    with db.transaction() as session:
        assert not calendar.is_year_known(session, 2027)
        with pytest.raises(calendar.CalendarUnknownError) as caught:
            calendar.add_working_days(session, D("2026-12-30"), 2)
        assert caught.value.year == 2027
        assert "2027 年节假日安排未知" in caught.value.message_zh
        with pytest.raises(calendar.CalendarUnknownError):
            calendar.is_working_day(session, D("2027-03-01"))

    with db.transaction() as session:
        calendar.set_override(session, ADMIN, D("2027-01-01"), False, "元旦（2027 年安排）")

    with db.transaction() as session:
        assert calendar.is_year_known(session, 2027)
        # Wed 2026-12-30 (not counted): 1 = Thu 12-31; Fri 2027-01-01 off (override);
        # Sat 01-02 and Sun 01-03 off; 2 = Mon 01-04.
        assert calendar.add_working_days(session, D("2026-12-30"), 2) == D("2027-01-04")
        # A 2-calendar-day period from Wed 12-30 ends Fri 01-01: rolls to Mon 01-04 (R-00a).
        assert calendar.add_calendar_days(session, D("2026-12-30"), 2) == D("2027-01-04")
        assert calendar.working_days_between(session, D("2026-12-30"), D("2027-01-08")) == 6
        assert calendar.roll_to_working_day(session, D("2027-01-01")) == D("2027-01-04")


def test_r00c_override_changes_a_2026_deadline_and_removal_restores_it(database: str) -> None:
    with db.transaction() as session:
        # From Fri 2026-02-13: 1 = Sat 02-14 (make-up), 02-15..02-23 off, 2..5 = 02-24..02-27.
        assert calendar.add_working_days(session, D("2026-02-13"), 5) == D("2026-02-27")
        row = calendar.set_override(session, ADMIN, D("2026-02-24"), False, "更正：补休一天")
        assert row.updated_by == "admin-1"
        assert row.updated_at.tzinfo is not None

    with db.transaction() as session:
        # Tue 02-24 now off: 2 = Wed 02-25, 3 = Thu 02-26, 4 = Fri 02-27, 5 = Sat 02-28.
        assert calendar.add_working_days(session, D("2026-02-13"), 5) == D("2026-02-28")
        assert not calendar.is_working_day(session, D("2026-02-24"))
        # Changing an existing override updates the row in place.
        calendar.set_override(session, ADMIN, D("2026-02-24"), True, "撤回更正")
        assert calendar.is_working_day(session, D("2026-02-24"))
        calendar.set_override(session, ADMIN, D("2026-02-24"), False, "更正：补休一天")

    with db.transaction() as session:
        [listed] = calendar.list_overrides(session, 2026)
        assert (listed.day, listed.is_working_day, listed.note) == (
            D("2026-02-24"), False, "更正：补休一天"
        )
        assert listed.updated_at.tzinfo == dt.UTC
        assert calendar.list_overrides(session, 2025) == []
        calendar.remove_override(session, ADMIN, D("2026-02-24"))

    with db.transaction() as session:
        assert calendar.list_overrides(session, 2026) == []
        assert calendar.add_working_days(session, D("2026-02-13"), 5) == D("2026-02-27")


def test_r00a_override_on_a_rest_day_stops_the_roll(database: str) -> None:
    with db.transaction() as session:
        # 20 days from Sun 2026-09-13 end on Sat 10-03 (National Day): rolls to Thu 10-08.
        assert calendar.add_calendar_days(session, D("2026-09-13"), 20) == D("2026-10-08")
        calendar.set_override(session, ADMIN, D("2026-10-06"), True, "测试：调整为工作日")
        assert calendar.add_calendar_days(session, D("2026-09-13"), 20) == D("2026-10-06")


def test_overrides_are_logged_to_supervision(database: str) -> None:
    with db.transaction() as session:
        calendar.set_override(session, ADMIN, D("2027-01-01"), False, "元旦")
        calendar.set_override(session, ADMIN, D("2027-01-01"), False, "元旦（国办发明电）")
        calendar.remove_override(session, ADMIN, D("2027-01-01"))

    with db.transaction() as session:
        subject = "calendar/2027-01-01"
        set_entries = services.entries(session, action="calendar.override_set", subject=subject)
        assert [e.body["note"] for e in set_entries] == ["元旦", "元旦（国办发明电）"]
        first, second = set_entries
        assert first.body == {
            "day": "2027-01-01",
            "is_working_day": False,
            "note": "元旦",
            "package_says": None,
            "previous": None,
        }
        assert second.body["previous"] == {
            "is_working_day": False, "note": "元旦", "updated_by": "admin-1"
        }
        assert first.actor == ADMIN
        [removed] = services.entries(
            session, action="calendar.override_removed", subject=subject
        )
        assert removed.body["previous"]["note"] == "元旦（国办发明电）"
        assert removed.seq > second.seq > first.seq


def test_failed_edits_change_nothing_and_log_nothing(database: str) -> None:
    with db.transaction() as session:
        with pytest.raises(calendar.CalendarOverrideNotFoundError):
            calendar.remove_override(session, ADMIN, D("2026-05-01"))
        with pytest.raises(calendar.CalendarInputError) as caught:
            calendar.set_override(session, ADMIN, D("2026-05-01"), True, "   ")
        assert caught.value.field == "note"

    with db.transaction() as session:
        assert calendar.list_overrides(session, 2026) == []
        assert services.entries(session, subject="calendar/2026-05-01") == []


def test_an_edit_rolled_back_with_its_transaction_leaves_no_override(database: str) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        calendar.set_override(session, ADMIN, D("2026-05-06"), False, "临时")
        raise RuntimeError("the caller's unit of work fails")

    with db.transaction() as session:
        assert calendar.is_working_day(session, D("2026-05-06"))
        assert services.entries(session, action="calendar.override_set") == []


def test_a_range_reads_the_override_table_once(database: str, statements: list[str]) -> None:
    with db.transaction() as session:
        calendar.set_override(session, ADMIN, D("2027-01-01"), False, "元旦")

    with db.transaction() as session:
        statements.clear()
        # 2026-01-05 .. 2027-06-30 spans two years and about 540 days.
        assert calendar.working_days_between(session, D("2026-01-05"), D("2027-06-30")) > 300
        assert calendar.add_working_days(session, D("2026-02-02"), 200) > D("2026-11-01")
    reads = [s for s in statements if "calendar_override" in s]
    assert len(reads) == 2, reads  # one per computation, not one per day
