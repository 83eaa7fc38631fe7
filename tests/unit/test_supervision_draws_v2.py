"""supervision.draws v2 and v3 over entry lists: a real draw matches; each tampering is named."""

from __future__ import annotations

import copy
import hashlib
import hmac
import secrets
from collections import Counter
from itertools import islice

import pytest

from supervision import draws
from supervision.draws import Step, check_draw

BOTH = pytest.mark.parametrize("algorithm", [draws.ALGORITHM_V2, draws.ALGORITHM_V3])


def _entries(numbers: int = 12, count: int = 3, backups: int = 2,
             algorithm: str = draws.ALGORITHM_V3) -> list[Step]:
    number = "CQ-2026-0007"
    eligible = {"A01": [f"E{i:06d}" for i in range(1, numbers + 1)], "B02": ["E000100", "E000101"]}
    counts, spare = {"A01": count, "B02": 1}, {"A01": backups, "B02": 1}
    r_platform = secrets.token_bytes(32)
    pool = draws.pool_hash(eligible)
    value = "2026 监督 7"
    r_other = draws.r_other_of(value)
    seed = draws.draw_seed(algorithm, number, pool, r_platform.hex(), r_other)
    full = {c: list(draws.draw_order(algorithm, seed, c, eligible[c])) for c in eligible}
    return [
        Step(10, "draw.requested", {}),
        Step(11, "draw.committed", {"algorithm": algorithm, "categories": counts,
                                    "backups": spare, "pool_hash": pool,
                                    "commitment": hashlib.sha256(r_platform).hexdigest(),
                                    "parameters": {"draw": number}}),
        Step(12, "draw.contributed", {"value": value, "r_other": r_other}),
        Step(13, "draw.result", {"r_platform": r_platform.hex(), "eligible": eligible,
                                 "excluded": {"E000999": "bidder_employee"},
                                 "ranked": {c: full[c][: counts[c] + spare[c]] for c in eligible},
                                 "selected": {c: full[c][: counts[c]] for c in eligible}}),
        Step(14, "draw.replaced", {"out": full["A01"][0], "in": full["A01"][3], "specialty": "A01",
                                   "reason": "declined", "rank": 4, "skipped": []}),
        Step(15, "draw.replaced", {"out": full["A01"][1], "in": full["A01"][5], "specialty": "A01",
                                   "reason": "declined", "rank": 6,
                                   "skipped": [{"expert": full["A01"][4], "rank": 5,
                                                "reason": "suspended"}]}),
    ]


SUBJECT = "draw:CQ-2026-0007"


@BOTH
def test_a_faithful_draw_matches(algorithm: str) -> None:
    check = check_draw(SUBJECT, _entries(algorithm=algorithm))
    assert check.ok, check.problems
    assert check.verdict == "match"
    assert check.algorithm == algorithm


def test_a_v3_entry_checked_as_v2_does_not_match() -> None:
    """The version in the commitment decides the re-run: the orders differ."""
    entries = _entries(numbers=40)
    entries[1].body["algorithm"] = draws.ALGORITHM_V2
    assert "entry 13: result (A01)" in check_draw(SUBJECT, entries).verdict


def test_a_changed_r_platform_is_a_seed_mismatch() -> None:
    entries = _entries()
    entries[3].body["r_platform"] = secrets.token_bytes(32).hex()
    check = check_draw(SUBJECT, entries)
    assert not check.ok
    assert "entry 13: seed" in check.verdict
    assert any("随机数" in p for p in check.problems)


def test_a_changed_supervisor_value_is_a_seed_mismatch() -> None:
    entries = _entries()
    entries[2].body["value"] = "something else"
    assert "entry 12: seed" in check_draw(SUBJECT, entries).verdict


def test_a_changed_pool_is_a_pool_mismatch() -> None:
    entries = _entries()
    entries[3].body["eligible"]["A01"].append("E000500")
    check = check_draw(SUBJECT, entries)
    assert "entry 13: pool" in check.verdict
    assert any("候选名单" in p for p in check.problems)


@BOTH
def test_a_changed_result_names_the_specialty(algorithm: str) -> None:
    entries = _entries(algorithm=algorithm)
    selected = entries[3].body["selected"]["A01"]
    selected[0], selected[1] = selected[1], selected[0]
    check = check_draw(SUBJECT, entries)
    assert check.verdict == "mismatch: entry 13: result (A01)"
    assert any("结果" in p for p in check.problems)


@BOTH
def test_a_replacement_that_skips_a_rank_is_named(algorithm: str) -> None:
    entries = _entries(algorithm=algorithm)
    entries[4].body["in"], entries[4].body["rank"] = entries[5].body["in"], 6
    check = check_draw(SUBJECT, entries)
    assert "entry 14: replacement (A01)" in check.verdict


@BOTH
def test_exhausted_with_ranks_left_is_named(algorithm: str) -> None:
    entries = _entries(algorithm=algorithm)
    entries.append(Step(16, "draw.exhausted", {"out": entries[4].body["in"], "specialty": "A01",
                                               "reason": "declined", "skipped": []}))
    assert "entry 16: replacement (A01)" in check_draw(SUBJECT, entries).verdict


def test_committed_without_a_result_is_not_a_match_but_no_mismatch_either() -> None:
    check = check_draw(SUBJECT, _entries()[:3])
    assert not check.ok and check.problems == []


def test_v1_entries_still_check() -> None:
    eligible = {"civil": ["a", "b", "c", "d"]}
    r_platform, r_other = secrets.token_bytes(32).hex(), secrets.token_bytes(32).hex()
    pool = draws.pool_hash(eligible)
    seed = draws.seed_for("SV-1", pool, r_platform, r_other)
    steps = [Step(1, "draw.committed", {"commitment": hashlib.sha256(bytes.fromhex(r_platform))
                                        .hexdigest(), "pool_hash": pool, "categories": {"civil": 2},
                                        "algorithm": "ggzy-draw-v1"}),
             Step(2, "draw.contributed", {"r_other": r_other}),
             Step(3, "draw.result", {"r_platform": r_platform, "eligible": eligible,
                                     "selected": {"civil": draws.ranking(seed, eligible["civil"])[:2]}})]
    assert check_draw("draw:SV-1", steps).ok
    bad = copy.deepcopy(steps)
    bad[2].body["selected"]["civil"].reverse()
    assert not check_draw("draw:SV-1", bad).ok


def test_an_export_is_read_for_draw_entries_only() -> None:
    import json

    lines = [b'{"format":"ggzy-log-export/v1"}\n']
    for step in _entries():
        doc = {"action": step.action, "body": step.body, "seq": step.seq, "subject": SUBJECT}
        lines.append(b'{"entry":' + json.dumps(doc, separators=(",", ":"), sort_keys=True,
                                                ensure_ascii=False).encode() + b',"leaf":"x"}\n')
    lines.append(b'{"entry":{"action":"tender.closed","seq":99,"subject":"tender:1"},"leaf":"x"}\n')
    found = list(draws.check_export(lines))
    assert [c.verdict for c in found] == ["match"]
    assert list(draws.check_export(lines, "CQ-2026-0008")) == []


def test_the_ranking_is_ascending_hmac_sha256_of_the_seed_over_each_expert_number() -> None:
    """The ranking's own HMAC (keyed states copied per id) gives what RFC 2104's ``hmac`` gives,
    for a 32-byte seed and for a key longer than SHA-256's block (which HMAC hashes first)."""
    numbers = [f"E{i:06d}" for i in range(1, 400)]
    for seed in (secrets.token_bytes(32), secrets.token_bytes(100), b""):
        expected = sorted(numbers, key=lambda n, key=seed: hmac.new(key, n.encode(), "sha256").digest())
        assert draws.ranking(seed, numbers) == expected


def _rfc3797_order(seed: bytes, code: str, numbers: list[str]) -> list[str]:
    """v3 as docs/experts.md states it, written out without the module's shortcuts."""
    left, order = sorted(numbers), []
    while left:
        k = len(order).to_bytes(4, "big")
        digest = hashlib.sha256(b"ggzy-draw-v3/pick" + seed + code.encode() + b"\0" + k).digest()
        order.append(left.pop(int.from_bytes(digest, "big") % len(left)))
    return order


def test_the_v3_order_is_the_stated_selection_and_reads_lazily() -> None:
    numbers = [f"E{i:06d}" for i in range(400, 0, -3)]  # not given in order
    seed = secrets.token_bytes(32)
    full = list(draws.picks_v3(seed, "A0102", numbers))
    assert full == _rfc3797_order(seed, "A0102", numbers)
    assert sorted(full) == sorted(numbers)  # every eligible expert exactly once
    assert list(islice(draws.picks_v3(seed, "A0102", numbers), 5)) == full[:5]
    assert list(draws.picks_v3(seed, "A0103", numbers)) != full  # each specialty its own order
    assert list(draws.picks_v3(b"\1" + seed[1:], "A0102", numbers)) != full


def test_the_v3_first_pick_is_spread_evenly_over_the_candidates() -> None:
    """6,000 seeds (derived, so the test never varies), 6 candidates: each is first about
    1,000 times; a chi-square above 20.5 (5 degrees of freedom, p = 0.001) would mean a bias."""
    numbers = [f"E00000{i}" for i in range(1, 7)]
    firsts = Counter(next(draws.picks_v3(hashlib.sha256(str(i).encode()).digest(), "A01", numbers))
                     for i in range(6000))
    chi_square = sum((firsts[n] - 1000) ** 2 / 1000 for n in numbers)
    assert chi_square < 20.5, firsts


def test_a_re_run_computes_only_the_ranks_it_reads() -> None:
    """A v3 order of a large specialty read to its end costs a pop per expert: the verifier
    reads as far as the draw's ranks and replacements go, and keeps what it read."""
    computed: list[str] = []

    def ranks():  # type: ignore[no-untyped-def]
        for number in ("E000001", "E000002", "E000003", "E000004"):
            computed.append(number)
            yield number

    order = draws.Order(ranks())
    assert order.first(2) == ["E000001", "E000002"] and len(computed) == 2
    assert next(n for n in order if n not in {"E000001", "E000002"}) == "E000003"
    assert len(computed) == 3
    assert list(order) == computed == ["E000001", "E000002", "E000003", "E000004"]
    assert order.first(9) == computed
