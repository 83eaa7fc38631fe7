"""JSON structures (msgspec) of the public progress look-up (R-08) and the statistics (City §36).
States carry their code for programs and their label for people."""

from __future__ import annotations

import datetime as dt

import msgspec


class EventOut(msgspec.Struct):
    at: dt.datetime
    event: str  # the label, in the request's language
    detail: str  # a notice number, or empty


class ProgressOut(msgspec.Struct):
    tracking_number: str
    item: str
    item_name: str
    department_name: str
    region_name: str  # the region whose approval center handles it (City §30)
    state: str
    state_label: str
    # Working days left on the running limit: 0 = due today, negative = overdue; None: none runs.
    working_days_left: int | None
    history: list[EventOut]


class CountOut(msgspec.Struct):
    key: str
    name: str
    count: int


class TimeOut(msgspec.Struct):
    """One item's or department's applications, handling and paused time (working days)."""

    key: str
    name: str
    count: int
    average_days: float | None  # receipt to the decision on receipt
    paused_days: int  # inside excluded periods, an open one through today
    paused_average: float | None  # per accepted application


class StatisticsOut(msgspec.Struct):
    region: str | None  # the region code counted, or None for every region the user sees
    total: int
    by_item: list[CountOut]
    by_department: list[CountOut]
    by_state: list[CountOut]
    decided: int
    average_days: float | None  # working days from receipt to the decision on receipt
    worst_days: int | None
    paused_days: int
    paused_average: float | None
    time_by_item: list[TimeOut]
    time_by_department: list[TimeOut]
    overdue: int
    ratings: list[CountOut]
    satisfied_percent: float | None
    complaints: int
    complaints_open: int
    complaints_overdue: int
