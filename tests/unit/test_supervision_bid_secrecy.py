"""The verifier's rule for who bid (issue 10): before the close a bid entry carries only a
commitment; ``tender.bidders_revealed`` after the close opens every one of them."""

from __future__ import annotations

import rfc8785

from supervision.rules import bid_commitment
from tests.unit.test_supervision_verifier import build, run

TENDER = "tender/7"
DIGEST = "ab" * 32


def _entry(seq: int, action: str, subject: str = TENDER, user_id: str | None = None,
           ip: str | None = None, **body: object) -> bytes:
    return rfc8785.dumps({"seq": seq, "time": "2026-01-01T00:00:00.000Z", "action": action,
                          "subject": subject, "actor": {"user_id": user_id, "role": "bidder",
                                                        "ip": ip}, "body": body})


def _sealed(seq: int, bid: str, bidder: str, salt: str, action: str = "bid.submitted") -> bytes:
    commitment = bid_commitment(action, bid, DIGEST, bidder, f"user-{bidder}", "10.0.0.1", salt)
    return _entry(seq, action, bid=bid, envelope_sha256=DIGEST, commitment=commitment)


def _item(seq: int, bid: str, bidder: str, salt: str) -> dict[str, object]:
    return {"seq": seq, "bid": bid, "bidder": bidder, "user_id": f"user-{bidder}",
            "ip": "10.0.0.1", "salt": salt}


def _violations(docs: list[bytes]) -> list[str]:
    report = run(build(docs, set()))
    assert report.error is None
    return report.violations


def test_every_commitment_opened_at_the_close_holds() -> None:
    docs = [_sealed(0, "b1", "org-1", "01"), _sealed(1, "b2", "org-2", "02"),
            _sealed(2, "b1", "org-1", "03", "bid.withdrawn"),
            _entry(3, "tender.closed"),
            _entry(4, "tender.bidders_revealed", entries=[
                _item(0, "b1", "org-1", "01"), _item(1, "b2", "org-2", "02"),
                _item(2, "b1", "org-1", "03")])]
    assert _violations(docs) == []


def test_a_wrong_salt_or_bidder_is_named() -> None:
    docs = [_sealed(0, "b1", "org-1", "01"), _sealed(1, "b2", "org-2", "02"),
            _entry(2, "tender.closed"),
            _entry(3, "tender.bidders_revealed", entries=[
                _item(0, "b1", "org-9", "01"), _item(1, "b2", "org-2", "ff")])]
    found = _violations(docs)
    assert len(found) == 2 and all("does not open the commitment" in v for v in found)
    assert "entry 0" in found[0] and "entry 1" in found[1]


def test_a_bid_left_unrevealed_or_never_revealed_is_named() -> None:
    partial = [_sealed(0, "b1", "org-1", "01"), _sealed(1, "b2", "org-2", "02"),
               _entry(2, "tender.closed"),
               _entry(3, "tender.bidders_revealed", entries=[_item(0, "b1", "org-1", "01")])]
    assert [v for v in _violations(partial) if "entry 1" in v and "does not reveal" in v]
    never = [_sealed(0, "b1", "org-1", "01"), _entry(1, "tender.closed")]
    assert any("never revealed" in v for v in _violations(never))


def test_a_bidder_named_before_the_close_or_a_reveal_before_it_is_named() -> None:
    docs = [_entry(0, "bid.submitted", bid="b1", bidder="org-1"),
            _entry(1, "bid.submitted", user_id="u-1", ip="10.0.0.9", bid="b2"),
            _sealed(2, "b3", "org-3", "03"),
            _entry(3, "tender.bidders_revealed", entries=[_item(2, "b3", "org-3", "03")])]
    found = _violations(docs)
    assert any(v.startswith("条目 0") and "names its bidder" in v for v in found)
    assert any(v.startswith("条目 1") and "names its bidder" in v for v in found)
    assert any(v.startswith("条目 3") and "before the close" in v for v in found)
