"""`ggzy --help` lists every command without importing the domains (it took seconds), and every
listed command still runs."""

from __future__ import annotations

import json
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from trading.app import DOMAINS
from trading.cli import main
from trading.cli_commands import LAZY_COMMANDS
from trading.settings import PROJECT_ROOT

HEAVY = ("bidding", "expert_pool", "disclosure", "supervision", "litestar", "sqlalchemy", "celery",
         "Crypto", "openpyxl", "trading.app", "trading.db")

HELP_AND_MODULES = """
import json, sys
from trading.cli import main
main(["--help"], standalone_mode=False)
print(json.dumps(sorted(sys.modules)))
"""


def test_help_lists_every_command_without_importing_the_domains():
    result = subprocess.run([sys.executable, "-c", HELP_AND_MODULES], cwd=PROJECT_ROOT,
                            capture_output=True, text=True, timeout=60, check=True)
    *help_lines, modules_line = result.stdout.strip().splitlines()
    imported = json.loads(modules_line)
    assert [m for m in imported if m.startswith(HEAVY)] == []
    listed = {line.split()[0] for line in help_lines[help_lines.index("Commands:") + 1:]}
    assert listed == {"bid", "calendar", "clock", "custody", "disclosure", "dispatcher", "draw",
                      "log", "migrate", "ocds", "run", "seed-demo", "web", "worker"}
    assert any("专家抽取 / expert draws." in line for line in help_lines)


def domain_and_core_commands() -> dict[str, click.Command]:
    from trading.calendar_cli import calendar_group
    from trading.clock_cli import clock_group

    commands = {c.name: c for c in (calendar_group, clock_group)}
    for domain in DOMAINS:
        for command in domain.cli_commands:
            assert command.name not in commands, f"two commands named {command.name}"
            commands[command.name] = command
    return commands


def test_the_lazy_table_matches_what_the_domains_declare():
    declared = domain_and_core_commands()
    assert set(LAZY_COMMANDS) == set(declared)
    for name, lazy in LAZY_COMMANDS.items():
        assert lazy.load() is declared[name], name
        for limit in (45, 200):
            assert lazy.short_help(limit) == declared[name].get_short_help_str(limit), name


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_every_lazy_command_runs(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert f"Usage: main {name}" in result.output or f"Usage: ggzy {name}" in result.output
    subcommands = result.output.split("Commands:")[1].split()
    assert subcommands, result.output


def test_an_unknown_command_is_refused_by_name():
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output
