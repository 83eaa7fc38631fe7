"""The regulator's witness: ``ggzy log witness`` (client side, no database, no web app).

One run: fetch the newest checkpoint, verify the platform's signature with the pinned log
key, prove it consistent with the last checkpoint this witness holds (its state file),
cosign it (C2SP cosignature/v1), upload the cosignature, and only then move the state
forward. A checkpoint that cannot be proven consistent is a split view or a rewritten log:
``SplitView`` is raised, the two notes are kept as evidence next to the state file, and the
state is *not* advanced, so every later run keeps failing until a human looks.

Besides the state (the newest checkpoint only), the witness appends every checkpoint it
cosigned to ``<state>.history.jsonl``: the regulator's own record, which the offline
verifier takes as trusted checkpoints (``ggzy log verify --trusted-checkpoint <folder>``)
to place a rewrite between two of them without believing anything the operator signs.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from supervision import merkle, note


class WitnessError(Exception):
    def __init__(self, message_zh: str, message_en: str) -> None:
        super().__init__(f"{message_zh} / {message_en}")
        self.message_zh, self.message_en = message_zh, message_en


class SplitView(WitnessError):
    """The log presented two checkpoints that cannot both be true."""

    def __init__(self, message_zh: str, message_en: str, evidence: Path) -> None:
        super().__init__(message_zh, message_en)
        self.evidence = evidence


@dataclass(frozen=True)
class Outcome:
    previous_size: int | None
    size: int
    cosigned: bool
    # The log key taken from the platform itself on a first run without --log-key.
    trusted_on_first_use: str | None = None


def run(client: httpx.Client, key: note.SignerKey, state_path: Path, token: str,
        log_key: note.VerifierKey | None = None,
        now: Callable[[], float] = time.time) -> Outcome:
    state = _load_state(state_path)
    pinned = _pinned_key(client, state, log_key)
    on_first_use = pinned.encode() if log_key is None and "log_key" not in state else None
    text = _get(client, "/api/v1/log/checkpoint")["note"]
    try:
        checkpoint, _ = note.open_checkpoint(text, pinned)
    except note.NoteError as error:
        raise WitnessError(error.message_zh, error.message_en) from None
    previous = state.get("size")
    if previous is not None:
        _check_consistent(client, state, checkpoint, text, state_path)
    signature = note.cosign(checkpoint.body(), key, int(now()))
    _post(client, token, checkpoint.size, signature.line())
    root = base64.b64encode(checkpoint.root).decode()
    _save_state(state_path, {"origin": pinned.name, "log_key": pinned.encode(),
                             "size": checkpoint.size, "root": root, "checkpoint": text})
    _append_history(history_path(state_path), {"size": checkpoint.size, "root": root,
                                                "checkpoint": text + signature.line()})
    return Outcome(previous, checkpoint.size, True, on_first_use)


def _pinned_key(client: httpx.Client, state: dict[str, Any],
                given: note.VerifierKey | None) -> note.VerifierKey:
    held = note.parse_vkey(state["log_key"]) if "log_key" in state else None
    if held is not None and given is not None and held != given:
        raise WitnessError("给定的日志公钥与状态文件中固定的公钥不同",
                           "the given log key differs from the key pinned in the state file")
    if held or given:
        return held or given  # type: ignore[return-value]
    # First run without --log-key: trust on first use, pinned from now on.
    return note.parse_vkey(_get(client, "/api/v1/log/key")["vkey"])


def _check_consistent(client: httpx.Client, state: dict[str, Any], new: note.Checkpoint,
                      text: str, state_path: Path) -> None:
    old_size, old_root = int(state["size"]), base64.b64decode(state["root"])
    if new.size < old_size:
        _split(state_path, state, text, f"日志变短了：从 {old_size} 变为 {new.size}",
               f"the log shrank from {old_size} to {new.size} entries")
    reply = _get(client, f"/api/v1/log/consistency?first={old_size}&second={new.size}")
    proof = [base64.b64decode(item) for item in reply.get("proof", [])]
    try:
        merkle.verify_consistency(old_size, new.size, old_root, new.root, proof)
    except merkle.ProofError as error:
        _split(state_path, state, text,
               f"大小 {old_size} 与 {new.size} 的两个检查点不一致（{error.reason}）",
               f"the checkpoints of sizes {old_size} and {new.size} are inconsistent ({error.reason})")


def _split(state_path: Path, state: dict[str, Any], text: str, zh: str, en: str) -> None:
    evidence = state_path.with_name(f"{state_path.name}.evidence-{int(time.time())}.txt")
    evidence.write_text(f"# held\n{state.get('checkpoint', '')}\n# presented\n{text}")
    raise SplitView(zh, en, evidence)


def _get(client: httpx.Client, path: str) -> dict[str, Any]:
    try:
        response = client.get(path)
    except httpx.HTTPError as error:
        raise WitnessError(f"无法连接平台：{error}", f"cannot reach the platform: {error}") from None
    if response.status_code != 200:
        raise WitnessError(f"平台返回 {response.status_code}（{path}）",
                           f"the platform answered {response.status_code} for {path}")
    data = response.json()
    assert isinstance(data, dict)
    return data


def _post(client: httpx.Client, token: str, size: int, line: str) -> None:
    response = client.post("/api/v1/log/cosignatures", json={"size": size, "cosignature": line},
                           headers={"authorization": f"Bearer {token}"})
    if response.status_code not in (200, 201):
        detail = response.json().get("detail", "") if response.content else ""
        raise WitnessError(f"联署签名上传被拒绝（{response.status_code}）：{detail}",
                           f"the platform refused the cosignature ({response.status_code}): {detail}")


def _load_state(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    try:
        state = json.loads(path.read_text())
    except ValueError:
        raise WitnessError(f"状态文件 {path} 损坏", f"the state file {path} is corrupt") from None
    if not isinstance(state, dict):
        raise WitnessError(f"状态文件 {path} 损坏", f"the state file {path} is corrupt")
    return state


def history_path(state_path: Path) -> Path:
    return state_path.with_name(state_path.name + ".history.jsonl")


def _append_history(path: Path, item: dict[str, Any]) -> None:
    """One JSON line per cosigned checkpoint, owner-only, flushed to disk before returning."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a") as handle:
        handle.write(json.dumps(item, ensure_ascii=False) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def _save_state(path: Path, state: dict[str, Any]) -> None:
    """Write-then-rename, owner-only: a crash never leaves a half-written state."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(state, handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
