"""Price adjustments of the lowest evaluated price method (评标委员会和评标方法暂行规定 第三十二条,
第三十三条) and the tender's move to 已评标 (issue 15, the rest).

Hand-computed example, the scenario's three bids (tests/integration/bidding/test_opening.PRICES):
  投标单位 0   980,000.00 − 2,000.00 (质保期延长)                      = 978,000.00 → 1st
  投标单位 1   955,000.00 + 30,000.00 (工期偏差) + 5,000.00 (付款条件) = 990,000.00 → 2nd
  投标单位 2 1,012,500.00 − 22,500.00 (备品备件)                     = 990,000.00 → 3rd
Without adjustments 投标单位 1 ranks first; with them 投标单位 0 does, and the tie at 990,000.00
goes to the lower bid price (投标单位 1).
"""

from __future__ import annotations

import re

from bidding.models import Section, Tender
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.denials import total_denials

from .conftest import bearer
from .evaluation_flow import actions, bids, elect, mark_all, report_hash, submit
from .evaluation_helpers import Committee, seated_committee


def _adjust(client, committee: Committee, bid: str, direction: str, amount: str, reason: str,
            form_page: str | None = None):
    return post_form(client, f"{committee.room}/price-adjustments",
                     {"bid": bid, "direction": direction, "amount": amount, "reason": reason},
                     form_page=form_page or committee.room)


def _state(committee: Committee) -> str:
    with db.read_only() as session:
        tender = session.get(Tender, committee.tender_id)
        assert tender is not None
        return tender.state


def _tender_log(committee: Committee) -> list[dict]:
    from bidding import lookup
    from supervision import services as supervision

    with db.read_only() as session:
        return [{"action": e.action, **e.body} for e in supervision.entries(
            session, subject=lookup.subject(committee.tender_id), action_prefix="tender.",
            limit=1000)]


def _sign_all(client, committee: Committee) -> str:
    sha256 = ""
    for name in committee.members:
        login(client, name)
        sha256 = report_hash(client.get(f"{committee.room}/report").text)
        answer = post_form(client, f"{committee.room}/report/signatures",
                           {"sha256": sha256, "opinion": "agree", "dissent": ""},
                           form_page=f"{committee.room}/report")
        assert answer.status_code == 303, answer.text
    return sha256


def test_adjustments_reorder_the_bids_and_the_final_reports_make_the_tender_evaluated(
        client) -> None:
    committee = seated_committee(client, "ad")
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    b0, b1, b2 = (found[f"ad 投标单位 {i}"] for i in range(3))
    # Refused with the reason, nothing stored.
    for data, status, text in (((b1, "up", "30000", " "), 400, "调整理由"),
                               ((b1, "up", "0", "工期偏差"), 400, "不能为 0"),
                               ((b1, "up", "三万", "工期偏差"), 400, "金额格式"),
                               ((b1, "sideways", "30000", "工期偏差"), 400, "调增或调减"),
                               ((b1, "down", "955000.01", "工期偏差"), 400, "不得超过投标报价")):
        answer = _adjust(client, committee, *data)
        assert answer.status_code == status and text in answer.text, answer.text
    login(client, list(committee.members)[1])  # a member, not the chair
    assert _adjust(client, committee, b1, "up", "30000", "工期偏差").status_code == 403
    for username in ("ad-bidder0", "ad-staff"):  # wrong roles: refused by the guard, counted
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        assert _adjust(client, committee, b1, "up", "1", "x", form_page="/").status_code == 403
        with db.read_only() as session:
            assert total_denials(session) == before + 1
    login(client, next(iter(committee.others)))  # an expert of no seat on this committee
    assert _adjust(client, committee, b1, "up", "1", "x", form_page="/").status_code == 403
    assert "evaluation.price_adjusted" not in actions(committee)

    login(client, chair)
    for bid, direction, amount, reason in (
            (b1, "up", "30,000", "工期偏差 10 天，按每天 3,000 元折算"),
            (b1, "up", "5000.00", "付款条件偏差"),
            (b0, "down", "2000", "质保期延长一年，按招标文件折算"),
            (b2, "down", "22500", "备品备件优于要求"),
            (b2, "up", "1", "误录")):
        answer = _adjust(client, committee, bid, direction, amount, reason)
        assert answer.status_code == 303 and answer.headers["location"].endswith("done=adjusted")
    room = client.get(committee.room).text
    assert "工期偏差 10 天" in room and "调增" in room
    english = client.get(f"{committee.room}?lang=en").text
    assert "Record a price adjustment" in english and "evaluation.adjust" not in english
    row = re.search(r'<tr id="adjustment-(\d+)"><td>[^<]*</td><td>[^<]*</td><td>误录<', room)
    assert row, room
    mistake = f"{committee.room}/price-adjustments/{row.group(1)}/withdraw"
    refused = post_form(client, mistake, {}, form_page=committee.room)
    assert refused.status_code == 400 and "确认撤回" in refused.text
    assert post_form(client, mistake, {"confirm": "1"}, form_page=committee.room).status_code == 303
    assert "误录" not in client.get(committee.room).text

    # A failed section (流标) does not block; a live one without a final report does.
    with db.transaction() as session:
        session.add(Section(tender_id=committee.tender_id, number=2, name="第二标段（流标）",
                            estimated_price_fen=1, bid_security_fen=0, failed=True))
        live = Section(tender_id=committee.tender_id, number=3, name="第三标段",
                       estimated_price_fen=1, bid_security_fen=0)
        session.add(live)
        session.flush()
        live_id = live.id
    for name in committee.members:
        mark_all(client, committee, name, [b0, b1, b2])
        assert submit(client, committee, name).status_code == 303
    summary = client.get(f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}"
                         "/evaluation/summary", headers=bearer(committee.regulator)).json()
    table = [(r["rank"], r["bidder"], r["price_fen"], r["evaluated_price_fen"],
              [(a["amount_fen"], a["reason"]) for a in r["adjustments"]], r["candidate"])
             for r in summary["standings"]]
    assert table == [
        (1, "ad 投标单位 0", 98_000_000, 97_800_000, [(-200_000, "质保期延长一年，按招标文件折算")], True),
        (2, "ad 投标单位 1", 95_500_000, 99_000_000, [(3_000_000, "工期偏差 10 天，按每天 3,000 元折算"),
                                                  (500_000, "付款条件偏差")], True),
        (3, "ad 投标单位 2", 101_250_000, 99_000_000, [(-2_250_000, "备品备件优于要求")], True)]
    login(client, chair)
    report = client.get(f"{committee.room}/report").text
    assert "标价比较表" in report and "978,000.00" in report and "990,000.00" in report
    assert "调减 22,500.00（备品备件优于要求）" in report
    english = client.get(f"{committee.room}/report?lang=en").text
    assert "Price comparison table" in english and "Evaluated price" in english

    _sign_all(client, committee)
    assert _state(committee) == "opened"  # section 3 is still being evaluated
    with db.transaction() as session:  # as if section 3 had failed at the closing
        row = session.get(Section, live_id)
        assert row is not None
        row.failed = True
    staff_api = bearer(committee.scenario.staff)
    api = f"/api/v1/tenders/{committee.tender_id}/sections/{committee.section_id}/evaluation"
    target = str(committee.members[chair])
    assert client.post(f"{api}/review", json={"step": "marks", "target": target,
                                               "reason": "核对评标价计算"},
                       headers=staff_api).status_code == 200
    assert submit(client, committee, chair).status_code == 303
    sha256 = _sign_all(client, committee)
    assert _state(committee) == "evaluated"
    evaluated = [e for e in _tender_log(committee) if e["action"] == "tender.evaluated"]
    assert len(evaluated) == 1 and evaluated[0]["from"] == "opened"
    assert evaluated[0]["reports"] == [{"section": str(committee.section_id), "number": 1,
                                         "report_sha256": sha256,
                                         "candidates": [b0, b1, b2]}]
    # Everyone sees 已评标 by its label; the room and the report stay readable.
    for username, page in (("ad-staff", f"/bidding/tenders/{committee.tender_id}"),
                           ("ad-staff", "/bidding/tenders"), ("ad-bidder1", "/bidding/my"),
                           ("ad-sup", f"/bidding/tenders/{committee.tender_id}")):
        login(client, username)
        text = client.get(page).text
        assert "已评标" in text and ">evaluated<" not in text, (username, page)
    assert "已评标（各标段评标报告均已签署）" in client.get("/supervision").text  # as ad-sup
    client.cookies.clear()  # the public
    for page in (f"/bidding/tenders/{committee.tender_id}", "/bidding/tenders"):
        text = client.get(page).text
        assert "已评标" in text and ">evaluated<" not in text, page
    login(client, chair)
    assert client.get(committee.room).status_code == 200
    assert client.get(f"{committee.room}/report").status_code == 200
    late = _adjust(client, committee, b0, "down", "1", "再调")
    assert late.status_code == 409 and "复核" in late.text

    # A review after the evaluation sends the tender back to 已开标, logged with its reason.
    answer = client.post(f"{api}/review", json={"step": "marks", "target": target,
                                                "reason": "招标人审查发现计算错误"},
                         headers=staff_api)
    assert answer.status_code == 200 and answer.json()["signatures_void"] == len(committee.members)
    assert _state(committee) == "opened"
    reopened = [e for e in _tender_log(committee) if e["action"] == "tender.evaluation_reopened"]
    assert reopened[0]["reason"] == "招标人审查发现计算错误" and reopened[0]["to"] == "opened"
