"""The opening key is bound to the public record: `ggzy bid seal` against a real server.

The attacker is a DBA who can change any row (the tender's key, the notice, the log) but does
not hold the log signing key (a file under var/). Each stage below adds to the previous one,
as a careful forger would: the tender row's key swapped; then the announcement notice too
(with its stored hash recomputed); then the log entry (bytes and leaf); then every tree node
and the stored checkpoint root. Every stage is refused, and named. The browser does the same
check (tests/e2e/test_bidding_flow.py).
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import httpx
import pytest
import rfc8785
from click.testing import CliRunner, Result
from Crypto.PublicKey import ECC
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from bidding import lookup
from bidding.models import Tender
from bidding.tendering import announcement
from disclosure import listing, proofs
from disclosure import services as disclosure
from disclosure.models import Notice
from supervision import checkpoints, merkle, note
from supervision.models import LogCheckpoint, LogEntry, LogNode
from tests.e2e.conftest import live_server  # noqa: F401 (fixture: a real server process)
from tests.integration.bidding.conftest import (
    AHEAD,
    TEST,
    Scenario,
    db_now,
    make_tender,
    publish_now,
    token_for,
)
from trading import db
from trading.cli import main

TRANSCRIPT = hashlib.sha256(b"ggzy test ceremony transcript").hexdigest()
pytestmark = pytest.mark.timeout(300)


# --------------------------------------------------------------------------- helpers

def announce(scenario: Scenario) -> uuid.UUID:
    """Publish the tender announcement as ``tenders.publish`` does (``publish_now`` writes the
    rows directly). A ceremony that recorded no transcript hash (the older dealer ceremony)
    gets a stand-in, so that the notice always shows one."""
    with db.transaction() as session:
        tender = lookup.get_tender(session, scenario.tender_id)
        if not (tender.ceremony or {}).get("transcript_hash"):
            tender.ceremony = {**(tender.ceremony or {}), "transcript_hash": TRANSCRIPT}
            session.flush()
        announcement.disclose(session, TEST, tender, "tender_announcement",
                         announcement.announcement_data(session, tender))
    with db.read_only() as session:
        page = listing.list_public(session, listing.Filters(
            tender_ref=str(scenario.tender_id), notice_type="tender_announcement"))
    assert len(page.items) == 1
    return page.items[0].id


def transcript_hash_of(scenario: Scenario) -> str:
    with db.read_only() as session:
        found = (lookup.get_tender(session, scenario.tender_id).ceremony or {})["transcript_hash"]
    assert isinstance(found, str) and len(found) == 64
    return found


def other_key() -> tuple[bytes, str]:
    """A valid P-256 opening key that someone else holds, and its id."""
    public = ECC.generate(curve="p256").public_key().export_key(format="raw")
    return public, hashlib.sha256(public).hexdigest()[:32]


def swap_key(scenario: Scenario) -> tuple[bytes, str]:
    public, key_id = other_key()
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            opening_public_key=public, opening_key_id=key_id))
    return public, key_id


def forge_notice(notice_id: uuid.UUID, public: bytes, key_id: str) -> None:
    """The announcement names the swapped key; its stored content hash is recomputed."""
    with db.transaction() as session:
        notice = session.get(Notice, notice_id)
        assert notice is not None
        notice.data = {**notice.data, "opening_public_key": base64.b64encode(public).decode(),
                       "opening_key_id": key_id}
        notice.content_hash = disclosure.content_hash(notice)


def _as_dba(session: Session) -> None:
    # PostgreSQL refuses UPDATE on the log tables; a superuser switches the triggers off.
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL session_replication_role = replica"))


def forge_log_entry(notice_id: uuid.UUID) -> None:
    """The notice's log entry now holds the forged notice's hash; its leaf is recomputed."""
    with db.transaction() as session:
        _as_dba(session)
        notice = session.get(Notice, notice_id)
        assert notice is not None
        entry = session.get(LogEntry, notice.log_index)
        assert entry is not None
        document = json.loads(entry.canonical)
        document["body"]["content_hash"] = notice.content_hash
        entry.canonical = rfc8785.dumps(document)
        entry.leaf_hash = merkle.leaf_hash(entry.canonical)
        entry.body = document["body"]
        node = session.get(LogNode, (0, notice.log_index))
        assert node is not None
        node.hash = entry.leaf_hash


def rebuild_tree() -> None:
    """Every stored subtree hash recomputed from the leaves, and each stored checkpoint's root
    (column and note body) replaced: all the DBA can do without the signing key."""
    with db.transaction() as session:
        _as_dba(session)
        leaves = list(session.scalars(select(LogEntry.leaf_hash).order_by(LogEntry.seq)))
        for node in session.scalars(select(LogNode)):
            node.hash = merkle.root_from_leaves(
                leaves[node.idx << node.level:(node.idx + 1) << node.level])
        for row in session.scalars(select(LogCheckpoint)):
            root = merkle.root_from_leaves(leaves[:row.size])
            if root != row.root:
                row.note = row.note.replace(base64.b64encode(row.root).decode(),
                                            base64.b64encode(root).decode())
                row.root = root


def seal(server: str, scenario: Scenario, tmp_path: Path, *extra: str,
         tender_key: str | None = None) -> tuple[Result, Path]:
    attachment = tmp_path / "bid.pdf"
    attachment.write_bytes(b"%PDF-1.7 key binding")
    out = tmp_path / f"bid-{uuid.uuid4().hex[:8]}.env"
    result = CliRunner().invoke(main, [
        "bid", "seal", "--tender-key",
        tender_key or f"{server}/api/v1/tenders/{scenario.tender_id}",
        "--token", token_for(scenario.bidders[0]), "--price", "980000", *extra,
        str(attachment), str(out)])
    return result, out


def refused(result: Result, out: Path, reason: str) -> None:
    assert result.exit_code != 0, result.output
    assert reason in result.output, result.output
    assert "Do not bid; contact the trading center" in result.output
    assert "请勿投标，并联系交易中心" in result.output
    assert not out.exists()


def published_tender() -> tuple[Scenario, uuid.UUID]:
    scenario = make_tender(prefix="kb")
    publish_now(scenario, db_now() + AHEAD)
    return scenario, announce(scenario)


# --------------------------------------------------------------------------- tests

def test_the_announcement_carries_the_key_readably(live_server: str) -> None:  # noqa: F811
    scenario, notice_id = published_tender()
    client = httpx.Client(base_url=live_server, timeout=30)
    data = client.get(f"/api/v1/notices/{notice_id}").json()["data"]
    assert base64.b64decode(data["opening_public_key"]) == scenario.public_key
    assert data["opening_key_id"] == scenario.key_id
    transcript = transcript_hash_of(scenario)
    assert data["ceremony_transcript_hash"] == transcript
    page = client.get(f"/notices/{notice_id}").text
    grouped = " ".join(scenario.key_id[i:i + 4] for i in range(0, 32, 4))
    assert "开标公钥编号" in page and grouped in page
    assert "密钥生成记录摘要" in page and transcript[:4] + " " + transcript[4:8] in page
    assert "开标公钥" in page and data["opening_public_key"] in page  # whole, folded away
    # The proof is served at the size of a signed checkpoint.
    proof = client.get(f"/api/v1/notices/{notice_id}/proof").json()
    assert proof["verification"]["ok"] is True
    signed = client.get(f"/api/v1/log/checkpoints/{proof['tree_size']}")
    assert signed.status_code == 200 and proof["tree_size"] > proof["log_index"]


def test_cli_seals_only_after_checking_the_record(live_server: str, tmp_path: Path) -> None:  # noqa: F811
    scenario = make_tender(prefix="kb")
    publish_now(scenario, db_now() + AHEAD)
    result, out = seal(live_server, scenario, tmp_path)
    refused(result, out, "no announcement of this tender was found")

    notice_id = announce(scenario)
    result, out = seal(live_server, scenario, tmp_path)
    assert result.exit_code == 0, result.output
    assert "the log key was not pinned" in result.stderr
    assert checkpoints.log_vkey() in result.stderr
    checked = json.loads(result.stdout)["record_check"]
    assert checked["notice"] == f"{live_server}/notices/{notice_id}"
    assert checked["key_id"] == scenario.key_id
    assert checked["ceremony_transcript_hash"] == transcript_hash_of(scenario)
    assert checked["checkpoint_size"] > checked["log_index"]
    submitted = CliRunner().invoke(main, ["bid", "submit", "--url", live_server, "--token",
                                          token_for(scenario.bidders[0]), str(out)])
    assert submitted.exit_code == 0, submitted.output

    pinned, out = seal(live_server, scenario, tmp_path, "--log-key", checkpoints.log_vkey())
    assert pinned.exit_code == 0, pinned.output
    assert "not pinned" not in pinned.output
    # A log key that is not the platform's: no checkpoint verifies.
    stranger = note.generate_key(checkpoints.signing_key().name).verifier.encode()
    result, out = seal(live_server, scenario, tmp_path, "--log-key", stranger)
    refused(result, out, "the checkpoint signature is invalid")

    # The tender JSON saved to a file: refused unless checked or explicitly unchecked ...
    document = tmp_path / "tender.json"
    document.write_text(httpx.get(f"{live_server}/api/v1/tenders/{scenario.tender_id}",
                                  headers={"Authorization": "Bearer " + token_for(
                                      scenario.bidders[0])}).text)
    result, out = seal(live_server, scenario, tmp_path, tender_key=str(document))
    assert result.exit_code != 0 and "give --platform" in result.output
    assert not out.exists()
    result, out = seal(live_server, scenario, tmp_path, "--no-record-check",
                       tender_key=str(document))
    assert result.exit_code == 0, result.output
    assert "THE OPENING KEY WAS NOT CHECKED" in result.stderr
    assert json.loads(result.stdout)["record_check"] == "not checked"
    # ... or checked against the platform with --platform.
    result, out = seal(live_server, scenario, tmp_path, "--platform", live_server,
                       tender_key=str(document))
    assert result.exit_code == 0 and "opening key checked" in result.stderr, result.output


def test_a_key_swapped_by_a_dba_is_refused_at_every_depth(live_server: str,  # noqa: F811
                                                         tmp_path: Path) -> None:
    scenario, notice_id = published_tender()
    assert seal(live_server, scenario, tmp_path)[0].exit_code == 0

    # (b) the tender row's key and key id: the announcement names another key.
    public, key_id = swap_key(scenario)
    result, out = seal(live_server, scenario, tmp_path)
    refused(result, out, "the opening key given differs from the key in the announcement")
    assert scenario.key_id in result.output and key_id in result.output

    # (c) the announcement too (its stored hash recomputed): the logged hash differs.
    forge_notice(notice_id, public, key_id)
    result, out = seal(live_server, scenario, tmp_path)
    refused(result, out, "the notice's content differs from the hash in the supervision log")

    # (d) the log entry's bytes and leaf: the path no longer reaches the signed root.
    forge_log_entry(notice_id)
    result, out = seal(live_server, scenario, tmp_path)
    refused(result, out, "the notice's log entry is not in the signed checkpoint")

    # (e) every node and the stored checkpoints' roots: only the signature is left to fail.
    rebuild_tree()
    result, out = seal(live_server, scenario, tmp_path)
    refused(result, out, "the checkpoint signature is invalid")
    # The same tender JSON checked through --platform fails the same way.
    document = tmp_path / "tender.json"
    document.write_text(json.dumps({"opening": {
        "public_key_b64": base64.b64encode(public).decode(), "key_id": key_id}}))
    result, out = seal(live_server, scenario, tmp_path, "--platform", live_server, "--tender",
                       str(scenario.tender_id), "--section", str(scenario.section_id),
                       "--bidder", str(scenario.bidder_org(scenario.bidders[0])),
                       tender_key=str(document))
    refused(result, out, "the checkpoint signature is invalid")


def test_an_announcement_is_covered_by_a_signed_checkpoint_when_it_becomes_public(
        database: str) -> None:
    """Immediately, or when a scheduled one is released: the proof is served at a signed size."""
    import datetime as dt

    from supervision import services as supervision
    from tests import clock as test_clock
    from trading import clock, jobs

    def proof_is_signed(notice_id: uuid.UUID) -> bool:
        with db.read_only() as session:
            proof = proofs.proof(session, notice_id)
            signed = supervision.latest_checkpoint(session)
        return signed is not None and signed.size == proof.tree_size > proof.log_index

    data = {"tenderee": "甲", "project_name": "工程", "project_scope": "施工", "project_scale": "1",
            "funding_source": "财政", "technical_requirements": "规范", "qualification": "二级",
            "bid_deadline": "2026-12-20T09:30:00+08:00", "opening_time": "2026-12-20T09:30:00+08:00",
            "opening_place": "线上", "contact": "王工"}
    with db.transaction() as session:
        later = clock.now(session) + dt.timedelta(hours=1)
        now = disclosure.publish(session, TEST, notice_type="tender_announcement", tender_ref="T-1",
                                 title="公告", data=data, region="城区", category="construction")
        scheduled = disclosure.publish(session, TEST, notice_type="tender_announcement",
                                       tender_ref="T-2", title="公告", data=data, region="城区",
                                       category="construction", publish_at=later)
        supervision.record(session, TEST, "test.later", "test", {})  # the log moves on
    assert proof_is_signed(now.id)
    test_clock.advance_past(later)
    with db.transaction() as session:
        job = jobs.get_job(session, disclosure.PUBLISH_JOB, f"notice/{scheduled.id}")
        assert job is not None
        disclosure.release_scheduled(session, scheduled.id)
    assert proof_is_signed(scheduled.id)
