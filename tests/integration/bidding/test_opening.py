"""Closing and opening: the timed close (real worker), R-24, k shares, bad shares, re-delivery."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery import Celery
from sqlalchemy import select

from bidding import lookup
from bidding.models import Bid, OpenStatus, PanelMember
from bidding.opening import closing, decryption
from bidding.sealing import panels
from bidding.sealing.crypto.common import b64decode, b64encode
from bidding.tendering import tenders
from tests.conftest import BACKEND
from tests.integration.trading.worker_harness import (
    TIME_LIMIT,
    TaskLog,
    broker_url_for,
    delete_queue,
    make_app,
    running_dispatcher,
    running_worker,
    wait_for,
)
from trading import db, job_runner, jobs

from .conftest import (
    AHEAD,
    TEST,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    log_actions,
    make_tender,
    pass_deadline,
    publish_now,
    seal,
    share_body,
    tender_state,
)

PRICES = (98_000_000, 95_500_000, 101_250_000)


@pytest.fixture
def celery_app(database: str, tmp_path: Path) -> Iterator[Celery]:
    # One broker per backend keeps the suite fast: the embedded one with SQLite, Redis with
    # PostgreSQL (the core's job tests cover every combination).
    app = make_app(broker_url_for("sqla" if BACKEND == "sqlite" else "redis", tmp_path))
    yield app
    delete_queue(app)


def submit_bids(client, scenario: Scenario, prices=PRICES) -> None:
    for bidder, price in zip(scenario.bidders, prices, strict=False):
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(price)))
        assert answer.status_code == 201, answer.text


def submit_share(client, scenario: Scenario, custodian: uuid.UUID, body=None):
    return client.post(f"/api/v1/tenders/{scenario.tender_id}/shares",
                       json=body or share_body(scenario, custodian), headers=bearer(custodian))


def run_close(scenario: Scenario) -> None:
    """Run the closing handler as the job runner would (without a worker)."""
    with db.transaction() as session:
        job = jobs.get_job(session, tenders.CLOSE_JOB, lookup.job_subject(scenario.tender_id))
        assert job is not None
        closing.close(session, job)


def open_all_directly(scenario: Scenario) -> None:
    with db.read_only() as session:
        pending = decryption.pending_bids(session, scenario.tender_id)
    for bid_id in pending:
        decryption.open_one(bid_id)


def closed_scenario(client, bids: int = 3, k: int = 2, n: int = 3) -> Scenario:
    scenario = make_tender(k=k, n=n, bidders=bids)
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario, PRICES[:bids])
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    return scenario


# --- with a real worker --------------------------------------------------------------------


@pytest.mark.broker
@TIME_LIMIT
def test_full_opening_on_a_real_worker(client, celery_app: Celery) -> None:
    scenario = make_tender()
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario)
    early = submit_share(client, scenario, scenario.custodians[0])
    assert early.status_code == 409 and "server time" in early.json()["message_en"]
    with TaskLog(celery_app) as log, running_worker(celery_app), running_dispatcher(celery_app):
        # The dispatcher and the worker read the moved clock too: the closing job falls due.
        pass_deadline(scenario.tender_id)
        wait_for(lambda: tender_state(scenario.tender_id) == "closed", 60, "closing")
        for custodian in scenario.custodians[:2]:
            answer = submit_share(client, scenario, custodian)
            assert answer.status_code == 201, answer.text
        assert answer.json()["reconstructed"] is True
        wait_for(lambda: tender_state(scenario.tender_id) == "opened", 60, "the opening")
        closing_runs = [h for h in log._items if h.task == jobs.RUN_JOB_TASK]
    body = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()
    prices = sorted(b["price_fen"] for b in body["record"]["sections"][0]["bids"])
    assert prices == sorted(PRICES)
    assert {b["status"] for b in body["record"]["sections"][0]["bids"]} == {"opened"}
    assert body["done"] == body["total"] == 3
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.count("tender.closed") == 1 and actions.count("opening.record") == 1
    assert actions.count("bid.opened") == 3
    assert closing_runs  # the close and open jobs ran on the worker
    assert "opening.disclosure_failed" not in actions  # handed to disclosure
    # the shares were watched from the closing and the alert cleared at the key
    assert "alert.watching" in actions and "alert.cleared" in actions
    # the opening page shows the record, and the regulator may now re-check with the key
    page = client.get(f"/bidding/tenders/{scenario.tender_id}/opening")
    assert "98,000.00" in page.text or "980,000.00" in page.text


@pytest.mark.broker
@TIME_LIMIT
def test_closing_runs_once_and_fewer_than_three_bidders_fail(client,
                                                              celery_app: Celery) -> None:
    scenario = make_tender(bidders=2)
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario, PRICES[:2])
    with running_worker(celery_app), running_dispatcher(celery_app):
        pass_deadline(scenario.tender_id)
        wait_for(lambda: tender_state(scenario.tender_id) == "failed", 60, "R-24 failure")
        # a second run of the same job (a re-delivered message) changes nothing
        with db.read_only() as session:
            job = jobs.get_job(session, tenders.CLOSE_JOB,
                               lookup.job_subject(scenario.tender_id))
            assert job is not None
        assert job_runner.execute(job.id, job.version).result == "stale"
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.count("tender.closed") == 1 and actions.count("tender.failed") == 1
    assert "opening.disclosure_failed" not in actions  # the failed-tender notice went out
    with db.read_only() as session:
        bids = session.scalars(select(Bid).where(Bid.tender_id == scenario.tender_id)).all()
    assert all(b.open_status is None for b in bids)  # a failed section's bids stay sealed


# --- shares --------------------------------------------------------------------------------


def test_k_minus_one_shares_wait_and_alert(client, monkeypatch) -> None:
    scenario = closed_scenario(client)
    answer = submit_share(client, scenario, scenario.custodians[0])
    assert answer.status_code == 201 and answer.json()["reconstructed"] is False
    assert tender_state(scenario.tender_id) == "closed"
    with db.transaction() as session:
        job = jobs.get_job(session, closing.SHARE_ALERT_JOB,
                           lookup.job_subject(scenario.tender_id))
        assert job is not None
        closing.share_alert(session, job)
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert "opening.waiting_for_shares" in actions and "opening.alert" in actions
    assert "alert.watching" in actions and "alert.cleared" not in actions
    assert "opening.record" not in actions
    with db.read_only() as session:
        assert lookup.get_tender(session, scenario.tender_id).opening_private_key is None


def test_wrong_share_is_named_and_replay_refused(client) -> None:
    scenario = closed_scenario(client)
    good0, cust1, good2 = scenario.custodians
    assert submit_share(client, scenario, good0).status_code == 201
    # custodian 1 sends a share that is signed but wrong (e.g. a damaged copy)
    from bidding.sealing.crypto import custody

    body = share_body(scenario, cust1)
    share = bytearray(b64decode(body["share_b64"]))
    share[5] ^= 0xFF
    signature = custody.sign_share_submission(bytes(share), str(scenario.tender_id),
                                              panels.custodian_id(cust1),
                                              scenario.keys[cust1].signing_key)
    wrong = {"share_b64": b64encode(bytes(share)), "signature_b64": b64encode(signature)}
    # Checked on its own against the custodian's public share point: refused and named at once.
    answer = submit_share(client, scenario, cust1, wrong)
    assert answer.status_code == 422 and answer.json()["title"] == "bad_share"
    assert panels.custodian_id(cust1) in answer.json()["detail"]
    answer = submit_share(client, scenario, good2)
    assert answer.status_code == 201, answer.text
    assert answer.json()["reconstructed"] is True
    replay = submit_share(client, scenario, good2)
    assert replay.status_code == 409  # the key is rebuilt: nothing more is taken


def test_bad_signature_and_replay_are_refused_and_named(client) -> None:
    scenario = closed_scenario(client, k=3, n=3)
    first, second, _ = scenario.custodians
    body = share_body(scenario, first)
    forged = {**body, "signature_b64": share_body(scenario, second)["signature_b64"]}
    answer = submit_share(client, scenario, first, forged)
    assert answer.status_code == 422 and panels.custodian_id(first) in answer.json()["detail"]
    assert submit_share(client, scenario, first, body).status_code == 201
    again = submit_share(client, scenario, first, body)
    assert again.status_code == 422 and again.json()["title"] == "share_replayed"
    # another custodian replaying first's share (signed by itself) is refused too
    from bidding.sealing.crypto import custody

    copied = b64decode(body["share_b64"])
    signature = custody.sign_share_submission(copied, str(scenario.tender_id),
                                              panels.custodian_id(second),
                                              scenario.keys[second].signing_key)
    stolen = {"share_b64": body["share_b64"], "signature_b64": b64encode(signature)}
    answer = submit_share(client, scenario, second, stolen)  # not second's public share point
    assert answer.status_code == 422 and answer.json()["title"] == "bad_share"
    assert log_actions(f"tender/{scenario.tender_id}").count("custody.share_refused") == 3


# --- re-delivery ---------------------------------------------------------------------------


def test_redelivered_and_concurrent_tasks_count_once(client) -> None:
    scenario = closed_scenario(client)
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code == 201
    with db.read_only() as session:
        bid_ids = decryption.pending_bids(session, scenario.tender_id)
    # a worker died after decrypting bid 0 but before acknowledging: the task runs again
    assert decryption.open_one(bid_ids[0]) == "opened"
    assert decryption.open_one(bid_ids[0]) == "done"
    # two workers receive the same message for bid 1 at once
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(decryption.open_one(bid_ids[1])))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) in (["done", "opened"], ["duplicate", "opened"])
    assert decryption.open_one(bid_ids[2]) == "opened"
    assert decryption.open_one(bid_ids[2]) == "done"
    assert tender_state(scenario.tender_id) == "opened"
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.count("bid.opened") == 3 and actions.count("opening.record") == 1


def test_overlapping_batches_open_each_bid_once(client) -> None:
    """The watchdog re-sends a batch while a worker still holds part of it."""
    scenario = closed_scenario(client)
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code == 201
    with db.read_only() as session:
        bid_ids = decryption.pending_bids(session, scenario.tender_id)
    assert decryption.open_batch(bid_ids[:2]) == {bid_ids[0]: "opened", bid_ids[1]: "opened"}
    assert tender_state(scenario.tender_id) == "closed"
    assert decryption.open_batch(bid_ids) == {bid_ids[2]: "opened"}  # the opened ones skipped
    assert decryption.open_batch(bid_ids) == {}
    assert tender_state(scenario.tender_id) == "opened"
    actions = log_actions(f"tender/{scenario.tender_id}")
    assert actions.count("bid.opened") == 3 and actions.count("opening.record") == 1
    assert actions.index("opening.record") > max(
        i for i, action in enumerate(actions) if action == "bid.opened")


def test_bidder_fault_is_revoked_platform_fault_withdrawn(client, storage_dir: Path) -> None:
    scenario = make_tender(bidders=4)
    publish_now(scenario, db_now() + AHEAD)
    submit_bids(client, scenario, PRICES)
    # bidder 3 seals a plaintext without the announced items: its own fault (R-25: revoked)
    bad = scenario.bidders[3]
    client.put(bid_url(scenario), headers=bearer(bad), content=seal(scenario, bad, b"no json"))
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    # the platform loses bidder 0's stored file: not the bidder's fault (R-25: withdrawn)
    first = scenario.bidder_org(scenario.bidders[0])
    with db.read_only() as session:
        lost = session.scalars(select(Bid).where(
            Bid.tender_id == scenario.tender_id, Bid.open_status == "pending",
            Bid.bidder_id == first)).one()
        assert lost is not None
        (storage_dir / lost.storage_key).unlink()
    for custodian in scenario.custodians[:2]:
        submit_share(client, scenario, custodian)
    open_all_directly(scenario)
    with db.read_only() as session:
        statuses = {b.id: b.open_status for b in session.scalars(select(Bid).where(
            Bid.tender_id == scenario.tender_id, Bid.open_status.is_not(None)))}
    assert statuses[lost.id] == OpenStatus.WITHDRAWN.value
    assert sorted(statuses.values()).count(OpenStatus.REVOKED.value) == 1
    assert tender_state(scenario.tender_id) == "opened"


def test_regulator_gets_the_key_after_the_opening(client) -> None:
    from trading.accounts.models import OrganizationKind, Role

    from .conftest import make_user

    scenario = closed_scenario(client)
    regulator = make_user("regulator1", Role.REGULATOR, OrganizationKind.REGULATOR)
    url = f"/api/v1/tenders/{scenario.tender_id}/opening/key"
    assert client.get(url, headers=bearer(regulator)).status_code == 409
    for custodian in scenario.custodians[:2]:
        submit_share(client, scenario, custodian)
    open_all_directly(scenario)
    key = client.get(url, headers=bearer(regulator)).json()
    from bidding.sealing.crypto import custody

    private = custody.import_opening_private_key(b64decode(key["opening_private_key_b64"]))
    assert private.public_key().export_key(format="raw") == scenario.public_key
    with db.read_only() as session:
        members = session.scalars(select(PanelMember).where(
            PanelMember.tender_id == scenario.tender_id)).all()
    assert sum(m.share is not None for m in members) == 2
    assert current(regulator).roles == frozenset({"regulator"})
    assert TEST.role == "test"
