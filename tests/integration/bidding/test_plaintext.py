"""The bid plaintext format ``ggzy-bid/1`` and the frozen-list root (pure functions)."""

from __future__ import annotations

import hashlib
import uuid
from types import SimpleNamespace

from bidding.models import OpenStatus
from bidding.opening import closing, decryption


def test_announced_items_are_read_from_the_first_line() -> None:
    outcome = decryption.parse_plaintext_header(
        b'{"format":"ggzy-bid/1","price_fen":123,"duration_days":9,"quality":"Q","x":1}\n'
        b"\x00\x01attachment bytes")
    assert outcome.status is OpenStatus.OPENED and outcome.price_fen == 123
    assert outcome.announced == {"duration_days": 9, "quality": "Q"}


def test_a_plaintext_without_items_is_the_bidders_fault() -> None:
    for head in (b"%PDF-1.7", b'{"price_fen": -1}\n', b'{"price_fen": true}\n', b"[1]\n",
                 b'{"price_fen": "100"}\n', b"\xff\xfe\n"):
        assert decryption.parse_plaintext_header(head).status is OpenStatus.REVOKED, head


def test_the_header_sink_keeps_only_the_first_line() -> None:
    sink = decryption.HeaderSink()
    sink.write(b'{"price_fen": 1}')
    sink.write(b"\nrest" + b"x" * 100_000)
    sink.write(b"more")
    assert sink.head.startswith(b'{"price_fen": 1}\n') and len(sink.head) < 200_000


def test_frozen_list_root() -> None:
    bids = [SimpleNamespace(id=uuid.UUID(int=i), envelope_sha256=f"{i:064x}") for i in range(3)]
    leaves = [hashlib.sha256(b"\x00" + f"{b.id}:{b.envelope_sha256}".encode()).digest()
              for b in bids]
    left = hashlib.sha256(b"\x01" + leaves[0] + leaves[1]).digest()
    expected = hashlib.sha256(b"\x01" + left + leaves[2]).hexdigest()
    assert closing.list_root(bids) == expected  # type: ignore[arg-type]
    assert closing.list_root([]) == hashlib.sha256(b"").hexdigest()
