"""The ``ggzy`` group's operator and domain commands, loaded only when one is run.

``ggzy --help`` used to import every domain (and with them Litestar, SQLAlchemy, the crypto
code: seconds) just to list the commands. The group now lists these commands from the table
below, by name and the first paragraph of their help, and imports a command's module only when
that command is invoked (click's lazy-group pattern).

The table names domain modules as strings: the core still imports no domain (import-linter's
contract); the domains' ``Domain.cli_commands`` stay the source of truth, and
tests/unit/test_cli_lazy.py fails when this table and them differ (a name, a target or a help
line). A command missing here is still found when invoked (``domain_command``), only not listed.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

import click
from click.formatting import HelpFormatter


@dataclass(frozen=True)
class LazyCommand:
    name: str
    target: str  # "module:attribute" of the click command
    summary: str  # the first paragraph of its help, for `ggzy --help`

    def short_help(self, limit: int) -> str:
        """What click would list for the command, without importing it."""
        return click.Command(self.name, help=self.summary).get_short_help_str(limit)

    def load(self) -> click.Command:
        module, _, attribute = self.target.partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{self.target} is not a click command")
        return command


LAZY_COMMANDS: dict[str, LazyCommand] = {c.name: c for c in (
    LazyCommand("calendar", "trading.calendar_cli:calendar_group",
                "工作日历 — the working-day calendar: show a year, enter a year's arrangement."),
    LazyCommand("clock", "trading.clock_cli:clock_group",
                "测试时钟 — the test clock (GGZY_TEST_CLOCK=1 only)."),
    LazyCommand("bid", "bidding.cli.bidder:bid",
                "投标人工具 — seal, submit and check bids (the plaintext never leaves this machine)."),
    LazyCommand("custody", "bidding.cli.custodian:custody_group",
                "开标密钥保管人工具 — custodians' keys, the opening-key ceremony, opening shares."),
    LazyCommand("draw", "expert_pool.cli:draw", "专家抽取 / expert draws."),
    LazyCommand("disclosure", "disclosure.cli:disclosure_group", "Public notices: integrity checks."),
    LazyCommand("ocds", "disclosure.cli:ocds_group", "Open Contracting Data Standard (OCDS) export."),
    LazyCommand("log", "supervision.cli:log",
                "透明日志：导出、验证、检查点、见证 / the transparency log: export, verify, witness."),
)}


def domain_command(name: str) -> click.Command | None:
    """A domain command the table does not list: assemble the domains and look for it."""
    from trading.app import DOMAINS

    for domain in DOMAINS:
        for command in domain.cli_commands:
            if isinstance(command, click.Command) and command.name == name:
                return command
    return None


class LazyGroup(click.Group):
    """A group whose listed commands beyond its own are imported only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        lazy = LAZY_COMMANDS.get(cmd_name)
        return lazy.load() if lazy else domain_command(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        """Click's listing, with the table's help lines instead of importing each command."""
        names = [name for name in self.list_commands(ctx)
                 if name in LAZY_COMMANDS or not self.commands[name].hidden]
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, LAZY_COMMANDS[name].short_help(limit)
                 if name in LAZY_COMMANDS else self.commands[name].get_short_help_str(limit))
                for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)
