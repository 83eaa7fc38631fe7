"""``ggzy clock`` and what a person sees of the test clock: the banner and /healthz."""

from __future__ import annotations

import datetime as dt

from click.testing import CliRunner

from tests import clock as test_clock
from trading import clock
from trading.cli import main


def test_clock_set_and_advance_move_the_database_clock(database: str) -> None:
    runner = CliRunner()
    done = runner.invoke(main, ["clock", "set", "2026-12-13T10:00:00+08:00"])
    assert done.exit_code == 0, done.output
    assert "2026-12-13 10:00" in done.output
    assert dt.timedelta(0) <= test_clock.now() - test_clock.beijing(2026, 12, 13, 10) \
        < dt.timedelta(minutes=1)
    done = runner.invoke(main, ["clock", "advance", "21d2h"])
    assert done.exit_code == 0, done.output
    assert "2027-01-03 12:00" in done.output
    assert clock.legal_day(test_clock.now()) == dt.date(2027, 1, 3)


def test_clock_refuses_what_it_cannot_read(database: str) -> None:
    runner = CliRunner()
    for argv in (["clock", "set", "2026-12-13T10:00"], ["clock", "set", "tomorrow"],
                 ["clock", "advance", "soon"], ["clock", "advance", ""]):
        done = runner.invoke(main, argv)
        assert done.exit_code == 2, (argv, done.output)


def test_every_page_says_the_clock_is_simulated(client) -> None:
    page = client.get("/")
    assert "测试时钟：此处时间为模拟时间" in page.text
    assert client.get("/healthz").json()["test_clock"] is True
