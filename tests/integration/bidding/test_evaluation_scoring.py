"""Scoring in the room (issue 15, step 3): each member marks each bid within the criterion's
bounds, with reasons for deductions; sees no one else's marks before submitting; the summary
ranks by scoring.py (benchmark price), names at most three candidates and flags outliers; staff
and regulators see every mark; every step is logged."""

from __future__ import annotations

import re

from sqlalchemy import update

from bidding import lookup
from bidding.evaluation import presets
from bidding.models import Tender
from supervision import services as supervision
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.accounts.models import Role

from .conftest import make_user
from .evaluation_helpers import Committee, seated_committee

PASSES = {"Q1": "1", "Q2": "1", "C1": "1", "C2": "1", "C3": "1"}


def _comprehensive(client, prefix: str) -> Committee:
    committee = seated_committee(client, prefix)
    with db.transaction() as session:  # as if set while the tender was a draft
        session.execute(update(Tender).where(Tender.id == committee.tender_id).values(
            evaluation_plan=presets.to_data(presets.preset("engineering_benchmark")),
            evaluation_method="综合评估法（工程，基准价）"))
    return committee


def _elect(client, committee: Committee) -> None:
    chair = next(iter(committee.members))
    for voter in committee.members:
        login(client, voter)
        answer = post_form(client, f"{committee.room}/vote",
                           {"candidate": str(committee.members[chair])}, form_page=committee.room)
        assert answer.status_code == 303, answer.text


def _bids(client, committee: Committee) -> dict[str, str]:
    """Bidder name -> bid id, read from the room as a member sees it."""
    page = client.get(committee.room).text
    rows = re.findall(r"<td>([^<]+)</td><td>[^<]*</td>\s*<td>[^<]*</td>\s*<td><a href=\"[^\"]+/bids/"
                      r"([0-9a-f-]{36})/file", page)
    return dict(rows)


def _mark(client, committee: Committee, bid_id: str, t1: str, **extra: str):
    data = {f"mark_{k}": v for k, v in PASSES.items()}
    data.update({"mark_T1": t1, "mark_T2": "15", "mark_B1": "5"})
    data.update(extra)
    url = f"{committee.room}/bids/{bid_id}"
    return post_form(client, url, data, form_page=url)


def test_marking_submission_summary_and_flags(client) -> None:
    committee = _comprehensive(client, "sc")
    _elect(client, committee)
    names = list(committee.members)
    login(client, names[0])
    bids = _bids(client, committee)
    assert len(bids) == 3, bids
    first, second, third = (bids[f"sc 投标单位 {i}"] for i in range(3))
    # Out of range, a deduction without a reason, a fixed value not offered: refused, nothing kept.
    refused = _mark(client, committee, first, "21")
    assert refused.status_code == 400 and "分数应在 0 至 20 之间" in refused.text
    refused = _mark(client, committee, first, "18", mark_T2="12")
    assert refused.status_code == 400 and "扣分须说明理由" in refused.text
    refused = _mark(client, committee, first, "18", mark_B1="4")
    assert refused.status_code == 400 and "只能取 0 / 2.5 / 5" in refused.text
    # Submitting before every bid is marked is refused, naming the bid.
    early = post_form(client, f"{committee.room}/submit", {"confirm": "1"},
                      form_page=committee.room)
    assert early.status_code == 400 and "尚未完成对" in early.text
    for index, name in enumerate(names):
        login(client, name)
        outlier = index == len(names) - 1
        assert _mark(client, committee, first, "18").status_code == 303
        assert _mark(client, committee, second, "2" if outlier else "15").status_code == 303
        assert _mark(client, committee, third, "19").status_code == 303
        if index == 0:
            # Submitted members' marks only: before submitting, no summary for anyone.
            assert "提交本人评分后方可查看" in client.get(committee.room).text
        unconfirmed = post_form(client, f"{committee.room}/submit", {},
                                form_page=committee.room)
        assert unconfirmed.status_code == 400
        done = post_form(client, f"{committee.room}/submit", {"confirm": "1"},
                         form_page=committee.room)
        assert done.status_code == 303, done.text
    # After submission marks are final.
    assert _mark(client, committee, first, "10").status_code == 409
    room = client.get(committee.room).text
    assert 'id="summary"' in room and "尚有成员未提交" not in room
    # Benchmark (980,000 + 955,000 + 1,012,500) / 3 x 0.97 = 953,025 yuan; bidder 0 deviates
    # +2.83046 % -> price 57.17; total 18 + 15 + 5 + 57.17 = 95.17, first.
    standings = room[room.index('id="standings"'):]
    order = [standings.index(f"sc 投标单位 {i}") for i in (0, 2, 1)]
    assert order == sorted(order)
    assert "95.17" in standings and "第 3 名" in standings
    assert 'id="outliers"' in room and "其他成员中位数 15.00" in room
    # Staff see every member's marks and the reasons; a bidder may not.
    login(client, "sc-staff")
    results = client.get(f"{committee.room}/results")
    assert results.status_code == 200 and "各成员评分" in results.text
    make_user("sc-other-bidder", Role.BIDDER)
    login(client, "sc-bidder0")
    assert client.get(f"{committee.room}/results").status_code == 403
    with db.read_only() as session:
        actions = [e.action for e in supervision.entries(
            session, subject=lookup.subject(committee.tender_id), action_prefix="evaluation.",
            limit=1000)]
    assert actions.count("evaluation.submitted") == len(names)
    assert actions.count("evaluation.marked") == 3 * len(names)


def test_the_chair_sees_progress_and_members_only_their_own(client) -> None:
    committee = _comprehensive(client, "pg")
    _elect(client, committee)
    chair, other = list(committee.members)[:2]
    login(client, other)
    bid_id = next(iter(_bids(client, committee).values()))
    assert _mark(client, committee, bid_id, "17").status_code == 303
    page = client.get(committee.room).text
    assert "已评投标数" not in page  # no progress table for a plain member
    login(client, chair)
    page = client.get(committee.room).text
    assert "已评投标数" in page and "17" not in page.split('id="bids"')[0].split("已评投标数")[1][:400]
    # An expert not on the committee may not mark.
    login(client, next(iter(committee.others)))
    url = f"{committee.room}/bids/{bid_id}"
    assert client.get(url).status_code == 403


def test_every_mutating_route_refuses_a_wrong_role_and_a_non_member(client) -> None:
    from trading.denials import total_denials

    committee = _comprehensive(client, "wr")
    member = next(iter(committee.members))
    login(client, member)
    bid_id = next(iter(_bids(client, committee).values()))
    routes = [f"{committee.room}/vote", f"{committee.room}/submit",
              f"{committee.room}/bids/{bid_id}"]
    login(client, "wr-bidder0")
    for url in routes:
        with db.read_only() as session:
            before = total_denials(session)
        answer = post_form(client, url, {"candidate": str(committee.members[member]),
                                         "confirm": "1"}, form_page="/")
        assert answer.status_code == 403, url
        with db.read_only() as session:
            assert total_denials(session) == before + 1
    login(client, next(iter(committee.others)))  # an expert, but not on this committee
    for url in routes:
        answer = post_form(client, url, {"candidate": str(committee.members[member]),
                                         "confirm": "1", "mark_T1": "10"}, form_page="/")
        assert answer.status_code == 403, (url, answer.text)


def test_hostile_marks_are_refused_with_a_reason(client) -> None:
    committee = _comprehensive(client, "hm")
    _elect(client, committee)
    login(client, next(iter(committee.members)))
    bid_id = next(iter(_bids(client, committee).values()))
    for value in ("9" * 60, "1e999999", "NaN", "-Infinity", "abc", "", "0.001", "-1"):
        answer = _mark(client, committee, bid_id, value)
        assert answer.status_code == 400, (value, answer.status_code)
    answer = _mark(client, committee, bid_id, "10", mark_Q1="0.5")
    assert answer.status_code == 400 and "只能评为合格或不合格" in answer.text
    answer = _mark(client, committee, bid_id, "10", mark_Q1="0")
    assert answer.status_code == 400 and "不合格须说明理由" in answer.text
    answer = _mark(client, committee, bid_id, "10", reason_T1="长" * 501)
    assert answer.status_code == 400


def test_lowest_evaluated_price_rejects_by_majority_and_ranks_by_price(client) -> None:
    committee = seated_committee(client, "lp")  # the tender's method: 经评审的最低投标价法
    _elect(client, committee)
    names = list(committee.members)
    login(client, names[0])
    bids = _bids(client, committee)
    codes = ("Q1", "Q2", "C1", "C2", "C3", "D1")
    cheapest = bids["lp 投标单位 1"]  # 955,000.00 yuan
    for index, name in enumerate(names):
        login(client, name)
        for bid_id in bids.values():
            data = {f"mark_{c}": "1" for c in codes}
            if bid_id == cheapest and index < 3:  # three of four fail it on the price cap
                data.update({"mark_C2": "0", "reason_C2": "投标报价超过最高投标限价"})
            url = f"{committee.room}/bids/{bid_id}"
            assert post_form(client, url, data, form_page=url).status_code == 303
        assert post_form(client, f"{committee.room}/submit", {"confirm": "1"},
                         form_page=committee.room).status_code == 303
    room = client.get(committee.room).text
    rejected = room[room.index('id="rejected"'):]
    assert "lp 投标单位 1：投标报价不超过最高投标限价" in rejected
    standings = room[room.index('id="standings"'):room.index("</table>", room.index('id="standings"'))]
    assert "lp 投标单位 1" not in standings
    assert standings.index("lp 投标单位 0") < standings.index("lp 投标单位 2")
    assert "980,000.00" in standings and "第 2 名" in standings and "第 3 名" not in standings
