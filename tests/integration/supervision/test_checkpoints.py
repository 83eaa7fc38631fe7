"""Checkpoints, proofs, the export and the offline verifier on a real migrated database.

The proofs are compared with an independent RFC 9162 recursion written here (not the one in
supervision.merkle) over leaf hashes recomputed from the stored canonical bytes.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from supervision import checkpoints, merkle, note, services
from supervision.cli import log as log_cli
from supervision.models import LogCheckpoint
from trading import db
from trading.audit import Actor

ACTOR = Actor(user_id="u-1", role="bidder", ip="10.1.2.3")


def _append(count: int, subject: str = "test:1") -> None:
    with db.transaction() as session:
        for i in range(count):
            services.record(session, ACTOR, "test.step", subject, {"n": i})


def _leaves() -> list[bytes]:
    with db.read_only() as session:
        rows = services.entries(session, limit=100_000)
    return [hashlib.sha256(b"\x00" + row.canonical).digest() for row in rows]


# --- an independent RFC 9162 §2.1 recursion -------------------------------------------------


def _mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def _subproof(m: int, leaves: list[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [_mth(leaves)]
    k = 1
    while k * 2 < n:
        k *= 2
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), _mth(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), _mth(leaves[:k])]


def _proof(m: int, leaves: list[bytes]) -> list[bytes]:
    return [] if m in (0, len(leaves)) else _subproof(m, leaves, True)


def test_consistency_between_every_pair_of_sizes_up_to_64(database: str) -> None:
    _append(64)
    leaves = _leaves()
    with db.read_only() as session:
        for n in range(1, 65):
            root_n = services.root_at(session, n)
            assert root_n == _mth(leaves[:n])
            for m in range(0, n + 1):
                proof = services.consistency_proof(session, m, n)
                assert proof == _proof(m, leaves[:n]), (m, n)
                merkle.verify_consistency(m, n, _mth(leaves[:m]), root_n, proof)


def test_inclusion_proofs_for_every_entry(database: str) -> None:
    _append(21)
    leaves = _leaves()
    with db.read_only() as session:
        for index in range(21):
            proof = services.inclusion_proof(session, index, 21)
            merkle.verify_inclusion(leaves[index], index, 21, proof, _mth(leaves))


def test_a_checkpoint_is_signed_in_the_callers_transaction(database: str) -> None:
    with db.transaction() as session:
        services.record(session, ACTOR, "tender.closed", "tender:1", {})
        signed = services.checkpoint_now(session, "closing")
        assert services.checkpoint_now(session, "again") == signed  # same size: same note
    key = checkpoints.signing_key()
    checkpoint, cosignatures = note.open_checkpoint(signed.note, key.verifier)
    assert (checkpoint.size, checkpoint.root, cosignatures) == (1, _mth(_leaves()), [])
    with pytest.raises(RuntimeError), db.transaction() as session:
        services.record(session, ACTOR, "tender.opened", "tender:1", {})
        services.checkpoint_now(session, "opening")
        raise RuntimeError("the opening failed")
    with db.read_only() as session:
        assert services.latest_checkpoint(session) == signed


def test_the_signing_key_is_owner_only_and_outside_the_database(database: str, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "k" / "log.key"
    monkeypatch.setenv("GGZY_LOG_KEY_FILE", str(path))
    monkeypatch.setenv("GGZY_LOG_ORIGIN", "gov.example/ggzy")
    with db.transaction() as session:
        signed = services.checkpoint_now(session, "manual")
    assert path.stat().st_mode & 0o777 == 0o600
    assert signed.note.startswith("gov.example/ggzy\n0\n")
    monkeypatch.setenv("GGZY_LOG_ORIGIN", "other.example/log")
    checkpoints._KEYS.clear()
    from supervision import config

    config.get_config.cache_clear()
    with pytest.raises(note.NoteError, match=r"is named 'gov\.example/ggzy'"):
        checkpoints.signing_key()


def _export(tmp_path: Path, runner: CliRunner) -> Path:
    out = tmp_path / "log.jsonl"
    result = runner.invoke(log_cli, ["export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_export_then_verify_then_one_edited_byte(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    _append(5)
    with db.transaction() as session:
        services.checkpoint_now(session, "closing")
    _append(7, subject="test:2")
    out = _export(tmp_path, runner)
    vkey = checkpoints.log_vkey()
    ok = runner.invoke(log_cli, ["verify", str(out), "--log-key", vkey])
    assert ok.exit_code == 0, ok.output
    assert "12 entries, 2 checkpoints" in ok.output
    lines = out.read_bytes().split(b"\n")
    lines[4] = lines[4].replace(b'"ip":"10.1.2.3"', b'"ip":"10.1.2.4"')
    out.write_bytes(b"\n".join(lines))
    bad = runner.invoke(log_cli, ["verify", str(out), "--log-key", vkey])
    assert bad.exit_code == 1
    assert "entry 3 was modified" in bad.output and "first bad entry / 首个问题条目: 3" in bad.output
    assert "Traceback" not in bad.output


def test_verify_refuses_wrong_keys_origins_and_files_precisely(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    _append(3)
    out = _export(tmp_path, runner)
    stranger = note.generate_key(checkpoints.signing_key().name).verifier.encode()
    wrong = runner.invoke(log_cli, ["verify", str(out), "--log-key", stranger])
    assert wrong.exit_code == 1 and "no signature by the trusted key" in wrong.output
    elsewhere = note.generate_key("elsewhere.example/log").verifier.encode()
    origin = runner.invoke(log_cli, ["verify", str(out), "--log-key", elsewhere])
    assert origin.exit_code == 1 and "unknown log origin" in origin.output
    garbage = runner.invoke(log_cli, ["verify", str(out), "--log-key", "not+a+key"])
    assert garbage.exit_code == 2 and "bad input" in garbage.output
    missing = runner.invoke(log_cli, ["verify", str(tmp_path / "nope.jsonl")])
    assert missing.exit_code == 2 and "cannot read" in missing.output
    for result in (wrong, origin, garbage, missing):
        assert "Traceback" not in result.output


def test_verify_against_a_trusted_checkpoint(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    _append(4)
    with db.transaction() as session:
        trusted = services.checkpoint_now(session, "witnessed")
    held = tmp_path / "trusted.note"
    held.write_text(trusted.note)
    _append(4)
    out = _export(tmp_path, runner)
    vkey = checkpoints.log_vkey()
    args = ["verify", str(out), "--log-key", vkey, "--trusted-checkpoint", str(held)]
    assert runner.invoke(log_cli, args).exit_code == 0
    # The log is cut back to 3 entries in a new export: the trusted checkpoint catches it.
    lines = out.read_bytes().splitlines(keepends=True)
    short = [lines[0].replace(b'"size":8', b'"size":3'), *lines[1:4]]
    root = merkle.root_from_leaves(_leaves()[:3])
    key = checkpoints.signing_key()
    short.append(json.dumps({"checkpoint": note.sign_checkpoint(note.Checkpoint(key.name, 3, root), key)},
                            ensure_ascii=False).encode() + b"\n")
    short.append(b'{"end":{"entries":3,"checkpoints":1}}\n')
    out.write_bytes(b"".join(short))
    result = runner.invoke(log_cli, args)
    assert result.exit_code == 1 and "truncated" in result.output


def test_checkpoints_are_append_only_on_postgresql(database: str) -> None:
    if not database.startswith("postgresql"):
        pytest.skip("PostgreSQL triggers")
    from sqlalchemy import update
    from sqlalchemy.exc import DBAPIError

    with db.transaction() as session:
        services.checkpoint_now(session, "x")
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(update(LogCheckpoint).values(reason="rewritten"))


def test_the_periodic_checkpoint_job_signs_and_schedules_its_successor(database: str) -> None:
    import datetime as dt

    from sqlalchemy import update as sql_update

    from supervision import tasks
    from trading import clock, job_runner, jobs
    from trading.jobs import JobStatus, ScheduledJob

    _append(2)
    with db.transaction() as session:
        tasks.schedule_periodic_checkpoint(session, at=clock.now(session))
        tasks.schedule_periodic_checkpoint(session)  # a live one exists: nothing more
        job = jobs.get_job(session, tasks.CHECKPOINT_JOB, tasks.CHECKPOINT_SUBJECT)
        assert job is not None
        job_id, version = job.id, job.version
        session.execute(sql_update(ScheduledJob).where(ScheduledJob.id == job_id).values(
            status=JobStatus.QUEUED.value, lease_until=clock.now(session) + dt.timedelta(minutes=1)))
    assert job_runner.execute(job_id, version).result == "ran"
    with db.read_only() as session:
        signed = services.latest_checkpoint(session)
        successor = jobs.get_job(session, tasks.CHECKPOINT_JOB, tasks.CHECKPOINT_SUBJECT)
    assert signed is not None and signed.reason == "interval"
    assert successor is not None and successor.id != job_id and successor.status == "pending"


def test_the_keygen_and_checkpoint_commands(database: str) -> None:
    runner = CliRunner()
    _append(2)
    vkey = runner.invoke(log_cli, ["keygen"])
    assert vkey.exit_code == 0 and note.parse_vkey(vkey.output.strip()) == checkpoints.signing_key().verifier
    signed = runner.invoke(log_cli, ["checkpoint", "--reason", "manual"])
    assert signed.exit_code == 0, signed.output
    checkpoint, _ = note.open_checkpoint(signed.output, checkpoints.signing_key().verifier)
    assert checkpoint.size >= 2  # the periodic job's scheduling is logged too
