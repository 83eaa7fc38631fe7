"""The optional "bidder decrypts" mode: envelopes with two XOR halves, the bidders' window."""

from __future__ import annotations

import datetime as dt
import io
import uuid

from Crypto.PublicKey import ECC
from Crypto.PublicKey.ECC import EccKey
from sqlalchemy import select, update

from bidding import lookup
from bidding.models import Bid, OpenStatus, Tender
from bidding.opening import decryption, halves
from bidding.sealing.crypto.common import b64encode
from bidding.sealing.crypto.envelope import open_bidder_half, seal_stream
from tests import clock as test_clock
from trading import db, jobs

from .conftest import (
    AHEAD,
    Scenario,
    bearer,
    bid_plaintext,
    bid_url,
    db_now,
    log_actions,
    make_tender,
    pass_deadline,
    publish_now,
    share_body,
    tender_state,
)
from .test_opening import open_all_directly, run_close, submit_share

PRICES = (98_000_000, 95_500_000, 101_250_000)


def seal_bd(scenario: Scenario, bidder: uuid.UUID, key: EccKey | None, price: int) -> bytes:
    out = io.BytesIO()
    public = key.public_key().export_key(format="raw") if key is not None else None
    seal_stream(io.BytesIO(bid_plaintext(price)), out, opening_public_key=scenario.public_key,
                tender_id=str(scenario.tender_id), section_id=str(scenario.section_id),
                bidder_id=str(scenario.bidder_org(bidder)), key_id=scenario.key_id,
                segment_size=4096, bidder_public_key=public)  # type: ignore[arg-type]
    return out.getvalue()


def half_body(scenario: Scenario, envelope: bytes, key: EccKey) -> dict[str, str]:
    """What ``ggzy bid open-half`` sends: the half unsealed locally with the bidder's key."""
    return {"section_id": str(scenario.section_id),
            "half_b64": b64encode(open_bidder_half(io.BytesIO(envelope), key))}


def post_half(client, scenario: Scenario, bidder: uuid.UUID, body: dict[str, str]):
    return client.post(f"/api/v1/tenders/{scenario.tender_id}/halves", json=body,
                       headers=bearer(bidder))


def run_job(kind: str, tender_id: uuid.UUID) -> None:
    with db.transaction() as session:
        job = jobs.get_job(session, kind, lookup.job_subject(tender_id))
        assert job is not None, kind
        handler = halves.close_window if kind == halves.HALVES_JOB else decryption.start
        handler(session, job)


def test_three_bidders_one_half_missing_is_revoked(client) -> None:
    scenario = make_tender(prefix="bd")
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            bidder_decrypts=True))
    keys = [ECC.generate(curve="p256") for _ in scenario.bidders]
    publish_now(scenario, db_now() + AHEAD)
    # An ordinary envelope is refused in this mode: the tender decides the suite.
    plain = client.put(bid_url(scenario), headers=bearer(scenario.bidders[0]),
                       content=seal_bd(scenario, scenario.bidders[0], None, PRICES[0]))
    assert plain.status_code == 422 and "bidder-decrypts" in plain.text, plain.text
    envelopes = {}
    for bidder, key, price in zip(scenario.bidders, keys, PRICES, strict=True):
        envelopes[bidder] = seal_bd(scenario, bidder, key, price)
        answer = client.put(bid_url(scenario), headers=bearer(bidder), content=envelopes[bidder])
        assert answer.status_code == 201, answer.text
    first, second, third = scenario.bidders
    early = post_half(client, scenario, first, half_body(scenario, envelopes[first], keys[0]))
    assert early.status_code == 409 and early.json()["title"] == "halves_not_open", early.text
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    for custodian in scenario.custodians[:2]:
        answer = submit_share(client, scenario, custodian, share_body(scenario, custodian))
        assert answer.status_code == 201, answer.text
    assert answer.json()["reconstructed"] is True
    with db.read_only() as session:  # no decryption yet: the bidders' window comes first
        assert jobs.get_job(session, decryption.OPEN_JOB,
                            lookup.job_subject(scenario.tender_id)) is None
        due = lookup.get_tender(session, scenario.tender_id).halves_due_at
        assert due is not None and due > db_now() + dt.timedelta(minutes=29)

    # A custodian may not submit a bidder's half (wrong role).
    denied = post_half(client, scenario, scenario.custodians[0],
                       half_body(scenario, envelopes[first], keys[0]))
    assert denied.status_code == 403
    # A wrong half (another bidder's) is refused and named.
    wrong = post_half(client, scenario, first, half_body(scenario, envelopes[second], keys[1]))
    assert wrong.status_code == 400 and wrong.json()["title"] == "wrong_half", wrong.text
    assert "密钥半份不正确" in wrong.text or "wrong key half" in wrong.text
    for bidder, key in ((first, keys[0]), (second, keys[1])):
        answer = post_half(client, scenario, bidder, half_body(scenario, envelopes[bidder], key))
        assert answer.status_code == 201, answer.text
    again = post_half(client, scenario, first, half_body(scenario, envelopes[first], keys[0]))
    assert again.status_code == 409
    mine = client.get(f"/api/v1/tenders/{scenario.tender_id}/halves/mine",
                      headers=bearer(third)).json()
    assert mine["window_open"] is True and mine["bids"][0]["half_submitted"] is False

    # The window ends (30 minutes pass) without the third bidder's half.
    test_clock.advance_past(due)
    run_job(halves.HALVES_JOB, scenario.tender_id)
    late = post_half(client, scenario, third, half_body(scenario, envelopes[third], keys[2]))
    assert late.status_code == 409 and late.json()["title"] == "halves_closed", late.text
    run_job(decryption.OPEN_JOB, scenario.tender_id)
    open_all_directly(scenario)

    assert tender_state(scenario.tender_id) == "opened"
    with db.read_only() as session:
        bids = {b.bidder_id: b for b in session.scalars(select(Bid).where(
            Bid.tender_id == scenario.tender_id, Bid.open_status.is_not(None)))}
    assert bids[scenario.bidder_org(first)].open_status == OpenStatus.OPENED.value
    assert bids[scenario.bidder_org(first)].price_fen == PRICES[0]
    assert bids[scenario.bidder_org(second)].price_fen == PRICES[1]
    revoked = bids[scenario.bidder_org(third)]
    assert revoked.open_status == OpenStatus.REVOKED.value
    assert revoked.open_reason is not None and "密钥半份" in revoked.open_reason
    record = client.get(f"/api/v1/tenders/{scenario.tender_id}/opening").json()["record"]
    statuses = sorted(b["status"] for b in record["sections"][0]["bids"])
    assert statuses == ["opened", "opened", "revoked"]
    actions = log_actions(lookup.subject(scenario.tender_id))
    for action in ("opening.halves_window_opened", "bid.half_submitted", "bid.half_refused",
                   "opening.halves_window_closed", "opening.started", "opening.record"):
        assert action in actions, action


def _bids_in_and_shares_submitted(
    client, prefix: str
) -> tuple[Scenario, list[EccKey], dict[uuid.UUID, bytes]]:
    """A bidder-decrypts tender whose three bids are in, closed, with k custodian shares
    submitted: the bidders' window is open."""
    scenario = make_tender(prefix=prefix)
    with db.transaction() as session:
        session.execute(update(Tender).where(Tender.id == scenario.tender_id).values(
            bidder_decrypts=True))
    keys = [ECC.generate(curve="p256") for _ in scenario.bidders]
    publish_now(scenario, db_now() + AHEAD)
    envelopes = {}
    for bidder, key, price in zip(scenario.bidders, keys, PRICES, strict=True):
        envelopes[bidder] = seal_bd(scenario, bidder, key, price)
        assert client.put(bid_url(scenario), headers=bearer(bidder),
                          content=envelopes[bidder]).status_code == 201
    pass_deadline(scenario.tender_id)
    run_close(scenario)
    for custodian in scenario.custodians[:2]:
        assert submit_share(client, scenario, custodian).status_code == 201
    return scenario, keys, envelopes


def test_window_ends_early_when_every_half_is_in(client) -> None:
    scenario, keys, envelopes = _bids_in_and_shares_submitted(client, "be")
    for bidder, key in zip(scenario.bidders, keys, strict=True):
        answer = post_half(client, scenario, bidder, half_body(scenario, envelopes[bidder], key))
        assert answer.status_code == 201, answer.text
    run_job(halves.HALVES_JOB, scenario.tender_id)  # due now: every half is in
    run_job(decryption.OPEN_JOB, scenario.tender_id)
    open_all_directly(scenario)
    with db.read_only() as session:
        statuses = sorted(session.scalars(select(Bid.open_status).where(
            Bid.tender_id == scenario.tender_id)))
    assert statuses == ["opened"] * 3


def test_bid_page_submits_a_pasted_half(client) -> None:
    """The bidder's page: the halves form (the half pasted from ``ggzy bid open-half
    --print-only``, or filled by bid-page.js from the envelope prefix the page serves)."""
    from tests.integration.trading.conftest import login, post_form

    scenario, keys, envelopes = _bids_in_and_shares_submitted(client, "bp")
    page = f"/bidding/tenders/{scenario.tender_id}/bid"
    assert login(client, "bp-bidder0").status_code == 303
    shown = client.get(page)
    assert shown.status_code == 200 and 'class="half-form"' in shown.text
    with db.read_only() as session:
        bid_id = session.scalars(select(Bid.id).where(
            Bid.bidder_id == scenario.bidder_org(scenario.bidders[0]))).one()
        other = session.scalars(select(Bid.id).where(
            Bid.bidder_id == scenario.bidder_org(scenario.bidders[1]))).one()
    prefix = client.get(f"/bidding/tenders/{scenario.tender_id}/bids/{bid_id}/prefix")
    assert prefix.status_code == 200
    assert envelopes[scenario.bidders[0]].startswith(
        __import__("base64").b64decode(prefix.json()["prefix_b64"]))
    assert client.get(f"/bidding/tenders/{scenario.tender_id}/bids/{other}/prefix"
                      ).status_code == 404
    body = half_body(scenario, envelopes[scenario.bidders[0]], keys[0])
    answer = post_form(client, f"/bidding/tenders/{scenario.tender_id}/halves", body,
                       form_page=page)
    assert answer.status_code == 303, answer.text
    assert "密钥半份已提交" in client.get(page).text or "Key half submitted" in \
        client.get(page).text
    # Another role may not read a bidder's envelope prefix.
    assert login(client, "bp-staff").status_code == 303
    assert client.get(f"/bidding/tenders/{scenario.tender_id}/bids/{bid_id}/prefix"
                      ).status_code == 403


def test_a_damaged_stored_envelope_does_not_blame_the_bidders_half(client, storage_dir) -> None:
    """R-25: if the platform damaged the stored file, the bidder's (right) half is not refused
    as wrong; the opening then classifies the bid as withdrawn (platform fault)."""
    scenario, keys, envelopes = _bids_in_and_shares_submitted(client, "bf")
    first = scenario.bidders[0]
    with db.read_only() as session:
        stored = storage_dir / session.scalars(select(Bid.storage_key).where(
            Bid.bidder_id == scenario.bidder_org(first))).one()
    damaged = bytearray(stored.read_bytes())
    damaged[-3] ^= 0xFF  # the last (only) segment's tag
    stored.write_bytes(bytes(damaged))
    answer = post_half(client, scenario, first, half_body(scenario, envelopes[first], keys[0]))
    assert answer.status_code == 201, answer.text
    for bidder, key in zip(scenario.bidders[1:], keys[1:], strict=True):
        assert post_half(client, scenario, bidder,
                         half_body(scenario, envelopes[bidder], key)).status_code == 201
    run_job(halves.HALVES_JOB, scenario.tender_id)
    run_job(decryption.OPEN_JOB, scenario.tender_id)
    open_all_directly(scenario)
    with db.read_only() as session:
        status = session.scalars(select(Bid.open_status).where(
            Bid.bidder_id == scenario.bidder_org(first))).one()
    assert status == OpenStatus.WITHDRAWN.value
