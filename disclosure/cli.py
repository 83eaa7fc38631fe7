"""``ggzy ocds export`` and ``ggzy disclosure verify``."""

from __future__ import annotations

import json
from pathlib import Path

import click


def _load() -> None:
    from trading.app import load_domains

    load_domains()


@click.group("ocds")
def ocds_group() -> None:
    """Open Contracting Data Standard (OCDS) export."""


@ocds_group.command("export")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="file to write (JSON)")
@click.option("--records", is_flag=True, help="write a record package instead of releases")
def export(out: Path, records: bool) -> None:
    """Write every public release (or record) as one OCDS package."""
    from disclosure import ocds
    from trading import db

    _load()
    with db.read_only() as session:
        package = ocds.full_record_package(session) if records else ocds.full_release_package(
            session)
    out.write_text(json.dumps(package, ensure_ascii=False, indent=1), encoding="utf-8")
    count = len(package.get("records" if records else "releases", []))
    click.echo(f"wrote {count} {'records' if records else 'releases'} to {out}")


@click.group("disclosure")
def disclosure_group() -> None:
    """Public notices: integrity checks."""


@disclosure_group.command("verify")
def verify() -> None:
    """Check every notice against its hash in the supervision log (exit 1 on any failure)."""
    from disclosure import proofs
    from trading import db

    _load()
    failures = 0
    with db.read_only() as session:
        ids = proofs.all_notice_ids(session)
        for notice_id in ids:
            result = proofs.verify_notice(session, notice_id)
            if not result.ok:
                failures += 1
                click.echo(f"FAIL {notice_id} (log {result.log_index}): "
                           + "; ".join(result.problems))
    click.echo(f"{len(ids) - failures} of {len(ids)} notices verified")
    if failures:
        raise SystemExit(1)


COMMANDS = (ocds_group, disclosure_group)
