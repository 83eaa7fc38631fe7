"""``ggzy experts …`` and ``ggzy draw …`` commands.

``ggzy draw verify EXPORT`` re-runs every expert draw of a log export offline (it touches
neither the database nor the app): exit 0 when every draw matches, 1 on any mismatch, 2 when
the file cannot be read. Whether the export itself is intact is ``ggzy log verify``'s check.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

EXIT_MISMATCH = 1
EXIT_INPUT = 2


@click.group("draw")
def draw() -> None:
    """专家抽取 / expert draws."""


@draw.command("verify")
@click.argument("export", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--draw", "number", help="only this draw number, e.g. CQ-2026-0001")
def verify(export: Path, number: str | None) -> None:
    """Re-run the draws in a log export: "match", or "mismatch: <where>" per draw."""
    from supervision import draws

    try:
        with open(export, "rb", buffering=1 << 20) as handle:
            checks = list(draws.check_export(handle, number))
    except OSError as error:
        click.echo(f"无法读取 {export} / cannot read {export}: {error.strerror}", err=True)
        sys.exit(EXIT_INPUT)
    except (ValueError, KeyError, TypeError) as error:
        click.echo(f"导出文件格式无效 / malformed export: {error}", err=True)
        sys.exit(EXIT_INPUT)
    if not checks:
        click.echo(f"导出中没有抽取 {number or ''} / no draw found in the export", err=True)
        sys.exit(EXIT_MISMATCH if number else 0)
    bad = False
    for check in checks:
        click.echo(f"{check.subject.split(':', 1)[-1]} ({check.algorithm}): {check.verdict}")
        for problem in check.problems:
            click.echo(f"  {problem}")
        bad = bad or not check.ok
    sys.exit(EXIT_MISMATCH if bad else 0)


commands: list[Any] = [draw]
