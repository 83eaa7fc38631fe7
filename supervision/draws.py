"""Re-running a verifiable expert draw from its log entries (design: transparency-log.md).

Standard library only. The expert_pool domain logs, under one subject ``draw:<id>``:

- ``draw.committed``  body ``{"commitment": hex SHA-256(r_platform), "pool_hash": hex,
  "categories": {category: count}, "algorithm": "ggzy-draw-v1"}``;
- ``draw.contributed`` body ``{"r_other": hex}`` (the second party's randomness);
- ``draw.result``     body ``{"r_platform": hex, "eligible": {category: [expert ids]},
  "selected": {category: [expert ids in rank order]}}``.

pool_hash = SHA-256 of the JSON ``eligible`` mapping with sorted keys and sorted id lists
(compact separators); seed = SHA-256(b"ggzy-draw-v1" || draw id || pool_hash || r_platform ||
r_other); experts ranked by HMAC-SHA256(seed, expert id), ascending, per category.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

TAG = b"ggzy-draw-v1"


class LoggedStep(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def action(self) -> str: ...
    @property
    def body(self) -> dict[str, Any]: ...


@dataclass
class DrawCheck:
    subject: str
    committed_at: int | None = None
    contributed_at: int | None = None
    result_at: int | None = None
    problems: list[str] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.result_at is not None


def pool_hash(eligible: dict[str, list[str]]) -> str:
    canonical = json.dumps({k: sorted(v) for k, v in eligible.items()}, sort_keys=True,
                           separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def ranking(seed: bytes, experts: Sequence[str]) -> list[str]:
    return sorted(experts, key=lambda e: hmac.new(seed, e.encode(), hashlib.sha256).digest())


def seed_for(draw_id: str, pool: str, r_platform: str, r_other: str) -> bytes:
    parts = [TAG, draw_id.encode(), bytes.fromhex(pool), bytes.fromhex(r_platform),
             bytes.fromhex(r_other)]
    return hashlib.sha256(b"".join(parts)).digest()


def check_draw(subject: str, steps: Sequence[LoggedStep]) -> DrawCheck:
    result = DrawCheck(subject)
    commit = next((s for s in steps if s.action == "draw.committed"), None)
    contribution = next((s for s in steps if s.action == "draw.contributed"), None)
    outcome = next((s for s in steps if s.action in ("draw.result", "draw.revealed")), None)
    result.committed_at = commit.seq if commit else None
    result.contributed_at = contribution.seq if contribution else None
    result.result_at = outcome.seq if outcome else None
    if commit is None or outcome is None:
        result.problems.append("缺少承诺或结果 / commitment or result missing")
        return result
    if not commit.seq < outcome.seq or (contribution and not commit.seq < contribution.seq < outcome.seq):
        result.problems.append("顺序错误：承诺→贡献→结果 / wrong order: commit → contribute → result")
    try:
        other = contribution.body if contribution else {}
        _check_values(subject, commit.body, other, outcome.body, result)
    except (KeyError, ValueError, TypeError, AttributeError) as error:
        result.problems.append(f"记录不完整 / incomplete record: {error!r}")
    return result


def _check_values(subject: str, commit: dict[str, Any], contribution: dict[str, Any],
                  outcome: dict[str, Any], result: DrawCheck) -> None:
    r_platform = str(outcome["r_platform"])
    if hashlib.sha256(bytes.fromhex(r_platform)).hexdigest() != str(commit["commitment"]).lower():
        result.problems.append("公开的随机数与承诺不符 / revealed value does not match the commitment")
    else:
        result.checks.append("承诺与公开一致 / commitment matches the reveal")
    eligible = outcome.get("eligible")
    if not isinstance(eligible, dict):
        return
    pool = pool_hash(eligible)
    if pool != commit.get("pool_hash"):
        result.problems.append("候选名单与承诺时的哈希不符 / "
                               "the eligible list differs from the committed pool hash")
        return
    seed = seed_for(subject.split(":", 1)[-1], pool, r_platform, str(contribution.get("r_other", "")))
    for category, count in dict(commit.get("categories", {})).items():
        expected = ranking(seed, eligible.get(category, []))[: int(count)]
        chosen = list(outcome.get("selected", {}).get(category, []))
        if chosen != expected[: len(chosen)]:
            result.problems.append(f"类别 {category} 的抽取结果无法复现 / "
                                   f"category {category} does not reproduce")
    if not any("reproduce" in p for p in result.problems):
        result.checks.append("抽取结果可复现 / the result reproduces")
