"""How the opening splits the frozen bids into decryption tasks (``decryption.batches``)."""

from __future__ import annotations

import uuid

import pytest

from bidding.opening import decryption


@pytest.mark.parametrize("count", [0, 1, 7, 8, 100, 1000])
def test_every_bid_is_in_exactly_one_batch_and_batches_shrink(count: int) -> None:
    bids = [uuid.uuid4() for _ in range(count)]
    batches = decryption.batches(bids)
    assert [bid for batch in batches for bid in batch] == bids
    sizes = [len(batch) for batch in batches]
    assert all(1 <= size <= decryption.MAX_BATCH for size in sizes)
    assert sizes == sorted(sizes, reverse=True)  # the small ones keep workers busy at the end
    if count:
        assert sizes[-1] == 1


def test_a_hundred_bids_share_tasks_but_keep_the_workers_busy() -> None:
    sizes = [len(batch) for batch in decryption.batches([uuid.uuid4() for _ in range(100)])]
    assert 10 < len(sizes) < 100
