"""Working-day arithmetic on the real 2026 State Council arrangements (R-00a, R-00b, R-00c).

These tests drive :class:`trading.calendar.WorkingCalendar` with an in-memory override source,
so they need no database; tests/integration/trading/test_calendar.py covers the table, the
services and the supervision log.

The 2026 arrangement (国办发明电〔2025〕7号), as shipped by chinesecalendar 1.11:
- New Year: 2026-01-01 (Thu) .. 01-03 (Sat) off; Sunday 01-04 is a make-up working day.
- Spring Festival: 2026-02-15 (Sun) .. 02-23 (Mon) off; make-up working days Saturday 02-14
  and Saturday 02-28.
- National Day and Mid-Autumn: 2026-10-01 (Thu) .. 10-07 (Wed) off; make-up working days
  Sunday 09-20 and Saturday 10-10.
All expected dates below were counted by hand from that arrangement.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pytest

from trading.calendar import (
    CalendarInputError,
    CalendarUnknownError,
    WorkingCalendar,
    package_knows_year,
    package_says,
)

D = dt.date.fromisoformat


class FakeOverrides:
    """An override source that counts how often it is asked (each call is one query)."""

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.calls: list[tuple[int, int]] = []

    def __call__(self, first_year: int, last_year: int) -> dict[dt.date, bool]:
        self.calls.append((first_year, last_year))
        return {d: w for d, w in self.overrides.items() if first_year <= d.year <= last_year}


def calendar(overrides: Mapping[dt.date, bool] | None = None) -> WorkingCalendar:
    return WorkingCalendar(FakeOverrides(overrides))


# ---------------------------------------------------------------------------------------------
# R-00c: the yearly arrangement, make-up working days included


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-02-13", True),  # Friday before Spring Festival
        ("2026-02-14", True),  # Saturday, make-up working day
        ("2026-02-15", False),  # Sunday, first day of the holiday
        ("2026-02-17", False),  # Tuesday, Spring Festival (a weekday that is off)
        ("2026-02-23", False),  # Monday, last day of the holiday
        ("2026-02-24", True),  # Tuesday, back to work
        ("2026-02-28", True),  # Saturday, make-up working day
        ("2026-03-01", False),  # ordinary Sunday
        ("2026-09-20", True),  # Sunday, make-up working day for National Day
        ("2026-10-01", False),  # Thursday, National Day
        ("2026-10-07", False),  # Wednesday, last day of the holiday
        ("2026-10-08", True),  # Thursday
        ("2026-10-10", True),  # Saturday, make-up working day
        ("2026-01-04", True),  # Sunday, make-up working day for New Year
        ("2026-01-02", False),  # Friday, New Year holiday
    ],
)
def test_r00c_state_council_arrangement_2026(day: str, working: bool) -> None:
    assert calendar().is_working_day(D(day)) is working


def test_r00c_make_up_saturday_counts_as_a_working_day() -> None:
    cal = calendar()
    # 1 working day after Friday 02-13 is the make-up Saturday 02-14, not Tuesday 02-24.
    assert cal.add_working_days(D("2026-02-13"), 1) == D("2026-02-14")
    # A calendar-day period ending on the make-up Saturday 10-10 does not roll (R-00a).
    assert cal.add_calendar_days(D("2026-09-30"), 10) == D("2026-10-10")
    # 2025-12-31 (Wed) + 1 working day: 01-01..01-03 off, Sunday 01-04 is worked.
    assert cal.add_working_days(D("2025-12-31"), 1) == D("2026-01-04")


# ---------------------------------------------------------------------------------------------
# R-00b: counting working days, start day not counted (R-00a)


def test_r00b_five_working_days_across_spring_festival() -> None:
    # From Friday 2026-02-13 (not counted): 1 = Sat 02-14 (make-up), 02-15..02-23 off,
    # 2 = Tue 02-24, 3 = Wed 02-25, 4 = Thu 02-26, 5 = Fri 02-27.
    assert calendar().add_working_days(D("2026-02-13"), 5) == D("2026-02-27")


def test_r00b_six_and_seven_working_days_across_spring_festival() -> None:
    cal = calendar()
    # ... 6 = Sat 02-28 (make-up working day); Sun 03-01 is off; 7 = Mon 03-02.
    assert cal.add_working_days(D("2026-02-13"), 6) == D("2026-02-28")
    assert cal.add_working_days(D("2026-02-13"), 7) == D("2026-03-02")


def test_r00b_twenty_working_days_licence_limit_over_spring_festival() -> None:
    # R-05's default 20 working days, applied on Monday 2026-02-02 (not counted):
    # 02-03..02-06 = 1..4; 02-09..02-13 = 5..9; Sat 02-14 = 10; 02-15..02-23 off;
    # 02-24..02-27 = 11..14; Sat 02-28 = 15; Sun 03-01 off; 03-02..03-06 = 16..20.
    assert calendar().add_working_days(D("2026-02-02"), 20) == D("2026-03-06")


def test_r00b_working_days_between_inverts_add_working_days() -> None:
    cal = calendar()
    start = D("2026-02-13")
    for n in range(0, 40):
        assert cal.working_days_between(start, cal.add_working_days(start, n)) == n
    # 09-30 (not counted) .. 10-10: 10-01..10-07 off, Thu 10-08, Fri 10-09, Sat 10-10 = 3.
    assert cal.working_days_between(D("2026-09-30"), D("2026-10-10")) == 3
    # Overdue by the same count, with the sign flipped.
    assert cal.working_days_between(D("2026-10-10"), D("2026-09-30")) == -3
    assert cal.working_days_between(start, start) == 0


def test_r00b_zero_working_days_is_the_start_day() -> None:
    assert calendar().add_working_days(D("2026-02-15"), 0) == D("2026-02-15")


def test_negative_periods_are_refused() -> None:
    cal = calendar()
    with pytest.raises(CalendarInputError):
        cal.add_working_days(D("2026-02-13"), -1)
    with pytest.raises(CalendarInputError):
        cal.add_calendar_days(D("2026-02-13"), -1)


def test_a_datetime_is_refused_as_a_day() -> None:
    # Which calendar day a datetime falls on depends on the zone: callers convert first.
    with pytest.raises(TypeError):
        calendar().is_working_day(dt.datetime(2026, 2, 14, 12, tzinfo=dt.UTC))


# ---------------------------------------------------------------------------------------------
# R-00a: calendar-day periods, start not counted, a rest-day end rolls to the next working day


def test_r00a_calendar_day_period_ending_in_national_day_rolls_to_october_8() -> None:
    # R-10's 20 days from tender documents issued Sunday 2026-09-13 (not counted):
    # 09-14 is day 1, 09-30 is day 17, 10-03 is day 20. 10-03..10-07 are National Day
    # holidays, so the period ends on Thursday 2026-10-08.
    assert calendar().add_calendar_days(D("2026-09-13"), 20) == D("2026-10-08")


def test_r00a_period_ending_on_a_working_day_does_not_roll() -> None:
    # 2026-02-13 + 5 days = Wednesday 02-18 is in the Spring Festival holiday: rolls to 02-24.
    cal = calendar()
    assert cal.add_calendar_days(D("2026-02-13"), 5) == D("2026-02-24")
    # 2026-03-02 + 3 days = Thursday 03-05, an ordinary working day.
    assert cal.add_calendar_days(D("2026-03-02"), 3) == D("2026-03-05")
    # An ordinary weekend end rolls to Monday: Fri 03-06 + 1 = Sat 03-07 -> Mon 03-09.
    assert cal.add_calendar_days(D("2026-03-06"), 1) == D("2026-03-09")


def test_r00a_roll_to_working_day() -> None:
    cal = calendar()
    assert cal.roll_to_working_day(D("2026-10-01")) == D("2026-10-08")
    assert cal.roll_to_working_day(D("2026-02-15")) == D("2026-02-24")
    assert cal.roll_to_working_day(D("2026-02-28")) == D("2026-02-28")  # make-up Saturday


# ---------------------------------------------------------------------------------------------
# Overrides: unknown years, corrections


def test_r00c_unknown_year_is_refused_not_guessed() -> None:
    assert package_knows_year(2026)
    assert not package_knows_year(2027)
    assert package_says(D("2027-01-04")) is None
    cal = calendar()
    with pytest.raises(CalendarUnknownError) as caught:
        cal.is_working_day(D("2027-01-04"))
    assert caught.value.year == 2027
    assert "2027" in caught.value.message_zh and "2027" in caught.value.message_en
    assert "2027" in str(caught.value)
    # A deadline that would need 2027 is refused ...
    with pytest.raises(CalendarUnknownError):
        cal.add_working_days(D("2026-12-30"), 2)
    # ... but one that stays inside 2026 is computed (Thu 12-31 is a working day).
    assert cal.add_working_days(D("2026-12-30"), 1) == D("2026-12-31")


def test_r00c_override_makes_2027_computable() -> None:
    # The admin enters New Year 2027: Friday 01-01 off. The rest of 2027 then follows the
    # ordinary week.
    cal = calendar({D("2027-01-01"): False})
    assert cal.is_working_day(D("2027-01-01")) is False
    assert cal.is_working_day(D("2027-01-02")) is False  # Saturday
    assert cal.is_working_day(D("2027-01-04")) is True  # Monday
    # Wed 2026-12-30 (not counted): 1 = Thu 12-31; Fri 01-01 off; Sat-Sun off; 2 = Mon 01-04.
    assert cal.add_working_days(D("2026-12-30"), 2) == D("2027-01-04")
    # 20 calendar days from Sun 2026-12-13 end on Sat 2027-01-02: rolls to Mon 01-04.
    assert cal.add_calendar_days(D("2026-12-13"), 20) == D("2027-01-04")


def test_r00c_override_wins_over_the_package_in_2026() -> None:
    # Suppose 2026-02-24 were declared a rest day: from Fri 02-13, 1 = Sat 02-14, 02-15..02-24
    # off, 2 = Wed 02-25, 3 = Thu 02-26, 4 = Fri 02-27, 5 = Sat 02-28 (make-up).
    cal = calendar({D("2026-02-24"): False})
    assert cal.add_working_days(D("2026-02-13"), 5) == D("2026-02-28")
    # And a package rest day declared working: Sunday 03-01.
    cal = calendar({D("2026-03-01"): True})
    assert cal.add_calendar_days(D("2026-02-28"), 1) == D("2026-03-01")
    assert cal.add_working_days(D("2026-02-13"), 7) == D("2026-03-01")


def test_overrides_are_loaded_once_per_range() -> None:
    source = FakeOverrides({D("2027-01-01"): False})
    cal = WorkingCalendar(source)
    cal.add_working_days(D("2026-02-02"), 200)  # runs into late 2026
    assert source.calls == [(2026, 2026)]
    cal.working_days_between(D("2026-01-01"), D("2027-12-31"))
    assert source.calls == [(2026, 2026), (2027, 2027)]  # only the year not loaded yet

    source = FakeOverrides({D("2027-01-01"): False})
    cal = WorkingCalendar(source)
    assert cal.working_days_between(D("2025-06-01"), D("2027-06-01")) > 0
    assert source.calls == [(2025, 2027)]
