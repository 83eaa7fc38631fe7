"""Members' marks, their submission, the chair's view of progress and the summary.

A member marks each valid bid on each criterion of the method (the price score is computed,
never marked), within the criterion's bounds and with a reason for a deduction or a failure
(``scoring.check_mark``). Marks stay editable until the member submits; a member sees the
others' marks only after submitting (the log carries only a digest of the marks until then).
The summary is ``scoring``'s arithmetic on the submitted marks.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.evaluation import adjustments as pricing
from bidding.evaluation import rejection, scoring
from bidding.evaluation import room as rooms
from bidding.evaluation.methods import Criterion, Method, MethodKind, Mode, StageKind
from bidding.evaluation.models import EvaluationMark, MarkSubmission
from bidding.lookup import subject
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

MAX_REASON = 500
MAX_MARK_TEXT = 12


def markable(method: Method) -> list[Criterion]:
    """What members mark: every criterion but the computed price score."""
    price = method.criteria(StageKind.PRICE)
    return [c for c in method.criteria() if c not in price]


def _submitted(session: Session, section_id: uuid.UUID) -> set[uuid.UUID]:
    return set(session.scalars(select(MarkSubmission.member_user_id).where(
        MarkSubmission.section_id == section_id)))


def _parse(value: str, criterion: Criterion) -> Decimal:
    text = value.strip()
    if criterion.mode == Mode.PASS_FAIL:
        text = {"pass": "1", "fail": "0"}.get(text, text)
    if len(text) > MAX_MARK_TEXT:  # a mark is at most 9999.99: no long numbers to quantize
        raise UserError(f"“{criterion.name}”的分数格式不正确", f"“{criterion.name}”: not a mark",
                        field=criterion.code)
    try:
        found = Decimal(text)
    except InvalidOperation as error:
        raise UserError(f"“{criterion.name}”请填写分数", f"Enter a mark for “{criterion.name}”",
                        field=criterion.code) from error
    if not found.is_finite() or abs(found) > 10_000:
        raise UserError(f"“{criterion.name}”请填写分数", f"Enter a mark for “{criterion.name}”",
                        field=criterion.code)
    return found


def own_marks(session: Session, section_id: uuid.UUID,
              member: uuid.UUID) -> dict[uuid.UUID, dict[str, tuple[Decimal, str]]]:
    found: dict[uuid.UUID, dict[str, tuple[Decimal, str]]] = {}
    for row in session.scalars(select(EvaluationMark).where(
            EvaluationMark.section_id == section_id, EvaluationMark.member_user_id == member)):
        found.setdefault(row.bid_id, {})[row.criterion] = (Decimal(row.mark), row.reason)
    return found


def save_marks(session: Session, actor: Actor, member: uuid.UUID, tender_id: uuid.UUID,
               section_id: uuid.UUID, bid_id: uuid.UUID,
               entries: dict[str, tuple[str, str]]) -> None:
    """A member's marks for one bid (criterion code → (mark, reason)); all checked first, then
    written: a refusal changes nothing."""
    _tender, _section, method = rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, member, tender_id, section_id)
    room = rooms.room_of(session, tender_id, section_id, lock=True)
    if room.chair_user_id is None:
        raise ConflictError("请先推选评标委员会负责人", "Elect the chair first")
    if member in _submitted(session, section_id):
        raise ConflictError("您已提交评分，不能再修改", "You have submitted your marks")
    bid = next((b for b in rooms.opened_bids(session, section_id) if b.id == bid_id), None)
    if bid is None or not bid.valid:
        raise UserError("该投标不在本标段的有效投标之列", "Not a valid opened bid of this section",
                        status=404, code="not_found")
    if bid_id in rejection.rejected_ids(session, section_id):
        raise ConflictError("该投标已被否决，无需评分", "This bid is rejected: no marks")
    checked: dict[str, tuple[Decimal, str]] = {}
    for criterion in markable(method):
        value, reason = entries.get(criterion.code, ("", ""))
        reason = reason.strip()
        if len(reason) > MAX_REASON:
            raise UserError(f"理由至多 {MAX_REASON} 字", f"At most {MAX_REASON} characters",
                            field=f"reason_{criterion.code}")
        mark = _parse(value, criterion)
        scoring.check_mark(criterion, mark, reason)
        checked[criterion.code] = (mark, reason)
    now = clock.now(session)
    existing = {row.criterion: row for row in session.scalars(select(EvaluationMark).where(
        EvaluationMark.section_id == section_id, EvaluationMark.member_user_id == member,
        EvaluationMark.bid_id == bid_id))}
    for code, (mark, reason) in checked.items():
        row = existing.get(code)
        if row is None:
            session.add(EvaluationMark(section_id=section_id, member_user_id=member,
                                       bid_id=bid_id, criterion=code, mark=str(mark),
                                       reason=reason, marked_at=now))
        else:
            row.mark, row.reason, row.marked_at = str(mark), reason, now
    session.flush()
    supervision.record(session, actor, "evaluation.marked", subject(tender_id), {
        "section": str(section_id), "bid": str(bid_id), "criteria": sorted(checked)})


def _digest(marks: dict[uuid.UUID, dict[str, tuple[Decimal, str]]]) -> str:
    canonical = {str(b): {c: [str(m), r] for c, (m, r) in sorted(v.items())}
                 for b, v in sorted(marks.items(), key=lambda kv: str(kv[0]))}
    return hashlib.sha256(json.dumps(canonical, ensure_ascii=False, sort_keys=True)
                          .encode()).hexdigest()


def submit(session: Session, actor: Actor, member: uuid.UUID, tender_id: uuid.UUID,
           section_id: uuid.UUID) -> None:
    """Final: every valid bid marked on every criterion, or refused naming what is missing."""
    _tender, _section, method = rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, member, tender_id, section_id)
    rooms.room_of(session, tender_id, section_id, lock=True)
    if member in _submitted(session, section_id):
        raise ConflictError("您已提交评分", "You have already submitted")
    mine = own_marks(session, section_id, member)
    codes = {c.code for c in markable(method)}
    out = rejection.rejected_ids(session, section_id)
    for bid in rooms.opened_bids(session, section_id):
        if bid.valid and bid.id not in out and set(mine.get(bid.id, {})) != codes:
            raise UserError(f"尚未完成对“{bid.bidder}”的评分", f"“{bid.bidder}” is not fully marked",
                            field="bid", code="incomplete")
    session.add(MarkSubmission(section_id=section_id, member_user_id=member,
                               submitted_at=clock.now(session)))
    session.flush()
    supervision.record(session, actor, "evaluation.submitted", subject(tender_id), {
        "section": str(section_id), "bids": len(mine), "marks_sha256": _digest(mine)})


# --- progress and the summary ----------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    member: rooms.Member
    marked_bids: int
    submitted: bool


def progress(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> list[Progress]:
    """Who has marked how many bids and who has submitted (no marks: the chair's view)."""
    done = _submitted(session, section_id)
    found = []
    for member in rooms.members(session, tender_id, section_id):
        marked = len(own_marks(session, section_id, member.user_id))
        found.append(Progress(member, marked, member.user_id in done))
    return found


def can_see_marks(session: Session, member: uuid.UUID, section_id: uuid.UUID) -> bool:
    return member in _submitted(session, section_id)


@dataclass
class Summary:
    complete: bool  # every member has submitted
    members: list[rooms.Member]
    bids: list[rooms.OpenedBid]
    marks: dict[str, dict[str, dict[str, Decimal]]]  # expert number -> bid id -> code -> mark
    reasons: dict[tuple[str, str, str], str]
    rejected: dict[str, list[str]]  # bid id -> failed criteria names (a majority failed them)
    price_scores: dict[str, Decimal]
    ranked: list[scoring.Standing]
    candidates: list[scoring.Standing]
    outliers: list[scoring.Outlier]
    identical: list[tuple[str, str]]
    names: dict[str, str] = field(default_factory=dict)  # bid id -> bidder
    rejections: list[rejection.Rejection] = field(default_factory=list)  # 否决投标
    # Lowest evaluated price: the committee's price adjustments of each bid (bid id -> rows).
    lowest_price: bool = False
    adjustments: dict[str, list[pricing.Adjustment]] = field(default_factory=dict)


def summary(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Summary:
    _tender, _section, method = rooms.evaluable(session, tender_id, section_id)
    seated = rooms.members(session, tender_id, section_id)
    done = _submitted(session, section_id)
    bids = rooms.opened_bids(session, section_id)
    marks: dict[str, dict[str, dict[str, Decimal]]] = {}
    reasons: dict[tuple[str, str, str], str] = {}
    for member in seated:
        if member.user_id not in done:
            continue
        for bid_id, by_code in own_marks(session, section_id, member.user_id).items():
            for code, (mark, reason) in by_code.items():
                marks.setdefault(member.expert_number, {}).setdefault(str(bid_id), {})[code] = mark
                if reason:
                    reasons[(member.expert_number, str(bid_id), code)] = reason
    rejections = rejection.rejections(session, section_id)
    adjusted = pricing.of_section(session, section_id)
    out = {str(r.bid_id) for r in rejections}
    rejected = _rejected(method, marks, [b for b in bids if b.valid and str(b.id) not in out])
    prices = {str(b.id): b.price_fen for b in bids
              if b.valid and b.price_fen is not None and str(b.id) not in rejected
              and str(b.id) not in out}
    scored = {m: {b: v for b, v in by_bid.items() if b in prices} for m, by_bid in marks.items()}
    if method.kind == MethodKind.COMPREHENSIVE:
        price_scores = scoring.price_scores(method, prices)
        ranked = scoring.standings(method, scored, prices)
    else:  # 第三十二条: the committee's adjustments, on the bids still in the evaluation
        price_scores = {}
        ranked = scoring.lowest_evaluated(prices, {b: v for b, v in pricing.totals(adjusted)
                                                   .items() if b in prices})
    points = {m: {b: {c: v for c, v in codes.items()
                      if c in {x.code for x in method.criteria() if x.mode != Mode.PASS_FAIL}}
                  for b, codes in by_bid.items()} for m, by_bid in scored.items()}
    has_points = any(c.mode != Mode.PASS_FAIL for c in method.criteria())
    return Summary(
        complete=bool(seated) and all(m.user_id in done for m in seated), members=seated,
        bids=bids, marks=marks, reasons=reasons, rejected=rejected, price_scores=price_scores,
        ranked=ranked,
        candidates=scoring.candidates(ranked, min(scoring.MAX_CANDIDATES, len(ranked)))
        if ranked else [],
        outliers=scoring.outliers(method, scored),
        identical=scoring.identical_patterns(points) if has_points and len(points) > 1 else [],
        names={str(b.id): b.bidder for b in bids}, rejections=rejections,
        lowest_price=method.kind == MethodKind.LOWEST_EVALUATED_PRICE,
        adjustments={str(b): rows for b, rows in adjusted.items()})


def _rejected(method: Method, marks: dict[str, dict[str, dict[str, Decimal]]],
              bids: list[rooms.OpenedBid]) -> dict[str, list[str]]:
    """A bid fails a pass/fail criterion when more than half of the members failed it."""
    found: dict[str, list[str]] = {}
    for bid in bids:
        for criterion in method.criteria():
            if criterion.mode != Mode.PASS_FAIL:
                continue
            votes = [by_bid.get(str(bid.id), {}).get(criterion.code) for by_bid in marks.values()]
            fails = sum(1 for v in votes if v == 0)
            if votes and fails * 2 > len(votes):
                found.setdefault(str(bid.id), []).append(criterion.name)
    return found
