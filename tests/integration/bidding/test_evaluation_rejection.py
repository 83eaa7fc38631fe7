"""Rejection of a bid (否决投标, issue 15 part 3): the chair records the committee's decision
with a legal ground from 《招标投标法实施条例》第五十一条 and a reason; logged; shown on the room and
the results; the bid leaves the standings and needs no marks. Bad input changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from bidding.evaluation.models import BidRejection
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.denials import total_denials

from .evaluation_flow import actions, bids, elect, mark_all, submit
from .evaluation_helpers import seated_committee

BASIS = "《中华人民共和国招标投标法实施条例》第五十一条第（五）项"


def _rejections() -> int:
    with db.read_only() as session:
        return session.scalar(select(func.count()).select_from(BidRejection)) or 0


def test_the_chair_rejects_a_bid_with_its_legal_ground(client) -> None:
    committee = seated_committee(client, "rj")
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    out = found["rj 投标单位 1"]
    url = f"{committee.room}/rejections"
    before = _rejections()
    # No ground, an unknown ground, no reason: refused with the reason, nothing recorded.
    for data, text in (({"bid": out, "ground": "", "reason": "报价超限"}, "法定情形"),
                       ({"bid": out, "ground": "whim", "reason": "报价超限"}, "法定情形"),
                       ({"bid": out, "ground": "price", "reason": "  "}, "否决理由")):
        answer = post_form(client, url, data, form_page=committee.room)
        assert answer.status_code == 400 and text in answer.text, answer.text
    assert _rejections() == before and "evaluation.bid_rejected" not in actions(committee)
    # A member who is not the chair may not record it.
    other = list(committee.members)[1]
    login(client, other)
    answer = post_form(client, url, {"bid": out, "ground": "price", "reason": "报价超限"},
                       form_page=committee.room)
    assert answer.status_code == 403
    login(client, chair)
    answer = post_form(client, url, {"bid": out, "ground": "price",
                                     "reason": "投标报价高于最高投标限价"}, form_page=committee.room)
    assert answer.status_code == 303, answer.text
    room = client.get(committee.room).text
    section = room[room.index('id="rejections"'):]
    assert "rj 投标单位 1" in section and BASIS in section and "投标报价高于最高投标限价" in section
    again = post_form(client, url, {"bid": out, "ground": "price", "reason": "再次"},
                      form_page=committee.room)
    assert again.status_code == 409 and _rejections() == before + 1
    assert actions(committee).count("evaluation.bid_rejected") == 1
    # A rejected bid takes no marks and is not needed for the submission.
    kept = [b for name, b in found.items() if b != out]
    refused = post_form(client, f"{committee.room}/bids/{out}",
                        {"mark_Q1": "1"}, form_page=committee.room)
    assert refused.status_code == 409
    for member in committee.members:
        mark_all(client, committee, member, kept)
        assert submit(client, committee, member).status_code == 303
    room = client.get(committee.room).text
    standings = room[room.index('id="standings"'):room.index("</table>", room.index('id="standings"'))]
    assert "rj 投标单位 1" not in standings and "rj 投标单位 0" in standings
    login(client, "rj-staff")
    results = client.get(f"{committee.room}/results").text
    assert BASIS in results and "投标报价高于最高投标限价" in results
    english = client.get(f"{committee.room}/results?lang=en").text
    assert "Regulations on the Tendering and Bidding Law, Art. 51, item 5" in english


def test_rejection_refuses_a_wrong_role_and_an_expert_off_the_committee(client) -> None:
    committee = seated_committee(client, "rw")
    chair = elect(client, committee)
    login(client, chair)
    bid_id = next(iter(bids(client, committee).values()))
    data = {"bid": bid_id, "ground": "price", "reason": "报价超限"}
    url = f"{committee.room}/rejections"
    for username in ("rw-bidder0", "rw-staff"):  # wrong roles: refused by the guard, counted
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        answer = post_form(client, url, data, form_page="/")
        assert answer.status_code == 403, username
        with db.read_only() as session:
            assert total_denials(session) == before + 1, username
    login(client, next(iter(committee.others)))  # an expert, but of no seat on this committee
    answer = post_form(client, url, data, form_page="/")
    assert answer.status_code == 403 and "评标委员会成员" in answer.text
    assert _rejections() == 0
