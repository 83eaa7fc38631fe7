"""A regulator's witness against the real app: cosigns twice, catches a forged checkpoint."""

from __future__ import annotations

import base64
import json
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from supervision import checkpoints, merkle, note, services, witness
from supervision.cli import log as log_cli
from supervision.models import LogCheckpoint
from trading import clock, db
from trading.audit import Actor

from .conftest import bearer, user_with_token

ACTOR = Actor(user_id="u-2", role="staff", ip="10.0.0.2")


def _grow(count: int, sign: bool = True) -> int:
    with db.transaction() as session:
        for i in range(count):
            services.record(session, ACTOR, "test.step", "test:w", {"i": i})
        return services.checkpoint_now(session, "test").size if sign else services.tree_size(session)


def _registered_witness(tmp_path: Path, username: str = "reg") -> tuple[note.SignerKey, str, Path]:
    user_id, token = user_with_token(username, "regulator")
    key = note.generate_key(f"{username}.example/witness", note.COSIGNATURE_V1)
    with db.transaction() as session:
        checkpoints.register_witness_key(session, Actor.system("test"), uuid.UUID(user_id),
                                         key.verifier.encode())
    return key, token, tmp_path / f"{username}.state"


def test_the_witness_cosigns_twice_and_keeps_its_state(client: TestClient, tmp_path: Path) -> None:
    key, token, state = _registered_witness(tmp_path)
    first_size = _grow(3)
    first = witness.run(client, key, state, token, checkpoints.signing_key().verifier)
    assert (first.previous_size, first.size) == (None, first_size)
    assert state.stat().st_mode & 0o777 == 0o600
    second_size = _grow(5)
    second = witness.run(client, key, state, token)  # the key is pinned in the state now
    assert (second.previous_size, second.size) == (first_size, second_size)
    assert json.loads(state.read_text())["size"] == second_size
    latest = client.get("/api/v1/log/checkpoint").json()
    assert latest["cosignatures"] == 1
    body, signatures = note.parse_note(latest["note"])
    cosignature = next(s for s in signatures if s.name == key.name)
    assert note.verify_cosignature(body, cosignature, key.verifier) > 0


def test_a_forged_checkpoint_is_reported_loudly_and_the_state_kept(client: TestClient,
                                                                   tmp_path: Path) -> None:
    key, token, state = _registered_witness(tmp_path)
    held = _grow(4)
    witness.run(client, key, state, token, checkpoints.signing_key().verifier)
    size = _grow(3, sign=False)
    # A compromised operator signs a checkpoint of a rewritten history with the real key.
    forged_root = merkle.root_from_leaves([merkle.leaf_hash(b"%d" % i) for i in range(size)])
    signing = checkpoints.signing_key()
    with db.transaction() as session:
        forged = note.sign_checkpoint(note.Checkpoint(signing.name, size, forged_root), signing)
        session.add(LogCheckpoint(size=size, root=forged_root, reason="forged", note=forged,
                                  created_at=clock.now(session)))
    with pytest.raises(witness.SplitView, match=f"sizes {held} and {size} are inconsistent") as caught:
        witness.run(client, key, state, token)
    assert caught.value.evidence.exists()
    assert json.loads(state.read_text())["size"] == held  # not advanced past the fork


def test_a_log_that_shrinks_is_a_split_view(client: TestClient, tmp_path: Path) -> None:
    key, token, state = _registered_witness(tmp_path)
    _grow(6)
    witness.run(client, key, state, token, checkpoints.signing_key().verifier)
    held = json.loads(state.read_text())
    held["size"] += 100
    state.write_text(json.dumps(held))
    with pytest.raises(witness.SplitView, match="shrank"):
        witness.run(client, key, state, token)


def test_cosignatures_are_checked_against_the_registered_key(client: TestClient,
                                                             tmp_path: Path) -> None:
    key, token, _ = _registered_witness(tmp_path)
    size = _grow(2)
    text = client.get("/api/v1/log/checkpoint").json()["note"]
    body, _ = note.parse_note(text)
    stranger = note.generate_key(key.name, note.COSIGNATURE_V1)
    refused = client.post("/api/v1/log/cosignatures", headers=bearer(token),
                          json={"size": size, "cosignature": note.cosign(body, stranger, 1).line()})
    assert refused.status_code == 403 and refused.json()["title"] == "unknown_witness"
    wrong_body = note.cosign(body.replace(f"\n{size}\n", "\n999\n"), key, 1).line()
    forged = client.post("/api/v1/log/cosignatures", headers=bearer(token),
                         json={"size": size, "cosignature": wrong_body})
    assert forged.status_code == 422
    garbage = client.post("/api/v1/log/cosignatures", headers=bearer(token),
                          json={"size": size, "cosignature": "— x !!!"})
    assert garbage.status_code == 422
    _, other_token = user_with_token("reg2", "regulator")
    good_line = note.cosign(body, key, 1).line()
    theirs = client.post("/api/v1/log/cosignatures", headers=bearer(other_token),
                         json={"size": size, "cosignature": good_line})
    assert theirs.status_code == 403  # registered to another regulator
    ok = client.post("/api/v1/log/cosignatures", headers=bearer(token),
                     json={"size": size, "cosignature": good_line})
    assert ok.status_code == 201 and ok.json()["cosignatures"] == 1


def test_proof_endpoints(client: TestClient) -> None:
    _grow(10)
    _, token = user_with_token("bidder1", "bidder")
    key = client.get("/api/v1/log/key").json()
    assert note.parse_vkey(key["vkey"]).name == key["origin"]
    proof = client.get("/api/v1/log/inclusion?index=3&size=10", headers=bearer(token)).json()
    with db.read_only() as session:
        root = services.root_at(session, 10)
    merkle.verify_inclusion(base64.b64decode(proof["leaf_hash"]), 3, 10,
                            [base64.b64decode(p) for p in proof["proof"]], root)
    assert client.get("/api/v1/log/inclusion?index=3&size=10").status_code == 401
    bad = client.get("/api/v1/log/consistency?first=5&second=99")
    assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")


def test_the_witness_command_against_a_live_server(live_server: str, tmp_path: Path) -> None:
    key_file = tmp_path / "w.key"
    runner = CliRunner()
    made = runner.invoke(log_cli, ["witness-keygen", "--out", str(key_file), "--name", "cli.example/w"])
    assert made.exit_code == 0 and key_file.stat().st_mode & 0o777 == 0o600
    user_id, token = user_with_token("clireg", "regulator")
    with db.transaction() as session:
        checkpoints.register_witness_key(session, Actor.system("test"), uuid.UUID(user_id),
                                         made.output.strip())
    _grow(2)
    args = ["witness", "--url", live_server, "--key", str(key_file), "--state",
            str(tmp_path / "w.state"), "--token", token, "--log-key", checkpoints.log_vkey()]
    # The first run without --log-key trusts the key the platform serves, and says which.
    first = runner.invoke(log_cli, args[:-2])
    assert first.exit_code == 0, first.output
    assert "trusting and pinning" in first.output and checkpoints.log_vkey() in first.output
    _grow(2)
    second = runner.invoke(log_cli, args)
    assert second.exit_code == 0 and "from size" in second.output, second.output
    # Cosigning is itself logged, so the newest checkpoint is past the witnessed one: an
    # export for --witness-key ends at the witnessed checkpoint.
    out = tmp_path / "log.jsonl"
    exported = runner.invoke(log_cli, ["export", "--out", str(out), "--up-to-witnessed"])
    assert exported.exit_code == 0, exported.output
    verify = ["verify", str(out), "--log-key", checkpoints.log_vkey(), "--trusted-checkpoint",
              str(tmp_path), "--witness-key", made.output.strip()]
    held = runner.invoke(log_cli, verify)
    assert held.exit_code == 0, held.output
    assert "newest checkpoint cosigned by: cli.example/w" in held.output
    assert "matches 2 trusted checkpoint(s)" in held.output  # both runs, from the history
    newest = tmp_path / "newest.jsonl"
    assert runner.invoke(log_cli, ["export", "--out", str(newest)]).exit_code == 0
    unwitnessed = runner.invoke(log_cli, [verify[0], str(newest), *verify[2:]])
    assert unwitnessed.exit_code == 1
    assert "carries no valid cosignature from the witness cli.example/w" in unwitnessed.output
    wrong = runner.invoke(log_cli, [*args[:-1], note.generate_key("x.example/log").verifier.encode()])
    assert wrong.exit_code == 1 and "differs from the key pinned" in wrong.output


def test_an_administrator_registers_witness_keys(client: TestClient) -> None:
    _, admin = user_with_token("root", "admin")
    user_with_token("fgw", "regulator")
    user_with_token("clerk", "staff")
    vkey = note.generate_key("fgw.example/w", note.COSIGNATURE_V1).verifier.encode()
    made = client.post("/api/v1/supervision/witness-keys", headers=bearer(admin),
                       json={"username": "fgw", "vkey": vkey})
    assert made.status_code == 201 and made.json()["name"] == "fgw.example/w"
    not_regulator = client.post("/api/v1/supervision/witness-keys", headers=bearer(admin),
                                json={"username": "clerk", "vkey": vkey})
    assert not_regulator.status_code == 400
    log_key = note.generate_key("fgw.example/x").verifier.encode()  # type 0x01, not a witness key
    wrong_type = client.post("/api/v1/supervision/witness-keys", headers=bearer(admin),
                             json={"username": "fgw", "vkey": log_key})
    assert wrong_type.status_code == 400 and "cosignature/v1" in wrong_type.json()["detail"]
