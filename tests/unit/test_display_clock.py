"""The header clock follows the database clock without a query per page."""

from __future__ import annotations

import datetime as dt

from trading import clock


def test_display_time_follows_the_database_and_is_remeasured_only_every_few_seconds(monkeypatch):
    monkeypatch.setattr(clock, "_display_offset", None)
    calls = []

    def database_an_hour_ahead() -> dt.datetime:
        calls.append(1)
        return dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)

    first = clock.display_now(database_an_hour_ahead)
    second = clock.display_now(database_an_hour_ahead)
    expected = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    assert abs((first - expected).total_seconds()) < 1
    assert abs((second - expected).total_seconds()) < 1
    assert len(calls) == 1
    monkeypatch.setattr(clock, "_DISPLAY_REFRESH_SECONDS", 0.0)
    clock.display_now(database_an_hour_ahead)
    assert len(calls) == 2
