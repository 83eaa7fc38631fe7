"""Stored bids and tender documents are owner-only (0600 files in 0700 folders), whatever the
process umask: another account on the machine must not copy them (issue: files owner-only)."""

from __future__ import annotations

import datetime as dt
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import bearer, bid_plaintext, bid_url, db_now, make_tender, publish_now, seal


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def lax_umask() -> Iterator[None]:
    """The umask a careless service manager might leave (0022: files 0644, folders 0755)."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_stored_bid_and_the_documents_are_owner_only(client, storage_dir: Path,
                                                       lax_umask: None) -> None:
    scenario = make_tender()
    publish_now(scenario, db_now() + dt.timedelta(hours=1))
    bidder = scenario.bidders[0]
    answer = client.put(bid_url(scenario), content=seal(scenario, bidder, bid_plaintext(1, "x")),
                        headers=bearer(bidder))
    assert answer.status_code == 201, answer.text
    stored = [p for p in storage_dir.rglob("*")]
    assert any(p.is_file() and "bids" in p.parts for p in stored)
    assert any(p.is_file() and "bids" not in p.parts for p in stored)  # the tender documents
    for path in stored:
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == expected, f"{path.relative_to(storage_dir)} is {oct(_mode(path))}"
    assert _mode(storage_dir) == 0o700
