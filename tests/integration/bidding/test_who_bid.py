"""Who bid stays secret until the deadline, from everyone, regulators included (issue 10, item
3): before the close a bid entry carries a commitment, not the bidder, its user or its address;
the close reveals the mapping into the log and the offline verifier opens every commitment."""

from __future__ import annotations

import json

from sqlalchemy import select

from bidding import lookup
from bidding.models import Bid
from bidding.sealing.crypto import receipts
from bidding.submission import sealed_log
from supervision import checkpoints, export, note, services, verifier
from tests.integration.trading.conftest import login
from trading import db
from trading.accounts.models import Role

from .conftest import (
    AHEAD,
    TEST,
    bearer,
    bid_plaintext,
    bid_url,
    current,
    db_now,
    make_tender,
    make_user,
    pass_deadline,
    publish_now,
    run_closing,
    seal,
)

BID_ACTIONS = ("bid.submitted", "bid.withdrawn")


def _sign() -> int:
    with db.transaction() as session:
        return services.checkpoint_now(session, "test").size



def _identities(scenario) -> list[str]:
    """What must not be readable before the close: bidder organizations and their names, the
    bidders' user ids and the addresses they bid from."""
    secret = []
    with db.read_only() as session:
        bids = list(session.scalars(select(Bid).where(Bid.tender_id == scenario.tender_id)))
    for user in scenario.bidders:
        who = current(user)
        secret += [str(user), str(who.organization_id), who.display_name]
    secret += sorted({b.submitted_ip for b in bids if b.submitted_ip})
    return secret


def test_a_regulator_sees_commitments_before_the_close_and_the_mapping_after(client) -> None:
    scenario = make_tender(prefix="wb")
    publish_now(scenario, db_now() + AHEAD)
    for bidder in scenario.bidders:
        answer = client.put(bid_url(scenario), headers=bearer(bidder),
                            content=seal(scenario, bidder, bid_plaintext(90_000_000)))
        assert answer.status_code == 201, answer.text
        # the receipt (the bidder's alone) still names the bidder
        assert receipts.Receipt.from_dict(answer.json()).fields["bidder_id"] == str(
            current(bidder).organization_id)
    first = scenario.bidders[0]
    assert client.delete(bid_url(scenario), headers=bearer(first)).status_code in (200, 204)
    again = client.put(bid_url(scenario), headers=bearer(first),
                       content=seal(scenario, first, bid_plaintext(91_000_000)))
    assert again.status_code == 201
    # The receipt's log promise is kept by the bid's own entry, which the bidder can check.
    receipt = receipts.Receipt.from_dict(again.json()).fields
    services.integrate_soon()  # the dispatcher's sequencer round
    with db.read_only() as session:
        kept = services.kept_promises(session, [int(receipt["log_promise"])])
        own = services.get_entry(session, kept[int(receipt["log_promise"])])
    assert own is not None and own.action == "bid.submitted"
    assert own.body["promise"] == receipt["log_promise"]
    assert own.body["bid"] == receipt["receipt_id"]
    assert own.body["envelope_sha256"] == receipt["envelope_sha256"]
    _sign()

    regulator = make_user("wb-regulator", Role.REGULATOR)
    token = bearer(regulator)
    secret = _identities(scenario)
    page = client.get("/api/v1/supervision/exchange/entries?after=-1&limit=1000", headers=token)
    assert page.status_code == 200
    entries = [e for e in page.json()["entries"] if e["action"] in BID_ACTIONS
               and e["subject"] == lookup.subject(scenario.tender_id)]
    assert [e["action"] for e in entries] == ["bid.submitted"] * 3 + ["bid.withdrawn",
                                                                      "bid.submitted"]
    for entry in entries:
        assert entry["actor_user_id"] is None and entry["actor_ip"] is None
        assert "bidder" not in entry["body"] and len(entry["body"]["commitment"]) == 64
        for value in secret:
            assert value not in json.dumps(entry, ensure_ascii=False), value
        fetched = client.get(f"/api/v1/log/entries/{entry['seq']}", headers=token).json()
        assert fetched["entry"]["body"]["commitment"] == entry["body"]["commitment"]
    login(client, "wb-regulator")
    timeline = client.get(f"/supervision/timeline?subject={lookup.subject(scenario.tender_id)}")
    assert timeline.status_code == 200
    assert entries[0]["body"]["commitment"] in timeline.text
    for value in secret:
        assert value not in timeline.text, value
    log_page = client.get("/supervision/log?action=bid.submitted")
    for value in secret:
        assert value not in log_page.text, value

    pass_deadline(scenario.tender_id)
    run_closing(scenario.tender_id)
    with db.read_only() as session:
        reveals = services.entries(session, action=sealed_log.REVEAL_ACTION,
                                   subject=lookup.subject(scenario.tender_id))
        closed = services.entries(session, action="tender.closed",
                                  subject=lookup.subject(scenario.tender_id))
    assert len(reveals) == 1 and reveals[0].seq > closed[0].seq
    revealed = {item["seq"]: item for item in reveals[0].body["entries"]}
    assert sorted(revealed) == [e["seq"] for e in entries]
    for entry in entries:
        item = revealed[entry["seq"]]
        assert item["bid"] == entry["body"]["bid"]
        assert services.bid_commitment(entry["action"], item["bid"], entry["body"]["envelope_sha256"],
                                       item["bidder"], item["user_id"], item["ip"],
                                       item["salt"]) == entry["body"]["commitment"]
    assert {revealed[e["seq"]]["bidder"] for e in entries} == {
        str(current(b).organization_id) for b in scenario.bidders}
    assert revealed[entries[3]["seq"]]["user_id"] == str(first)  # who withdrew
    # The offline verifier opens every commitment.
    report = verifier.verify_lines(export.export_lines(),
                                   log_key=note.parse_vkey(checkpoints.log_vkey()))
    assert report.error is None and report.ok, report.violations


def test_the_log_size_is_told_only_by_signed_checkpoints(client) -> None:
    regulator = make_user("size-regulator", Role.REGULATOR)
    token = bearer(regulator)
    signed = _sign()
    assert signed > 1
    with db.transaction() as session:
        for i in range(7):
            services.record(session, TEST, "test.step", "test:s", {"i": i})
        live = services.tree_size(session)
    # Sizes between the newest checkpoint and the live size are answered exactly like sizes
    # beyond the log: bisecting the answers finds no live size.
    for within, beyond in (("/api/v1/log/consistency?first=0&second={}", None),
                           ("/api/v1/log/inclusion?index=0&size={}", token),
                           ("/api/v1/log/export?size={}", token)):
        answers = [client.get(within.format(size), headers=beyond)
                   for size in (signed + 1, live, live + 1, live + 50)]
        assert {a.status_code for a in answers} == {400}, [a.text for a in answers]
        messages = {a.json()["message_en"].replace(str(size), "N")
                    for a, size in zip(answers, (signed + 1, live, live + 1, live + 50),
                                       strict=True)}
        assert len(messages) == 1 and "holds" not in messages.pop()
    assert client.get(f"/api/v1/log/consistency?first=1&second={signed}").status_code == 200
    # An entry past the newest checkpoint is "not found", like one past the end of the log.
    past = client.get(f"/api/v1/log/entries/{live - 1}", headers=token)
    beyond = client.get(f"/api/v1/log/entries/{live + 100}", headers=token)
    assert past.status_code == beyond.status_code == 404
    page = client.get("/api/v1/supervision/exchange/entries?after=-1&limit=1000",
                      headers=token).json()
    assert max(e["seq"] for e in page["entries"]) == signed - 1
