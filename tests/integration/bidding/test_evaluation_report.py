"""The evaluation report (R-35, issue 15 part 4): one printable page with its SHA-256, signed by
every seated member (a dissent recorded with reasons, still signed), final when all signed,
logged; refused: a signer off the committee, signing twice, signing before every mark is
submitted, a stale hash. Review (复核) by the chair or staff sends a step back with a reason and
voids the signatures made before."""

from __future__ import annotations

from sqlalchemy import func, select

from bidding.evaluation.models import BidRejection, ReportSignature
from tests.integration.trading.conftest import login, post_form
from trading import db
from trading.denials import total_denials

from .evaluation_flow import actions, bids, elect, mark_all, report_hash, submit
from .evaluation_helpers import Committee, seated_committee


def _signatures(live: bool = True) -> int:
    query = select(func.count()).select_from(ReportSignature)
    if live:
        query = query.where(ReportSignature.void_at.is_(None))
    with db.read_only() as session:
        return session.scalar(query) or 0


def _sign(client, committee: Committee, sha256: str, opinion: str = "agree", dissent: str = "",
          form_page: str | None = None):
    return post_form(client, f"{committee.room}/report/signatures",
                     {"sha256": sha256, "opinion": opinion, "dissent": dissent},
                     form_page=form_page or f"{committee.room}/report")


def _marked(client, prefix: str) -> tuple[Committee, str, list[str]]:
    """Chair elected, one bid rejected, every member's marks on the rest; none submitted."""
    committee = seated_committee(client, prefix)
    chair = elect(client, committee)
    login(client, chair)
    found = bids(client, committee)
    out = found[f"{prefix} 投标单位 2"]
    answer = post_form(client, f"{committee.room}/rejections",
                       {"bid": out, "ground": "non_responsive", "reason": "工期不满足招标文件要求"},
                       form_page=committee.room)
    assert answer.status_code == 303, answer.text
    for member in committee.members:
        mark_all(client, committee, member, [b for b in found.values() if b != out])
    return committee, chair, list(committee.members)


def test_the_report_is_signed_by_every_member_and_final(client) -> None:
    committee, _chair, names = _marked(client, "rp")
    report = f"{committee.room}/report"
    assert submit(client, committee, names[0]).status_code == 303
    # Signing before every member has submitted: refused, nothing signed.
    login(client, names[0])
    early = _sign(client, committee, report_hash(client.get(report).text))
    assert early.status_code == 409 and "尚有成员未提交评分" in early.text
    assert _signatures() == 0
    for name in names[1:]:
        assert submit(client, committee, name).status_code == 303
    login(client, names[0])
    page = client.get(report)
    assert page.status_code == 200
    for section in ('id="cover"', 'id="sign-in"', 'id="pledges"', 'id="preliminary"',
                    'id="rejections"', 'id="standings"', 'id="member-marks"', 'id="opinions"',
                    "evaluation-report.css"):
        assert section in page.text, section
    assert "工期不满足招标文件要求" in page.text and "第五十一条第（六）项" in page.text
    sha256 = report_hash(page.text)
    # A stale hash, a dissent without reasons: refused, nothing signed.
    assert _sign(client, committee, "0" * 64).status_code == 409
    refused = _sign(client, committee, sha256, "dissent", "  ")
    assert refused.status_code == 400 and "不同意见及理由" in refused.text
    assert _signatures() == 0
    assert _sign(client, committee, sha256).status_code == 303
    twice = _sign(client, committee, sha256)
    assert twice.status_code == 409 and "已签署" in twice.text and _signatures() == 1
    # Not on the committee: an expert of no seat, a bidder; refused, nothing signed.
    login(client, next(iter(committee.others)))
    assert _sign(client, committee, sha256, form_page="/").status_code == 403
    login(client, "rp-bidder0")
    with db.read_only() as session:
        before = total_denials(session)
    assert _sign(client, committee, sha256, form_page="/").status_code == 403
    with db.read_only() as session:
        assert total_denials(session) == before + 1
    assert client.get(report).status_code == 403
    assert _signatures() == 1
    login(client, names[1])
    dissent = _sign(client, committee, sha256, "dissent", "第 1 名的业绩证明不充分")
    assert dissent.status_code == 303
    for name in names[2:]:
        login(client, name)
        assert _sign(client, committee, sha256).status_code == 303
    login(client, "rp-staff")
    final = client.get(report).text
    assert "评标委员会全体成员已签署" in final and "第 1 名的业绩证明不充分" in final
    assert report_hash(final) == sha256
    logged = actions(committee)
    assert logged.count("evaluation.report_signed") == len(names)
    assert logged.count("evaluation.report_final") == 1
    english = client.get(f"{report}?lang=en").text
    assert english.count("Signed by every member") == 1 and "Preliminary review" in english
    assert "evaluation." not in english.replace("evaluation-report", "")
    login(client, "rp-sup")  # the regulator
    assert client.get(report).status_code == 200


def test_review_sends_marks_back_and_voids_the_signatures(client) -> None:
    committee, chair, names = _marked(client, "rv")
    for name in names:
        assert submit(client, committee, name).status_code == 303
    report = f"{committee.room}/report"
    login(client, names[0])
    sha256 = report_hash(client.get(report).text)
    for name in names[:2]:
        login(client, name)
        assert _sign(client, committee, sha256).status_code == 303
    # With signatures on the report, no new rejection until a review sends it back.
    login(client, chair)
    bid_id = next(iter(bids(client, committee).values()))
    late = post_form(client, f"{committee.room}/rejections",
                     {"bid": bid_id, "ground": "price", "reason": "报价超限"},
                     form_page=committee.room)
    assert late.status_code == 409
    target = f"marks:{committee.members[names[1]]}"
    url = f"{committee.room}/review"
    # Not the chair, a wrong role, no reason: refused, nothing changed.
    login(client, names[2])
    assert post_form(client, url, {"step_target": target, "reason": "复核"},
                     form_page=committee.room).status_code == 403
    for username in ("rv-bidder0", "rv-sup"):
        login(client, username)
        with db.read_only() as session:
            before = total_denials(session)
        assert post_form(client, url, {"step_target": target, "reason": "复核"},
                         form_page="/").status_code == 403, username
        with db.read_only() as session:
            assert total_denials(session) == before + 1
    login(client, next(iter(committee.others)))
    assert post_form(client, url, {"step_target": target, "reason": "复核"},
                     form_page="/").status_code == 403
    login(client, chair)
    blank = post_form(client, url, {"step_target": target, "reason": ""}, form_page=committee.room)
    assert blank.status_code == 400 and "理由" in blank.text
    assert _signatures() == 2 and "evaluation.sent_back" not in actions(committee)
    answer = post_form(client, url, {"step_target": target, "reason": "资格审查评分与证明材料不符"},
                       form_page=committee.room)
    assert answer.status_code == 303, answer.text
    assert _signatures() == 0 and _signatures(live=False) == 2
    assert actions(committee).count("evaluation.sent_back") == 1
    # The member marks again and resubmits; everyone signs again.
    login(client, names[1])
    room = client.get(committee.room).text
    assert 'id="submit-marks"' in room
    assert submit(client, committee, names[1]).status_code == 303
    sha256 = report_hash(client.get(report).text)
    login(client, "rv-staff")  # staff may send a rejection back too
    withdrawn = post_form(client, url, {"step_target": f"rejection:{bid_id}",
                                        "reason": "不存在该情形"}, form_page=committee.room)
    assert withdrawn.status_code == 409  # that bid was never rejected
    login(client, names[0])
    assert _sign(client, committee, sha256).status_code == 303
    # Staff withdraw the rejection: the bid is back, every member marks it and submits again.
    login(client, "rv-staff")
    out = _rejected_bid()
    withdrawn = post_form(client, url, {"step_target": f"rejection:{out}",
                                        "reason": "经复核，投标工期满足要求"}, form_page=committee.room)
    assert withdrawn.status_code == 303, withdrawn.text
    assert _signatures() == 0 and actions(committee).count("evaluation.sent_back") == 2
    for name in names:
        mark_all(client, committee, name, [out])
        assert submit(client, committee, name).status_code == 303
    sha256 = report_hash(client.get(report).text)
    for name in names:
        login(client, name)
        assert _sign(client, committee, sha256).status_code == 303, name
    login(client, "rv-staff")
    final = client.get(report).text
    assert "评标委员会全体成员已签署" in final
    standings = final[final.index('id="standings"'):]
    assert "rv 投标单位 2" in standings[:standings.index("</table>")]


def _rejected_bid() -> str:
    with db.read_only() as session:
        return str(session.scalars(select(BidRejection.bid_id)).one())


def test_a_recused_members_marks_are_void_in_the_report(client) -> None:
    """R-34: an expert who declares a recusal after marking leaves the committee (the expert
    pool's seated list); their marks count for nothing and the report says how many are void."""
    from expert_pool import attendance
    from expert_pool.models import DrawPick, Expert, PickState
    from tests.integration.bidding.conftest import TEST

    committee, _chair, names = _marked(client, "vd")
    leaving = names[-1]
    with db.read_only() as session:
        pick_id = session.scalars(select(DrawPick.id).join(Expert, Expert.id == DrawPick.expert_id)
                                  .where(Expert.user_id == committee.members[leaving],
                                         DrawPick.state == PickState.CHECKED_IN.value)).one()
    with db.transaction() as session:
        attendance.declare_recusal(session, TEST, committee.members[leaving], pick_id,
                                   "relative", "")
    for name in names[:-1]:
        assert submit(client, committee, name).status_code == 303
    login(client, "vd-staff")
    page = client.get(f"{committee.room}/report").text
    assert "已被替换成员的评分 12 项作废" in page  # 2 bids x 6 criteria
    sign_in = page[page.index('id="sign-in"'):page.index('id="pledges"')]
    assert sign_in.count("<tr>") == len(names) - 1 + 1  # header + the members still seated
    login(client, leaving)
    assert client.get(f"{committee.room}/report").status_code == 403
