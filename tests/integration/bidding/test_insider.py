"""The insider: a full copy of the database, the file store, the var directory, the settings,
the logs and the broker's messages, taken moments before the deadline, together with k-1
custodians' keys, reveals nothing of a bid and decrypts none."""

from __future__ import annotations

import datetime as dt
import io
import logging
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, text

from bidding import lookup
from bidding.models import Bid
from bidding.sealing import ceremony as key_ceremony
from bidding.sealing.crypto import custody, dkg, dkg_custodian
from bidding.sealing.crypto.envelope import EnvelopeError, open_stream
from tests import clock as test_clock
from tests.conftest import BACKEND
from tests.integration.trading.worker_harness import broker_url_for, delete_queue, make_app
from trading import db, job_dispatch
from trading.db import Base
from trading.settings import get_settings

from .conftest import (
    AHEAD,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    make_tender,
    publish_now,
    seal,
)

MARKER = "MARKER-7f3a9c-机密报价-98765"


def dump_database() -> bytes:
    """Every row of every table, as the DBA would see it."""
    out = io.StringIO()
    with db.read_only() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)):
                out.write(f"{table.name}: {tuple(row)!r}\n")
        if BACKEND == "sqlite":
            for (name,) in session.execute(text("SELECT name FROM sqlite_master")):
                out.write(f"object {name}\n")
    return out.getvalue().encode("utf-8", "backslashreplace")


def files_under(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file())


def broker_contents(url: str, var_dir: Path) -> bytes:
    if url.startswith("redis://"):
        client = redis.Redis.from_url(url)
        blobs = []
        for key in client.keys("*"):
            kind = client.type(key)
            if kind == b"list":
                blobs += client.lrange(key, 0, -1)
            elif kind == b"string":
                blobs.append(client.get(key) or b"")
            elif kind == b"zset":
                blobs += [m for m in client.zrange(key, 0, -1)]
            elif kind == b"hash":
                blobs += list(client.hgetall(key).values())
        return b"".join(blobs)
    return files_under(var_dir)  # the embedded broker is an SQLite file in the var dir


def test_a_copy_before_the_deadline_reveals_nothing(client, storage_dir: Path, tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    scenario: Scenario = make_tender()
    deadline = db_now() + AHEAD
    publish_now(scenario, deadline)
    envelopes = {}
    for bidder in scenario.bidders:
        envelope = seal(scenario, bidder, bid_plaintext(123_456, MARKER))
        envelopes[bidder] = envelope
        answer = client.put(bid_url(scenario), content=envelope, headers=bearer(bidder))
        assert answer.status_code == 201, answer.text
    app = make_app(broker_url_for("sqla" if BACKEND == "sqlite" else "redis", tmp_path))
    try:
        # Moments before the deadline (within the dispatcher's look-ahead), the closing message
        # is in the broker, held until it is due.
        test_clock.set_now(deadline - dt.timedelta(seconds=5))
        with db.transaction() as session:
            assert job_dispatch.dispatch_once(session, app) == 1
        assert db_now() < deadline  # the copy is taken before the deadline
        copy = b"".join([
            dump_database(), files_under(storage_dir), files_under(get_settings().var_dir),
            files_under(tmp_path), repr(get_settings()).encode(),
            caplog.text.encode(), broker_contents(str(app.conf.broker_url), tmp_path),
        ])
    finally:
        delete_queue(app)
    assert MARKER.encode() not in copy
    assert "机密报价".encode() not in copy
    assert b"123456" not in dump_database()  # not even the price
    with db.read_only() as session:
        assert all(p.opening_private_key is None for p in session.scalars(
            select(__import__("bidding.models", fromlist=["Tender"]).Tender)))
        stored = session.scalars(select(Bid.storage_key)).all()
        # the DBA's copy holds the whole public transcript of the key ceremony
        transcript = key_ceremony.transcript_of(session, lookup.get_tender(
            session, scenario.tender_id))
    # k-1 custodians (with their key files and passphrases) derive their shares: not enough
    k_minus_one = scenario.custodians[:1]
    shares = dict(dkg_custodian.share_from_transcript(transcript, scenario.keys[c])
                  for c in k_minus_one)
    with pytest.raises(custody.NotEnoughSharesError):
        dkg.combine_shares(transcript, shares)
    share_keys = [dkg.to_private_key(x) for x in shares.values()]
    # and no key at hand opens a stored envelope
    for key_path in stored:
        candidates = [scenario.keys[c].hpke_key for c in scenario.custodians] + share_keys
        for candidate in candidates:
            with open(storage_dir / key_path, "rb") as source, pytest.raises(EnvelopeError):
                open_stream(source, io.BytesIO(), opening_private_key=candidate, expected=None)
