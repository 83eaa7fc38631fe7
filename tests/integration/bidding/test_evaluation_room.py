"""The committee's room (issue 15, steps 2-3): members only, ready after check-in and pledge,
the chair elected by rounds, the bids and their files, marking, submission and the summary."""

from __future__ import annotations

from bidding import lookup
from supervision import services as supervision
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.denials import total_denials

from .evaluation_helpers import seated_committee


def _vote(client, committee, voter: str, candidate: str):
    login(client, voter)
    return post_form(client, f"{committee.room}/vote",
                     {"candidate": str(committee.members[candidate])}, form_page=committee.room)


def _actions(committee) -> list[str]:
    with db.read_only() as session:
        return [e.action for e in supervision.entries(
            session, subject=lookup.subject(committee.tender_id), action_prefix="evaluation.",
            limit=1000)]


def test_members_enter_the_room_others_are_refused(client) -> None:
    committee = seated_committee(client, "rm")
    member = next(iter(committee.members))
    login(client, member)
    room = client.get(committee.room)
    assert room.status_code == 200, room.text
    assert "推选评标委员会负责人" in room.text and "评标办法及评审标准" in room.text
    assert "rm 投标单位 0" in room.text  # the opened bids of the section
    assert client.get("/bidding/evaluation").text.count(committee.room) == 1
    outsider = next(iter(committee.others))
    login(client, outsider)
    assert client.get(committee.room).status_code == 403
    assert committee.room not in client.get("/bidding/evaluation").text
    login(client, "rm-bidder0")
    with db.read_only() as session:
        before = total_denials(session)
    assert client.get(committee.room).status_code == 403
    with db.read_only() as session:
        assert total_denials(session) == before + 1


def test_the_chair_is_elected_by_rounds_until_one_leads(client) -> None:
    committee = seated_committee(client, "ch")
    a, b, c, d = list(committee.members)
    # Round 1: 2 votes for a, 2 for b: tied, a second round between a and b.
    for voter, candidate in ((a, a), (b, b), (c, a), (d, b)):
        answer = _vote(client, committee, voter, candidate)
        assert answer.status_code == 303, answer.text
    again = _vote(client, committee, a, a)
    assert again.status_code == 303  # round 2
    assert _vote(client, committee, b, c).status_code == 400  # c is not in the runoff
    for voter in (b, c, d):
        assert _vote(client, committee, voter, a).status_code == 303
    page = client.get(committee.room)
    assert "评标委员会负责人：专家" in page.text
    assert _actions(committee).count("evaluation.chair_runoff") == 1
    assert "evaluation.chair_elected" in _actions(committee)
    assert _vote(client, committee, a, b).status_code == 409  # elected already


def test_a_member_not_checked_in_cannot_vote(client) -> None:
    committee = seated_committee(client, "nc", ready=False)
    member = next(iter(committee.members))
    login(client, member)
    page = client.get(committee.room)
    assert "请先签到并签署评标专家承诺书" in page.text
    answer = _vote(client, committee, member, member)
    assert answer.status_code == 409 and "签到" in answer.text


def test_a_member_reads_an_opened_bid_file_streamed_and_logged(client) -> None:
    committee = seated_committee(client, "bf")
    login(client, next(iter(committee.members)))
    room = client.get(committee.room).text
    start = room.index(f"{committee.room}/bids/") + len(f"{committee.room}/bids/")
    bid_id = room[start:start + 36]
    answer = client.get(f"{committee.room}/bids/{bid_id}/file")
    assert answer.status_code == 200
    assert answer.content.startswith(b'{"format": "ggzy-bid/1"')
    assert "evaluation.bid_file_read" in _actions(committee)
    login(client, next(iter(committee.others)))
    assert client.get(f"{committee.room}/bids/{bid_id}/file").status_code == 403


def test_the_room_reads_in_english(client) -> None:
    committee = seated_committee(client, "en")
    login(client, next(iter(committee.members)))
    page = client.get(f"{committee.room}?lang=en").text
    for text in ("Evaluation room", "Electing the chair", "Round 1: 0 of 4 voted",
                 "Comprehensive scoring" if "Comprehensive" in page else "Lowest evaluated price",
                 "Qualification review", "Opened"):
        assert text in page, text
    assert "evaluation." not in page.replace("evaluation-method", "")
