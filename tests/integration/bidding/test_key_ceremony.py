"""The dealer-free key ceremony through the API, as custodians and staff meet it: nobody deals
the whole key, every step is signed and logged, bad steps are refused with their reason and
change nothing, and a lying dealer or complainer is found from public data alone."""

from __future__ import annotations

import uuid
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import update

from bidding import lookup
from bidding.models import CustodianKey
from bidding.sealing.crypto import custody, dkg, dkg_custodian
from bidding.sealing.crypto.common import b64encode
from trading import clock, db

from .conftest import (
    AHEAD,
    Scenario,
    bearer,
    db_now,
    log_actions,
    make_custodians,
    make_tender,
    publish_now,
    share_body,
    transcript,
)


@pytest.fixture
def fresh(database: str) -> Scenario:
    """A draft tender (2 of 3) whose ceremony has not run."""
    return make_tender(prefix="dkg", with_ceremony=False)


def _url(scenario: Scenario, step: str = "") -> str:
    return f"/api/v1/tenders/{scenario.tender_id}/ceremony{step}"


def _view(client, scenario: Scenario) -> dict[str, Any]:
    answer = client.get(_url(scenario), headers=bearer(scenario.staff))
    assert answer.status_code == 200, answer.text
    return answer.json()


def _start(client, scenario: Scenario) -> dkg.Ceremony:
    answer = client.post(_url(scenario), headers=bearer(scenario.staff))
    assert answer.status_code == 201, answer.text
    return dkg.Ceremony.from_document(answer.json()["ceremony"])


def _deal_all(client, scenario: Scenario, document: dkg.Ceremony,
              contributions: dict[uuid.UUID, dkg.Contribution] | None = None) -> dict[
                  uuid.UUID, dkg.DealerSecrets]:
    secrets = {}
    for custodian in scenario.custodians:
        contribution, secret = dkg_custodian.deal(document, scenario.keys[custodian])
        if contributions and custodian in contributions:
            contribution = contributions[custodian]
        secrets[custodian] = secret
        answer = client.post(_url(scenario, "/contributions"), json=contribution.to_document(),
                             headers=bearer(custodian))
        assert answer.status_code == 201, answer.text
    return secrets


def _check_all(client, scenario: Scenario, document: dkg.Ceremony) -> None:
    contributions = [dkg.Contribution.from_document(c)
                     for c in _view(client, scenario)["contributions"]]
    for custodian in scenario.custodians:
        complaints = dkg_custodian.check_dealt_shares(document, contributions,
                                                      scenario.keys[custodian])
        answer = client.post(_url(scenario, "/checks"), headers=bearer(custodian),
                             json={"complaints": [c.to_document() for c in complaints]})
        assert answer.status_code == 201, answer.text


def test_custodians_make_the_key_together_and_anyone_can_recompute_it(client, fresh) -> None:
    document = _start(client, fresh)
    _deal_all(client, fresh, document)
    assert _view(client, fresh)["state"] == "checking"
    _check_all(client, fresh, document)
    view = _view(client, fresh)
    assert view["state"] == "completed"
    record = dkg.Transcript.from_document(view["transcript"])
    dkg.verify_transcript(record)
    public_key, points = dkg.recompute(record)
    tender = client.get(f"/api/v1/tenders/{fresh.tender_id}", headers=bearer(fresh.staff)).json()
    assert tender["opening"]["public_key_b64"] == b64encode(public_key)
    assert tender["opening"]["transcript_hash"] == record.hash
    assert record.qual == (1, 2, 3)
    # the key is the sum of the dealers' constant-term commitments
    total = sum((dkg.decode_point(c.commitments[0]) for c in record.contributions[1:]),
                dkg.decode_point(record.contributions[0].commitments[0]))
    assert dkg.encode_point(total) == public_key
    # each custodian's share checks on its own against its public share point
    for custodian in fresh.custodians:
        index, share = dkg_custodian.share_from_transcript(record, fresh.keys[custodian])
        assert dkg.encode_point(dkg.G * share) == points[index]
    actions = log_actions(f"tender/{fresh.tender_id}")
    assert actions.count("custody.contribution_accepted") == 3
    assert actions.count("custody.shares_checked") == 3
    assert "custody.ceremony_started" in actions and "custody.ceremony_completed" in actions


def test_staff_cannot_contribute_or_make_a_key(client, fresh) -> None:
    document = _start(client, fresh)
    staff_keys = custody.generate_custodian_keys()
    forged_roster = replace(document, custodians=(staff_keys.public(str(fresh.staff)),
                                                  *document.custodians[1:]))
    contribution, _ = dkg.make_contribution(forged_roster, 1, staff_keys)
    answer = client.post(_url(fresh, "/contributions"), json=contribution.to_document(),
                         headers=bearer(fresh.staff))
    assert answer.status_code == 403  # not a custodian at all
    # closing dealing with no contribution fails the round; there is still no key to publish
    answer = client.post(_url(fresh, "/advance"), headers=bearer(fresh.staff))
    assert answer.status_code == 200 and answer.json()["failure"] == "too_few_contributions"
    publish = client.post(f"/api/v1/tenders/{fresh.tender_id}/publish", headers=bearer(fresh.staff),
                          json={"deadline": "2030-01-01T10:00:00+08:00",
                                "sale_ends_on": "2029-12-20"})
    assert publish.status_code == 409 and publish.json()["title"] == "ceremony_missing"
    # the old dealer upload is gone
    assert client.post(f"/api/v1/tenders/{fresh.tender_id}/custody", json={},
                       headers=bearer(fresh.staff)).status_code in (404, 405)


def test_bad_contributions_are_refused_logged_and_change_nothing(client, fresh) -> None:
    document = _start(client, fresh)
    first, second, _ = fresh.custodians
    outsider = make_custodians(1, prefix="dkg-outsider")[0][0]
    good, _ = dkg_custodian.deal(document, fresh.keys[first])
    cases = [
        (outsider, good.to_document(), 403, "not_on_panel"),
        (second, good.to_document(), 403, "wrong_dealer"),  # first's contribution as its own
        (first, {**good.to_document(), "signature": b64encode(bytes(64))}, 422,
         "bad_signature"),
        (first, replace(good, commitments=good.commitments[:1]).signed(fresh.keys[first])
         .to_document(), 422, "commitment_count"),
        (first, {"format": "ggzy-dkg-contribution/1"}, 422, "malformed"),
        (first, dkg_custodian.deal(replace(document, round=7), fresh.keys[first])[0]
         .to_document(), 422, "wrong_round"),
    ]
    for user, body, status, code in cases:
        answer = client.post(_url(fresh, "/contributions"), json=body, headers=bearer(user))
        assert answer.status_code == status, (code, answer.text)
        assert answer.json()["title"] == code
    assert _view(client, fresh)["contributions"] == []
    assert log_actions(f"tender/{fresh.tender_id}").count("custody.step_refused") == len(cases)
    # out of order: checking while dealing; twice: the same dealer again
    early = client.post(_url(fresh, "/checks"), json={"complaints": []}, headers=bearer(first))
    assert early.status_code == 409 and early.json()["title"] == "out_of_order"
    assert client.post(_url(fresh, "/contributions"), json=good.to_document(),
                       headers=bearer(first)).status_code == 201
    again = client.post(_url(fresh, "/contributions"), json=good.to_document(),
                        headers=bearer(first))
    assert again.status_code == 409 and again.json()["title"] == "duplicate"
    assert len(_view(client, fresh)["contributions"]) == 1


def test_a_cheating_dealer_is_excluded_from_public_data(client, fresh) -> None:
    document = _start(client, fresh)
    cheat = fresh.custodians[0]
    contribution, _ = dkg_custodian.deal(document, fresh.keys[cheat])
    # dealer 1 seals garbage to custodian 2 (a valid point and the right length)
    sealed = list(contribution.sealed_shares)
    sealed[1] = sealed[1][:66] + bytes(48)
    bad = replace(contribution, sealed_shares=tuple(sealed)).signed(fresh.keys[cheat])
    _deal_all(client, fresh, document, {cheat: bad})
    _check_all(client, fresh, document)
    view = _view(client, fresh)
    assert view["state"] == "answering"
    assert [(c["accused"], c["complainer"], c["reason"]) for c in view["complaints"]] == [
        (1, 2, "cannot_open")]
    # the cheat does not answer; staff close the phase: the complaint is upheld
    answer = client.post(_url(fresh, "/advance"), headers=bearer(fresh.staff))
    assert answer.status_code == 200 and answer.json()["state"] == "completed"
    record = transcript(fresh)
    assert record.qual == (2, 3)
    assert [(j.at_fault, j.code) for j in record.judgements] == [("accused", "no_reveal")]
    # every custodian, the cheat included, still holds a working share of the key
    shares = dict(dkg_custodian.share_from_transcript(record, fresh.keys[c])
                  for c in fresh.custodians)
    key = dkg.combine_shares(record, {1: shares[1], 3: shares[3]})
    assert dkg.encode_point(key.pointQ) == record.public_key


def test_a_false_complaint_is_found_out_and_the_dealer_stays(client, fresh) -> None:
    document = _start(client, fresh)
    secrets = _deal_all(client, fresh, document)
    accused, liar, honest = fresh.custodians
    contributions = {c["dealer"]: dkg.Contribution.from_document(c)
                     for c in _view(client, fresh)["contributions"]}
    lie = dkg.make_complaint(document, contributions[1], 2, "mismatch", fresh.keys[liar])
    assert client.post(_url(fresh, "/checks"), json={"complaints": [lie.to_document()]},
                       headers=bearer(liar)).status_code == 201
    for custodian in (accused, honest):
        assert client.post(_url(fresh, "/checks"), json={"complaints": []},
                           headers=bearer(custodian)).status_code == 201
    reveals = dkg_custodian.answer_complaints(document, list(contributions.values()), [lie],
                                              secrets[accused], fresh.keys[accused])
    # only the accused may answer
    wrong = client.post(_url(fresh, "/reveals"), headers=bearer(honest),
                        json={"reveals": [r.to_document() for r in reveals]})
    assert wrong.status_code == 403
    answer = client.post(_url(fresh, "/reveals"), headers=bearer(accused),
                         json={"reveals": [r.to_document() for r in reveals]})
    assert answer.status_code == 201 and answer.json()["state"] == "completed"
    record = transcript(fresh)
    assert record.qual == (1, 2, 3)
    assert [(j.at_fault, j.code) for j in record.judgements] == [("complainer", "share_valid")]


def test_a_custodian_without_a_key_blocks_the_start(client, fresh) -> None:
    with db.transaction() as session:
        session.execute(update(CustodianKey).where(
            CustodianKey.user_id == fresh.custodians[2]).values(revoked_at=clock.now(session)))
    answer = client.post(_url(fresh), headers=bearer(fresh.custodians[0]))
    assert answer.status_code == 409 and answer.json()["title"] == "custodian_without_key"
    assert "第 3 号保管人" in answer.json()["detail"]
    assert client.get(_url(fresh), headers=bearer(fresh.staff)).status_code == 404


def test_a_custodian_of_another_panel_cannot_start_a_round(client, fresh) -> None:
    outsider = make_custodians(1, prefix="dkg-other")[0][0]
    answer = client.post(_url(fresh), headers=bearer(outsider))
    assert answer.status_code == 403 and answer.json()["title"] == "forbidden"
    assert log_actions(f"tender/{fresh.tender_id}").count("custody.step_refused") == 1


def test_a_panel_custodian_may_start_and_a_new_round_supersedes(client, fresh) -> None:
    first = client.post(_url(fresh), headers=bearer(fresh.custodians[1]))
    assert first.status_code == 201 and first.json()["round"] == 1
    second = client.post(_url(fresh), headers=bearer(fresh.staff))
    assert second.status_code == 201 and second.json()["round"] == 2
    assert second.json()["ceremony"]["ceremony_id"] == "dkg-2"
    assert "custody.ceremony_failed" in log_actions(f"tender/{fresh.tender_id}")


def test_a_share_before_the_deadline_is_refused_logged_and_not_kept(client, database) -> None:
    scenario = make_tender(prefix="dkg-early")
    publish_now(scenario, db_now() + AHEAD)
    custodian = scenario.custodians[0]
    answer = client.post(f"/api/v1/tenders/{scenario.tender_id}/shares",
                         json=share_body(scenario, custodian), headers=bearer(custodian))
    assert answer.status_code == 409 and answer.json()["title"] == "before_deadline"
    assert "截止前不接受份额" in answer.json()["detail"]
    assert log_actions(f"tender/{scenario.tender_id}").count("custody.share_refused") == 1
    with db.read_only() as session:
        assert all(m.share is None for m in lookup.panel_of(session, scenario.tender_id))
