"""``ggzy draw verify`` on a real log export: a real draw matches; a tampered one does not."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from expert_pool import drawing
from expert_pool.cli import draw as draw_cli
from expert_pool.models import PickState
from supervision import checkpoints, export, note, verifier
from supervision import services as supervision
from tests.integration.expert_pool.conftest import closed_section
from tests.integration.expert_pool.test_draw_engine import STAFF, draw_input, pool, regulator, run_draw
from trading import db


def _export(path: Path) -> None:
    with db.transaction() as session:
        supervision.checkpoint_now(session, "test")
    with open(path, "wb") as handle:
        for line in export.export_lines():
            handle.write(line)


def _real_draw(client) -> str:  # type: ignore[no-untyped-def]
    section = closed_section(client, "ver")
    supervisor = regulator()
    pool(1, 9)
    draw = run_draw(draw_input(section, supervisor))
    with db.transaction() as session:
        first = drawing.picks_of(session, draw.id)[0]
        first.state = PickState.DECLINED.value
        assert drawing.replace(session, STAFF, first.id, "declined") is not None
    return draw.number


def test_a_real_export_matches_and_the_log_verifies(client, tmp_path: Path) -> None:
    number = _real_draw(client)
    path = tmp_path / "log.jsonl"
    _export(path)
    result = CliRunner().invoke(draw_cli, ["verify", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{number} (ggzy-draw-v3): match" in result.output
    only = CliRunner().invoke(draw_cli, ["verify", str(path), "--draw", number])
    assert only.exit_code == 0 and only.output.count("match") == 1
    with open(path, "rb") as handle:  # the domain rules of the log verifier agree
        report = verifier.verify_lines(handle, log_key=note.parse_vkey(checkpoints.log_vkey()))
    assert report.ok, (report.error, report.violations)


def _tamper(path: Path, action: str, change) -> Path:  # type: ignore[no-untyped-def]
    lines = path.read_bytes().splitlines(keepends=True)
    out = []
    for line in lines:
        if line.startswith(b'{"entry":') and f'"action":"{action}"'.encode() in line:
            doc = json.loads(line)
            change(doc["entry"]["body"])
            line = json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"
        out.append(line)
    bad = path.with_name(f"bad-{action}.jsonl")
    bad.write_bytes(b"".join(out))
    return bad


def test_tampered_pool_seed_and_result_each_say_mismatch(client, tmp_path: Path) -> None:
    number = _real_draw(client)
    path = tmp_path / "log.jsonl"
    _export(path)

    def pool_change(body: dict) -> None:  # type: ignore[type-arg]
        body["eligible"]["A01"].append("E999999")

    def seed_change(body: dict) -> None:  # type: ignore[type-arg]
        body["r_platform"] = "00" * 32

    def result_change(body: dict) -> None:  # type: ignore[type-arg]
        body["selected"]["A01"].reverse()

    for change, where in ((pool_change, "pool"), (seed_change, "seed"), (result_change, "result")):
        bad = _tamper(path, "draw.result", change)
        result = CliRunner().invoke(draw_cli, ["verify", str(bad), "--draw", number])
        assert result.exit_code == 1, result.output
        assert "mismatch" in result.output and f": {where}" in result.output, result.output


def test_a_missing_file_is_bad_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(draw_cli, ["verify", str(tmp_path / "none.jsonl")])
    assert result.exit_code == 2


def test_the_regulator_verifies_one_draw_with_one_click(client) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.expert_pool.conftest import login, post_form

    number = _real_draw(client)  # its supervisor is the regulator "supervisor"
    login(client, "supervisor")
    page = client.get("/supervision/draws")
    assert page.status_code == 200 and f"draw:{number}" in page.text
    answer = post_form(client, "/supervision/draws/verify", {"subject": f"draw:{number}"},
                       form_page="/supervision/draws")
    assert answer.status_code == 200, answer.text
    assert "一致：结果可由日志复现" in answer.text
    assert "平台随机数与承诺一致" in answer.text
    assert "r_platform matches the commitment" not in answer.text  # the reader's language only
    missing = post_form(client, "/supervision/draws/verify", {"subject": "draw:NONE"},
                        form_page="/supervision/draws")
    assert missing.status_code == 404


def test_the_button_is_for_regulators_only(client) -> None:  # type: ignore[no-untyped-def]
    from tests.integration.expert_pool.conftest import login, make_user, post_form
    from trading.accounts.models import Role

    make_user("plain-staff", Role.STAFF)
    login(client, "plain-staff")
    answer = post_form(client, "/supervision/draws/verify", {"subject": "draw:X"},
                       form_page="/bidding/tenders/new")
    assert answer.status_code == 403


def test_a_tampered_log_says_mismatch_in_the_portal(client) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text, update

    from supervision.models import LogEntry
    from tests.integration.expert_pool.conftest import login, post_form

    number = _real_draw(client)
    with db.transaction() as session:
        if session.get_bind().dialect.name == "postgresql":  # a DBA switching the guard off
            session.execute(text("SET LOCAL session_replication_role = replica"))
        row = session.query(LogEntry).filter(LogEntry.subject == f"draw:{number}",
                                             LogEntry.action == "draw.result").one()
        body = dict(row.body)
        body["r_platform"] = "00" * 32
        session.execute(update(LogEntry).where(LogEntry.seq == row.seq).values(body=body))
    login(client, "supervisor")
    answer = post_form(client, "/supervision/draws/verify", {"subject": f"draw:{number}"},
                       form_page="/supervision/draws")
    assert "不一致" in answer.text and f"entry {row.seq}: seed" in answer.text
