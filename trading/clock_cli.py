"""``ggzy clock``: read and move the test clock (tests and demos; refused in production)."""

from __future__ import annotations

import datetime as dt
import re

import click

from trading import clock, db
from trading.settings import get_settings

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


def _require_test_clock() -> None:
    if not get_settings().test_clock:
        raise click.ClickException("测试时钟未开启 / the test clock is off: set GGZY_TEST_CLOCK=1 "
                                   "(never in production)")


def _show() -> None:
    with db.read_only() as session:
        now = clock.now(session)
        offset = clock.test_offset(session)
    click.echo(f"服务器时间 / now: {clock.format_local(now)} ({clock.local_zone().key}); "
               f"offset {offset}")


@click.group("clock")
def clock_group() -> None:
    """测试时钟 — the test clock (GGZY_TEST_CLOCK=1 only)."""


@clock_group.command("show")
def show() -> None:
    """Print the database clock and the test clock's offset."""
    _require_test_clock()
    _show()


@clock_group.command("set")
@click.argument("moment")
def set_clock(moment: str) -> None:
    """Make MOMENT (ISO 8601 with a zone, e.g. 2026-12-13T10:00+08:00) the database's now."""
    _require_test_clock()
    try:
        when = dt.datetime.fromisoformat(moment)
    except ValueError as error:
        raise click.BadParameter(f"not an ISO 8601 instant: {moment}") from error
    if when.tzinfo is None:
        raise click.BadParameter("give a zone offset, e.g. +08:00")
    with db.transaction() as session:
        clock.set_test_now(session, when)
    _show()


@clock_group.command("advance")
@click.argument("duration")
def advance(duration: str) -> None:
    """Move the clock forward by DURATION, e.g. 21d, 2h, 1d12h30m."""
    _require_test_clock()
    found = _DURATION.match(duration.strip())
    if not found or not any(found.groups()):
        raise click.BadParameter("a duration such as 21d, 2h or 1d12h30m")
    days, hours, minutes = (int(g or 0) for g in found.groups())
    with db.transaction() as session:
        clock.advance_test_clock(session, dt.timedelta(days=days, hours=hours, minutes=minutes))
    _show()
