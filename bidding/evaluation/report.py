"""The evaluation report (评标报告, R-35) and its signatures by the committee's members.

The report is one page: cover, sign-in sheet, pledges, the preliminary review, the rejected
bids with their grounds and reasons, the clarifications asked and answered, the score summary
with at most three candidates, each member's marks, and the members' opinions (dissents).
Its SHA-256 covers everything but the signatures; a member signs the hash they read, agreeing
or recording a dissent with reasons (and still signing). The report is final when every seated
member holds a live signature of the current hash. A replaced member is no longer seated
(``expert_pool.services``): their marks are void (R-34) and only counted here.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding.evaluation import clarification
from bidding.evaluation import marks as marking
from bidding.evaluation import room as rooms
from bidding.evaluation.models import EvaluationMark, ReportSignature
from bidding.lookup import get_tender, sections_of, subject
from bidding.models import Section, Tender, TenderState
from bidding.tendering import tenders
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_DISSENT = 1000


@dataclass(frozen=True)
class Signature:
    member: rooms.Member
    signed: bool
    dissent: str | None


@dataclass
class Report:
    tender: Tender
    section: Section
    summary: marking.Summary
    void_marks: int  # marks of members no longer seated
    sha256: str
    signatures: list[Signature]
    clarifications: list[clarification.Clarification]

    @property
    def final(self) -> bool:
        return bool(self.signatures) and all(s.signed for s in self.signatures)

    @property
    def dissents(self) -> list[Signature]:
        return [s for s in self.signatures if s.dissent]


def _void_marks(session: Session, section_id: uuid.UUID, seated: set[uuid.UUID]) -> int:
    rows = session.execute(select(EvaluationMark.member_user_id, func.count())
                           .where(EvaluationMark.section_id == section_id)
                           .group_by(EvaluationMark.member_user_id)).all()
    return sum(n for user, n in rows if user not in seated)


def _canonical(tender: Tender, section: Section, summary: marking.Summary, void: int,
               asked: list[clarification.Clarification]) -> str:
    content = {
        "tender": [str(tender.id), tender.title, tender.evaluation_method],
        "method": tender.evaluation_plan or {},
        "section": [section.number, section.name],
        "members": [[m.expert_number, m.name, m.checked_in, m.pledged] for m in summary.members],
        "bids": [[str(b.id), b.bidder, b.price_fen, b.status] for b in summary.bids],
        "preliminary": {b: sorted(n) for b, n in sorted(summary.rejected.items())},
        "rejections": [[str(r.bid_id), r.ground.code, r.reason] for r in summary.rejections],
        "standings": [[r.rank, r.bidder, str(r.total), r.price] for r in summary.ranked],
        "candidates": [r.bidder for r in summary.candidates],
        "marks": {m: {b: {c: str(v) for c, v in sorted(codes.items())}
                      for b, codes in sorted(by_bid.items())}
                  for m, by_bid in sorted(summary.marks.items())},
        "reasons": sorted([[*k, v] for k, v in summary.reasons.items()]),
        "void_marks": void,
        "adjustments": {b: [[a.id, a.amount_fen, a.reason] for a in rows]
                        for b, rows in sorted(summary.adjustments.items())},
        "clarifications": [[c.id, str(c.bid_id), c.question, c.reply_by.isoformat(), c.reply]
                           for c in asked],
    }
    return json.dumps(content, ensure_ascii=False, sort_keys=True)


def live_signatures(session: Session, section_id: uuid.UUID) -> dict[uuid.UUID, ReportSignature]:
    return {s.member_user_id: s for s in session.scalars(select(ReportSignature).where(
        ReportSignature.section_id == section_id, ReportSignature.void_at.is_(None)))}


def report(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Report:
    tender, section, _method = rooms.evaluable(session, tender_id, section_id)
    summary = marking.summary(session, tender_id, section_id)
    void = _void_marks(session, section_id, {m.user_id for m in summary.members})
    asked = clarification.of_section(session, section_id)
    sha256 = hashlib.sha256(_canonical(tender, section, summary, void, asked).encode()).hexdigest()
    live = live_signatures(session, section_id)
    signatures = []
    for member in summary.members:
        row = live.get(member.user_id)
        signed = row is not None and row.report_sha256 == sha256
        signatures.append(Signature(member, signed, row.dissent if signed and row else None))
    return Report(tender, section, summary, void, sha256, signatures, asked)


def sign(session: Session, actor: Actor, member: uuid.UUID, tender_id: uuid.UUID,
         section_id: uuid.UUID, sha256: str, agree: bool, dissent: str) -> Report:
    """A member signs the report as read (its hash), agreeing or dissenting with reasons."""
    rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, member, tender_id, section_id)
    rooms.room_of(session, tender_id, section_id, lock=True)
    current = report(session, tender_id, section_id)
    if not current.summary.complete:
        raise ConflictError("尚有成员未提交评分，暂不能签署评标报告",
                            "Some members have not submitted their marks: no signing yet")
    if member in live_signatures(session, section_id):
        raise ConflictError("您已签署评标报告", "You have already signed the report")
    if sha256.strip() != current.sha256:
        raise ConflictError("评标报告内容已变更，请重新阅读后签署",
                            "The report has changed: read it again before signing")
    dissent = dissent.strip()
    if not agree and not dissent:
        raise UserError("持不同意见的，请写明不同意见及理由", "Give your dissent and its reasons",
                        field="dissent")
    if len(dissent) > MAX_DISSENT:
        raise UserError(f"至多 {MAX_DISSENT} 字", f"At most {MAX_DISSENT} characters",
                        field="dissent")
    session.add(ReportSignature(section_id=section_id, member_user_id=member,
                                report_sha256=current.sha256,
                                dissent=None if agree else dissent,
                                signed_at=clock.now(session)))
    session.flush()
    supervision.record(session, actor, "evaluation.report_signed", subject(tender_id), {
        "section": str(section_id), "report_sha256": current.sha256, "dissent": not agree})
    after = report(session, tender_id, section_id)
    if after.final:
        # The award stage starts here (R-35: candidates published within 3 days); imported
        # here because the award stage reads this module's report.
        from bidding.award import publicity

        publicity.on_report_final(session, tender_id, section_id)
        supervision.record(session, actor, "evaluation.report_final", subject(tender_id), {
            "section": str(section_id), "report_sha256": after.sha256,
            "candidates": [r.bidder for r in after.summary.candidates],
            "dissents": len(after.dissents)})
        settle(session, actor, tender_id)
    return after


def settle(session: Session, actor: Actor, tender_id: uuid.UUID) -> bool:
    """The tender becomes 已评标 (``evaluated``) once every section still in the evaluation has
    a final report (a failed section, 流标, has none and does not block); logged with each
    section's report hash and candidates. Called in the transaction of a final signature."""
    # The tender's row is locked first: two sections' last signatures at once both wait here,
    # and the later one sees the earlier one's report as final.
    tender = get_tender(session, tender_id, lock=True)
    if tender.state != TenderState.OPENED.value:
        return False
    finals: list[dict[str, object]] = []
    for section in sections_of(session, tender_id):
        if section.failed:
            continue
        found = report(session, tender_id, section.id)
        if not found.final:
            return False
        finals.append({"section": str(section.id), "number": section.number,
                       "report_sha256": found.sha256,
                       "candidates": [r.bidder for r in found.summary.candidates]})
    if not finals:
        return False
    tenders.transition(session, actor, tender_id, TenderState.OPENED, TenderState.EVALUATED,
                       "tender.evaluated", {"reports": finals})
    return True
