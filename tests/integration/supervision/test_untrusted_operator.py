"""The offline verifier against the platform's own operator, on the real log.

The operator holds the signing key: it can rewrite the whole log and re-sign every
checkpoint. Here it does exactly that to a real export, and the regulator's verification
must fail against what the regulator holds (checkpoints it kept, its witness's history, an
earlier export it verified, its witness's key), naming the first changed entry.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import rfc8785
from click.testing import CliRunner, Result
from litestar.testing import TestClient

from supervision import checkpoints, merkle, note, services, verifier, witness
from supervision.cli import log as log_cli
from trading import db
from trading.audit import Actor

from .conftest import bearer, user_with_token

ACTOR = Actor(user_id="u-9", role="staff", ip="10.0.0.9")


def grow_to(size: int, sign: bool = True) -> str:
    """Log test steps until the log holds ``size`` entries; return the signed checkpoint."""
    with db.transaction() as session:
        for _ in range(size - services.tree_size(session)):
            services.record(session, ACTOR, "test.step", "test:op", {"amount": 100})
        assert services.tree_size(session) == size
        return services.checkpoint_now(session, "test").note if sign else ""


def rewrite(export: Path, seq: int, out: Path) -> None:
    """The operator's consistent rewrite: entry ``seq`` changed, every leaf and every
    checkpoint recomputed and re-signed with the platform's own key; cosignatures dropped."""
    key = checkpoints.signing_key()
    leaves: list[bytes] = []
    lines = []
    for line in export.read_bytes().splitlines(keepends=True):
        if line.startswith(verifier.ENTRY_PREFIX):
            canonical = line[len(verifier.ENTRY_PREFIX):line.rfind(verifier.LEAF_INFIX)]
            doc = json.loads(canonical)
            if doc["seq"] == seq:
                doc["body"] = {**doc["body"], "amount": 1}
                canonical = rfc8785.dumps(doc)
            leaves.append(merkle.leaf_hash(canonical))
            lines.append(verifier.entry_line(canonical, leaves[-1]))
        elif line.startswith(b'{"checkpoint"'):
            root = merkle.root_from_leaves(leaves)
            lines.append(verifier.checkpoint_line(
                note.sign_checkpoint(note.Checkpoint(key.name, len(leaves), root), key)))
        else:
            lines.append(line)
    out.write_bytes(b"".join(lines))


def export(runner: CliRunner, out: Path, *options: str) -> Path:
    result = runner.invoke(log_cli, ["export", "--out", str(out), *options])
    assert result.exit_code == 0, result.output
    return out


def verify(runner: CliRunner, path: Path, *options: str) -> Result:
    result = runner.invoke(log_cli, ["verify", str(path), *options])
    assert "Traceback" not in result.output
    return result


def test_a_whole_log_rewrite_resigned_by_the_operator_is_named(database: str, tmp_path: Path) -> None:
    runner = CliRunner()
    vkey = ["--log-key", checkpoints.log_vkey()]
    held: dict[int, Path] = {}
    for size in (10, 20, 30, 40, 50, 60, 70, 80, 90):
        note_text = grow_to(size)
        if size in (50, 80):  # the regulator keeps these (its witness cosigned them, say)
            held[size] = tmp_path / f"held-{size}.note"
            held[size].write_text(note_text)
    earlier = export(runner, tmp_path / "earlier.jsonl")  # verified by the regulator at 90
    assert verify(runner, earlier, *vkey).exit_code == 0
    grow_to(100)
    held[100] = tmp_path / "held-100.note"
    held[100].write_text(grow_to(100))
    grow_to(103)
    genuine = export(runner, tmp_path / "genuine.jsonl")
    forged = tmp_path / "forged.jsonl"
    rewrite(genuine, 72, forged)

    # Everything the operator signs agrees with the forgery: the key alone cannot tell.
    assert verify(runner, forged, *vkey).exit_code == 0
    trusted = [option for size in (50, 80, 100) for option in ("--trusted-checkpoint", str(held[size]))]
    between = verify(runner, forged, *vkey, *trusted)
    assert between.exit_code == 1
    assert "first bad entry / 首个问题条目: 50" in between.output
    assert "the first changed entry is in 50..79 (your trusted checkpoint of size 50 still matches)" \
        in between.output
    exact = verify(runner, forged, *vkey, "--trusted-export", str(earlier))
    assert exact.exit_code == 1
    assert "first bad entry / 首个问题条目: 72" in exact.output
    assert "条目 72 被改动" in exact.output and "entry 72 changed" in exact.output
    # The genuine export passes both, and says what it compared.
    good = verify(runner, genuine, *vkey, *trusted, "--trusted-export", str(earlier))
    assert good.exit_code == 0, good.output
    assert "matches 3 trusted checkpoint(s)" in good.output
    assert "the first 90 entries equal your trusted export's" in good.output


def _witness(tmp_path: Path) -> tuple[note.SignerKey, str, Path]:
    user_id, token = user_with_token("fgw", "regulator")
    key = note.generate_key("fgw.example/witness", note.COSIGNATURE_V1)
    with db.transaction() as session:
        checkpoints.register_witness_key(session, Actor.system("test"), uuid.UUID(user_id),
                                         key.verifier.encode())
    folder = tmp_path / "witness"
    folder.mkdir()
    return key, token, folder / "witness.state"


def test_the_witness_convicts_a_rewrite_and_stripped_cosignatures(client: TestClient,
                                                                  tmp_path: Path) -> None:
    runner = CliRunner()
    key, token, state = _witness(tmp_path)
    vkey = ["--log-key", checkpoints.log_vkey()]
    grow_to(40)
    witness.run(client, key, state, token, checkpoints.signing_key().verifier)
    grow_to(80)
    witness.run(client, key, state, token)  # each cosignature is itself logged (41, 81)
    grow_to(95)
    history = [json.loads(line)["size"] for line in witness.history_path(state).read_text().splitlines()]
    assert history == [40, 80]

    response = client.get("/api/v1/log/export?witnessed=true", headers=bearer(token))
    assert response.status_code == 200
    assert 'filename="ggzy-log-80.jsonl"' in response.headers["content-disposition"]
    witnessed = tmp_path / "witnessed.jsonl"
    witnessed.write_bytes(response.content)
    with_witness = [*vkey, "--witness-key", key.verifier.encode()]
    ok = verify(runner, witnessed, *with_witness, "--trusted-checkpoint", str(state.parent))
    assert ok.exit_code == 0, ok.output
    assert "newest checkpoint cosigned by: fgw.example/witness" in ok.output

    stripped = tmp_path / "stripped.jsonl"
    stripped.write_bytes(b"".join(
        line if not line.startswith(b'{"checkpoint"') else
        verifier.checkpoint_line(json.loads(line)["checkpoint"].split("— fgw.example")[0])
        for line in witnessed.read_bytes().splitlines(keepends=True)))
    refused = verify(runner, stripped, *with_witness)
    assert refused.exit_code == 1
    assert "the newest checkpoint (size 80) carries no valid cosignature from the witness " \
           "fgw.example/witness" in refused.output
    stranger = note.generate_key("fgw.example/witness", note.COSIGNATURE_V1).verifier.encode()
    assert verify(runner, witnessed, *vkey, "--witness-key", stranger).exit_code == 1

    newest = export(runner, tmp_path / "newest.jsonl")
    forged = tmp_path / "forged.jsonl"
    rewrite(newest, 60, forged)
    assert verify(runner, forged, *with_witness).exit_code == 1
    placed = verify(runner, forged, *vkey, "--trusted-checkpoint", str(state.parent))
    assert placed.exit_code == 1
    assert "the first changed entry is in 40..79 (your trusted checkpoint of size 40 still " \
           "matches)" in placed.output


def test_the_export_end_is_chosen_with_reasons_never_a_500(client: TestClient, tmp_path: Path) -> None:
    _, token = user_with_token("reg", "regulator")
    grow_to(5)
    grow_to(9)
    grow_to(12, sign=False)
    base = "/api/v1/log/export"
    assert client.get(f"{base}?size=5", headers=bearer(token)).content.count(b'{"entry"') == 5
    expectations = {
        # the parameter type (trading.params.TreeSize) refuses these before the export runs
        "size=-1": (400, "Expected `int` >= 0"),
        f"size={2**63}": (400, "Expected `int` <= 9223372036854775807"),
        f"size={10**30}": (400, "Expected `int` <= 9223372036854775807"),
        # beyond the newest checkpoint (9): the live size (12) is told by no answer
        "size=12": (400, "beyond the newest signed checkpoint"),
        "size=13": (400, "beyond the newest signed checkpoint"), "size=abc": (400, "Expected `int"),
        "size=7": (404, "no signed checkpoint of size 7 (nearest: 5, 9)"),
        "witnessed=true": (404, "no checkpoint is cosigned by any witness yet"),
        "witness=fgw.example/w": (404, "cosigned by fgw.example/w"),
        "size=5&witnessed=true": (400, "not both"),
    }
    for query, (status, reason) in expectations.items():
        response = client.get(f"{base}?{query}", headers=bearer(token))
        assert response.status_code == status, (query, response.text)
        assert reason in response.text, (query, response.text)
    runner = CliRunner()
    for options, reason in ((["--size", "7"], "nearest: 5, 9"), (["--size", "-3"], "-3"),
                            (["--size", str(2**63)], "range"),
                            (["--up-to-witnessed"], "no checkpoint is cosigned")):
        result = runner.invoke(log_cli, ["export", "--out", str(tmp_path / "x.jsonl"), *options])
        assert result.exit_code == 2 and reason in result.output, (options, result.output)
    exported = runner.invoke(log_cli, ["export", "--out", str(tmp_path / "x.jsonl"), "--size", "9"])
    assert exported.exit_code == 0 and "(size 9)" in exported.output
