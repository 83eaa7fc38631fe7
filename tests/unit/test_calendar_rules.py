"""Working-day arithmetic on the real 2026 State Council arrangements (R-00a, R-00b, R-00c).

These tests drive :class:`trading.calendar.WorkingCalendar` with an in-memory entry source,
so they need no database; tests/integration/trading/test_calendar.py covers the tables, the
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
    EnteredYear,
    WorkingCalendar,
    YearSource,
    days_before,
    package_knows_year,
    package_says,
)

D = dt.date.fromisoformat


class FakeEntries:
    """An entry source (entered years) that counts how often it is asked (each call is one
    query)."""

    def __init__(self, entries: Mapping[int, Mapping[dt.date, bool]] | None = None) -> None:
        self.entries = dict(entries or {})
        self.calls: list[tuple[int, int]] = []

    def __call__(self, first_year: int, last_year: int) -> dict[int, EnteredYear]:
        self.calls.append((first_year, last_year))
        return {year: EnteredYear(days) for year, days in self.entries.items()
                if first_year <= year <= last_year}


def calendar(entries: Mapping[int, Mapping[dt.date, bool]] | None = None) -> WorkingCalendar:
    return WorkingCalendar(FakeEntries(entries))


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
# Provisional and entered years (R-00c)


def test_r00c_a_year_nobody_confirmed_is_provisional_not_refused() -> None:
    assert package_knows_year(2026)
    assert not package_knows_year(2027)
    assert package_says(D("2027-01-04")) is None
    cal = calendar()
    assert cal.source_of(2027) == YearSource.PROVISIONAL and cal.source_of(2026) == YearSource.PACKAGE
    # The statutory holidays the law fixes: New Year, Spring Festival (eve + 3 days, with the
    # weekday in lieu of the weekend days), National Day ...
    assert not cal.is_working_day(D("2027-01-01"))
    assert not cal.is_working_day(D("2027-02-08"))  # Monday, third day of Spring Festival
    assert not cal.is_working_day(D("2027-02-09"))  # in lieu of Saturday 02-06
    assert not cal.is_working_day(D("2027-10-01"))
    # ... and ordinary weekends; there are no make-up working days in a provisional year.
    assert not cal.is_working_day(D("2027-01-09"))  # Saturday
    assert cal.is_working_day(D("2027-01-04"))  # Monday
    assert cal.provisional_years == {2027}


def test_r00c_a_period_reaching_a_provisional_year_is_computed_and_marked() -> None:
    cal = calendar()
    # Wed 2026-12-30 (not counted): 1 = Thu 12-31; Fri 2027-01-01 off; weekend; 2 = Mon 01-04.
    assert cal.add_working_days(D("2026-12-30"), 2) == D("2027-01-04")
    assert cal.provisional_years == {2027}
    cal = calendar()
    assert cal.add_working_days(D("2026-12-29"), 2) == D("2026-12-31")
    assert cal.provisional_years == set()


def test_r00c_an_entered_year_follows_its_arrangement() -> None:
    # A constructed arrangement (not the State Council's): Mon 2027-01-04 off, Sat 01-09 worked.
    cal = calendar({2027: {D("2027-01-01"): False, D("2027-01-04"): False,
                           D("2027-01-09"): True}})
    assert cal.source_of(2027) == YearSource.ADMIN
    assert not cal.is_working_day(D("2027-01-04"))
    assert cal.is_working_day(D("2027-01-09"))
    assert cal.is_working_day(D("2027-01-05"))  # an unlisted weekday works
    assert not cal.is_working_day(D("2027-01-10"))  # an unlisted Sunday rests
    # 20 calendar days from Sun 2026-12-13 end Sat 2027-01-02: rolls past 01-03 and 01-04.
    assert cal.add_calendar_days(D("2026-12-13"), 20) == D("2027-01-05")
    assert cal.provisional_years == set()


def test_r00c_an_entry_wins_over_the_package() -> None:
    cal = calendar({2026: {D("2026-02-24"): False}})
    # From Fri 02-13: 1 = Sat 02-14 would be the package's make-up day, but an entered year
    # replaces the package's whole arrangement: 02-14 is an ordinary Saturday now.
    assert not cal.is_working_day(D("2026-02-14"))
    assert not cal.is_working_day(D("2026-02-24"))


def test_r00a_days_before_a_fixed_deadline_do_not_roll() -> None:
    # an act on 2026-10-07 is 10 days before Saturday 10-17, whatever 10-17 is.
    assert days_before(D("2026-10-07"), D("2026-10-17")) == 10
    assert days_before(D("2026-10-08"), D("2026-10-17")) == 9


def test_entries_are_loaded_once_per_range() -> None:
    source = FakeEntries({2027: {D("2027-01-01"): False}})
    cal = WorkingCalendar(source)
    cal.add_working_days(D("2026-02-02"), 200)  # runs into late 2026
    assert source.calls == [(2026, 2026)]
    cal.working_days_between(D("2026-01-01"), D("2027-12-31"))
    assert source.calls == [(2026, 2026), (2027, 2027)]  # only the year not loaded yet

    source = FakeEntries({2027: {D("2027-01-01"): False}})
    cal = WorkingCalendar(source)
    assert cal.working_days_between(D("2025-06-01"), D("2027-06-01")) > 0
    assert source.calls == [(2025, 2027)]
