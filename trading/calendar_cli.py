"""``ggzy calendar``: show a year's arrangement, or enter a whole year from a CSV file (R-00c).

The file format is the calendar page's (``trading.calendar_input``): ``date,kind[,name]`` per
line, kind ``holiday``/``休``/``rest`` or ``workday``/``班``/``work``.
"""

from __future__ import annotations

from pathlib import Path

import click

from trading import calendar_input, calendar_views, db
from trading.audit import Actor
from trading.calendar import FIRST_YEAR, LAST_YEAR, YearSource
from trading.errors import UserError
from trading.i18n import translate

LANG = "zh-CN"
ACTOR = Actor.system("admin-cli")
STATUS_KEYS = {YearSource.ADMIN: "calendar.status_admin", YearSource.PACKAGE: "calendar.status_package",
               YearSource.PROVISIONAL: "calendar.status_provisional"}
YEAR = click.IntRange(FIRST_YEAR, LAST_YEAR)


@click.group("calendar")
def calendar_group() -> None:
    """工作日历 — the working-day calendar: show a year, enter a year's arrangement."""


def _echo_months(months: list[calendar_views.Month]) -> None:
    for month in months:
        for label, found in (("休", month.rest), ("班", month.work)):
            for run in found:
                click.echo(f"  {month.number:>2} 月  {label}  {calendar_views.run_label(run, LANG)}")


@calendar_group.command("show")
@click.argument("year", type=YEAR)
def show(year: int) -> None:
    """Print YEAR's status and its rest days (休) and make-up working days (班)."""
    from trading.app import load_domains

    load_domains()
    with db.read_only() as session:
        days = calendar_views.year_days(session, year, LANG)
    click.echo(f"{year} 年：{translate(STATUS_KEYS[days.source], LANG)}")
    if days.source == YearSource.ADMIN:
        click.echo(f"  依据：{days.basis}")
        click.echo(f"  录入人：{days.entered_by}")
        if days.entered_at is not None:
            from trading.clock import format_local

            click.echo(f"  录入时间：{format_local(days.entered_at)}")
    click.echo(translate("calendar.counts", LANG, rest=len(days.holidays), work=len(days.workdays)))
    _echo_months(days.months)


@calendar_group.command("enter-year")
@click.argument("year", type=YEAR)
@click.option("--basis", required=True, help="the State Council notice, e.g. 国办发明电〔2026〕11号")
@click.option("--file", "path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="CSV file: date,kind[,name] per line (kind holiday/休/rest or workday/班/work)")
@click.option("--yes", is_flag=True, help="save without asking for confirmation")
def enter_year(year: int, basis: str, path: Path, yes: bool) -> None:
    """Enter YEAR's whole arrangement from a CSV file: preview, confirm, save (logged)."""
    from trading import calendar_years
    from trading.app import load_domains

    load_domains()  # installs the supervision recorder: the entry is logged
    with path.open("rb") as handle:
        content = handle.read(calendar_input.MAX_FILE_BYTES + 1)
    try:
        arrangement = calendar_input.from_file(year, basis, content)
        with db.read_only() as session:
            expected = calendar_views.forecast(
                session, calendar_years.preview(session, arrangement), LANG)
    except UserError as error:
        raise click.ClickException(error.message_zh + " / " + error.message_en) from None
    click.echo(f"{year} 年节假日安排（依据：{arrangement.basis.strip()}）")
    click.echo(translate("calendar.counts", LANG, rest=len(arrangement.holidays),
                         work=len(arrangement.workdays)))
    _echo_months(calendar_views.by_month(arrangement.holidays, arrangement.workdays))
    if expected:
        click.echo(translate("calendar.forecast_summary", LANG, count=len(expected),
                             broken=sum(f.broken for f in expected)))
        for item in expected:
            click.echo(f"  - {item.label}；{item.period}；现定 {item.chosen}，"
                       f"最早 {item.required}：{item.outcome}")
    else:
        click.echo(translate("calendar.forecast_none", LANG))
    if not yes:
        click.confirm("确认保存？/ Save it?", abort=True)
    try:
        with db.transaction() as session:
            rechecks = calendar_years.enter_year(session, ACTOR, arrangement)
    except UserError as error:
        raise click.ClickException(error.message_zh + " / " + error.message_en) from None
    click.echo(translate("calendar.saved", LANG, year=year, rechecked=len(rechecks),
                         broken=sum(r.broken for r in rechecks)))
