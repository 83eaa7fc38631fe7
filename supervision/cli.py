"""``ggzy log ...``: export and verify the log, sign checkpoints, run a regulator's witness.

Everything heavy is imported inside the commands: ``verify`` and ``witness`` touch neither the
database nor the web app. Exit status: 0 all holds; 1 the log or export does not hold;
2 bad input (missing file, malformed key); 3 a split view (two inconsistent checkpoints).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

EXIT_BAD = 1
EXIT_INPUT = 2
EXIT_SPLIT_VIEW = 3


def _ready() -> None:
    """What these commands need of the platform: the core models and the log recorder.

    Not ``trading.app.load_domains()``: supervision imports no other domain, not even
    indirectly (import-linter), and a log command needs none of them.
    """
    import importlib

    from supervision import services
    from trading import audit

    importlib.import_module("trading.models")
    importlib.import_module("supervision.models")
    audit.install_recorder(services.record)


def _die(message: str, status: int) -> NoReturn:
    click.echo(message, err=True)
    sys.exit(status)


@click.group("log")
def log() -> None:
    """透明日志：导出、验证、检查点、见证 / the transparency log: export, verify, witness."""


@log.command("keygen")
def keygen() -> None:
    """Create the platform signing key if missing (0600) and print its verifier key."""
    from supervision import checkpoints

    click.echo(checkpoints.log_vkey())


@log.command("checkpoint")
@click.option("--reason", default="manual", show_default=True)
@click.option("--schedule/--no-schedule", default=True, show_default=True,
              help="also make sure the periodic checkpoint job is scheduled")
def checkpoint(reason: str, schedule: bool) -> None:
    """Sign a checkpoint of the log now and print it."""
    from supervision import checkpoints, tasks
    from trading import db
    _ready()
    with db.transaction() as session:
        if schedule:
            tasks.schedule_periodic_checkpoint(session)
        signed = checkpoints.checkpoint_now(session, reason)
    click.echo(signed.note, nl=False)


@log.command("export")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--sign/--no-sign", default=True, show_default=True,
              help="sign a checkpoint first, so the export covers every entry (not with --size "
                   "or --up-to-witnessed, which end at an existing checkpoint)")
@click.option("--size", type=click.IntRange(0, 2**63 - 1),
              help="end at the signed checkpoint of this tree size (it must exist)")
@click.option("--up-to-witnessed", is_flag=True,
              help="end at the newest checkpoint a witness cosigned (for verify --witness-key)")
@click.option("--witness", "witnesses", multiple=True,
              help="with --up-to-witnessed: cosigned by this witness (its key name); repeatable")
def export(out: Path, sign: bool, size: int | None, up_to_witnessed: bool,
           witnesses: tuple[str, ...]) -> None:
    """Write the log (entries and checkpoints) as JSON Lines, streaming."""
    from supervision import checkpoints
    from supervision import export as exporter
    from trading import db
    from trading.errors import UserError
    _ready()
    chosen = size is not None or up_to_witnessed or bool(witnesses)
    if sign and not chosen:
        with db.transaction() as session:
            checkpoints.checkpoint_now(session, "export")
    try:
        end = exporter.choose_end(size, up_to_witnessed, witnesses)
        with open(out, "wb") as handle:
            for line in exporter.export_lines(end):
                handle.write(line)
    except UserError as error:
        _die(f"无法导出 / cannot export: {error}", EXIT_INPUT)
    click.echo(f"exported to {out} (size {end})")


@log.command("verify")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log-key", help="the platform's verifier key (name+id+key, or a file holding it)")
@click.option("--trusted-checkpoint", multiple=True, type=click.Path(path_type=Path),
              help="a checkpoint you hold: a note, a witness state or history file, or a folder "
                   "of them (your witness's); repeatable. The export must extend each")
@click.option("--trusted-export", type=click.Path(dir_okay=False, path_type=Path),
              help="an export you verified before: compared entry by entry, so the first "
                   "changed entry is named exactly")
@click.option("--witness-key", multiple=True,
              help="a witness verifier key: the newest checkpoint must carry its valid "
                   "cosignature; repeatable")
@click.option("--trust-log-key-from-export", is_flag=True,
              help="no pinned key or checkpoint: use the key inside the export (catches accidents "
                   "only, never a rewrite)")
def verify(file: Path, log_key: str | None, trusted_checkpoint: tuple[Path, ...],
           trusted_export: Path | None, witness_key: tuple[str, ...],
           trust_log_key_from_export: bool) -> None:
    """Verify an export offline; exit 0 only when everything holds."""
    from supervision import note, trust, verifier

    try:
        key = note.read_vkey(log_key) if log_key else None
        witnesses = [trust.read_witness_key(value) for value in witness_key]
        trusted = [text for path in trusted_checkpoint for text in trust.read_trusted(path)]
        report = verifier.verify_file(str(file), key, trusted, witnesses,
                                      trust_log_key_from_export,
                                      str(trusted_export) if trusted_export else None)
    except note.NoteError as error:
        _die(f"输入无效 / bad input: {error}", EXIT_INPUT)
    except OSError as error:
        name = error.filename or file
        _die(f"无法读取 {name} / cannot read {name}: {error.strerror}", EXIT_INPUT)
    for line in trust.describe(report):
        click.echo(line, err=report.error is not None or line.startswith(("警告", "违反")))
    sys.exit(0 if report.ok else EXIT_BAD)


@log.command("witness-keygen")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--name", required=True, help="the witness's name, e.g. fgw.yangquan.example/witness")
def witness_keygen(out: Path, name: str) -> None:
    """Create a witness key (0600) and print its verifier key for registration."""
    from supervision import note

    try:
        key = note.generate_key(name, note.COSIGNATURE_V1)
        note.write_private_key(out, key)
    except FileExistsError:
        _die(f"{out} 已存在，不会覆盖 / {out} exists; not overwriting", EXIT_INPUT)
    except note.NoteError as error:
        _die(str(error), EXIT_INPUT)
    click.echo(key.verifier.encode())


@log.command("witness-register")
@click.option("--user", "username", required=True, help="the regulator's username")
@click.option("--vkey", required=True, help="the witness's verifier key")
def witness_register(username: str, vkey: str) -> None:
    """(Operator) register a regulator's witness key, so its cosignatures are accepted."""
    from sqlalchemy import select

    from supervision import checkpoints
    from trading import db
    from trading.accounts.models import Role, User
    from trading.audit import Actor
    from trading.errors import UserError

    _ready()
    try:
        with db.transaction() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None or Role.REGULATOR.value not in user.role_names:
                raise UserError(f"没有名为 {username} 的监管账户", f"no regulator account {username}")
            checkpoints.register_witness_key(session, Actor.system("cli"), user.id, vkey)
    except UserError as error:
        _die(str(error), EXIT_INPUT)
    click.echo(f"registered for {username}")


@log.command("witness")
@click.option("--url", required=True, help="the platform, e.g. http://127.0.0.1:8000")
@click.option("--key", "key_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--state", "state_file", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--token", envvar="GGZY_API_TOKEN", required=True,
              help="the regulator's API token (or GGZY_API_TOKEN)")
@click.option("--log-key", help="the platform's verifier key (pinned on the first run)")
def witness(url: str, key_file: Path, state_file: Path, token: str, log_key: str | None) -> None:
    """Verify the newest checkpoint against the last one held, cosign and upload it."""
    import httpx

    from supervision import note
    from supervision import witness as witness_client

    try:
        key = note.read_private_key(key_file)
        pinned = note.read_vkey(log_key) if log_key else None
        with httpx.Client(base_url=url, timeout=30) as client:
            outcome = witness_client.run(client, key, state_file, token, pinned)
    except witness_client.SplitView as error:
        _die("\n".join(["!" * 72, "!!! 日志呈现了不一致的检查点（分叉视图或改写）——立即上报",
                        "!!! THE LOG PRESENTED INCONSISTENT CHECKPOINTS (split view or rewrite)",
                        f"!!! {error}", f"!!! evidence / 证据: {error.evidence}", "!" * 72]),
             EXIT_SPLIT_VIEW)
    except (witness_client.WitnessError, note.NoteError) as error:
        _die(f"见证失败 / witness failed: {error}", EXIT_BAD)
    if outcome.trusted_on_first_use is not None:
        click.echo(f"首次运行，未指定 --log-key：信任并固定平台当前提供的公钥 / first run without "
                   f"--log-key: trusting and pinning the key the platform serves now:\n"
                   f"  {outcome.trusted_on_first_use}\n"
                   f"请通过其他渠道核对此公钥 / check this key through another channel", err=True)
    before = "first run" if outcome.previous_size is None else f"from size {outcome.previous_size}"
    click.echo(f"cosigned the checkpoint of size {outcome.size} ({before}) / 已联署")


