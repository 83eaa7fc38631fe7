"""Each collusion detector with a case that must raise it and a near miss that must not."""

from __future__ import annotations

import pytest

from supervision import draws
from supervision.redflags import BidFacts, detect

A, B, C = "bidder:a", "bidder:b", "bidder:c"


def rules(bids: list[BidFacts], max_price_fen: int | None = None) -> set[str]:
    return {finding.rule for finding in detect(bids, max_price_fen)}


CASES = [
    ("same_ip", [BidFacts(A, ip="10.0.0.1"), BidFacts(B, ip="10.0.0.1")],
     [BidFacts(A, ip="10.0.0.1"), BidFacts(B, ip="10.0.0.2"), BidFacts(C)]),
    ("same_device", [BidFacts(A, device_fingerprint="d"), BidFacts(B, device_fingerprint="d")],
     [BidFacts(A, device_fingerprint="d"), BidFacts(B, device_fingerprint="e")]),
    ("same_envelope", [BidFacts(A, envelope_hash="h"), BidFacts(B, envelope_hash="h")],
     [BidFacts(A, envelope_hash="h"), BidFacts(B, envelope_hash="i")]),
    ("same_document", [BidFacts(A, document_hashes=("x", "y")), BidFacts(B, document_hashes=("y",))],
     [BidFacts(A, document_hashes=("x", "x")), BidFacts(B, document_hashes=("z",))]),
    ("same_metadata",
     [BidFacts(A, document_metadata={"x": {"author": "张伟"}}),
      BidFacts(B, document_metadata={"y": {"author": "张伟", "producer": "WPS"}})],
     [BidFacts(A, document_metadata={"x": {"author": "张伟", "producer": "WPS"}}),
      BidFacts(B, document_metadata={"y": {"author": "李娜", "producer": "WPS"}})]),
    ("price_equal_steps",
     [BidFacts(A, price_fen=100_000), BidFacts(B, price_fen=101_000), BidFacts(C, price_fen=102_000)],
     [BidFacts(A, price_fen=100_000), BidFacts(B, price_fen=101_000), BidFacts(C, price_fen=102_500)]),
    ("price_tight_spread",
     [BidFacts(A, price_fen=10_000_000), BidFacts(B, price_fen=10_020_000),
      BidFacts(C, price_fen=10_041_000)],
     [BidFacts(A, price_fen=10_000_000), BidFacts(B, price_fen=10_020_000),
      BidFacts(C, price_fen=10_600_000)]),
    ("same_persons", [BidFacts(A, persons=("p1", "p2")), BidFacts(B, persons=("p2",))],
     [BidFacts(A, persons=("p1", "p1")), BidFacts(B, persons=("p3",))]),
]


@pytest.mark.parametrize(("rule", "positive", "negative"), CASES, ids=[c[0] for c in CASES])
def test_detector(rule: str, positive: list[BidFacts], negative: list[BidFacts]) -> None:
    assert rule in rules(positive)
    assert rule not in rules(negative)


def test_one_bidder_sharing_with_itself_is_no_flag() -> None:
    assert rules([BidFacts(A, ip="1.1.1.1", persons=("p",)), BidFacts(A, ip="1.1.1.1")]) == set()


def test_prices_just_below_the_maximum_price() -> None:
    near = [BidFacts(A, price_fen=99_700), BidFacts(B, price_fen=99_900), BidFacts(C, price_fen=99_810)]
    assert "price_near_ceiling" in rules(near, max_price_fen=100_000)
    assert "price_near_ceiling" not in rules(near, max_price_fen=120_000)
    assert "price_near_ceiling" not in rules(near[:2], max_price_fen=100_000)


def test_evidence_names_the_shared_value_and_the_bidders() -> None:
    (finding,) = detect([BidFacts(B, ip="10.9.9.9"), BidFacts(A, ip="10.9.9.9"), BidFacts(C)])
    assert (finding.rule, finding.bidders, finding.evidence) == ("same_ip", (A, B), {"ip": "10.9.9.9"})


def test_a_draw_reproduces_from_its_log_and_a_changed_result_does_not() -> None:
    class Step:
        def __init__(self, seq: int, action: str, body: dict[str, object]) -> None:
            self.seq, self.action, self.body = seq, action, body

    import hashlib

    eligible = {"civil": [f"e{n}" for n in range(9)]}
    r_platform, r_other = "11" * 32, "22" * 32
    pool = draws.pool_hash(eligible)
    selected = draws.ranking(draws.seed_for("7", pool, r_platform, r_other), eligible["civil"])[:3]
    steps = [Step(1, "draw.committed", {"commitment": hashlib.sha256(bytes.fromhex(r_platform)).hexdigest(),
                                        "pool_hash": pool, "categories": {"civil": 3}}),
             Step(2, "draw.contributed", {"r_other": r_other}),
             Step(3, "draw.result", {"r_platform": r_platform, "eligible": eligible,
                                     "selected": {"civil": selected}})]
    assert draws.check_draw("draw:7", steps).ok
    steps[2].body["selected"] = {"civil": list(reversed(selected))}
    assert not draws.check_draw("draw:7", steps).ok
