"""An expert's status lifecycle, availability calendar and declared conflicts.

applied → reviewed → in pool; in pool ⇄ suspended / penalized (until a date); any → retired.
Each transition states a reason (a penalty also its basis in law) and is logged; an illegal
one is refused naming the current status in the user's language.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.models import (
    ConflictKind,
    DeclaredConflict,
    Expert,
    ExpertStatus,
    IntegrityKind,
    Unavailability,
)
from expert_pool.pool import (
    CONFLICT_KINDS,
    STATUS_LABELS,
    parse_date,
    record_integrity,
    subject,
    touch,
)
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts.credit_code import CreditCodeError, validate_credit_code
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

S = ExpertStatus
# Which statuses each transition starts from, and where it leads.
TRANSITIONS: dict[str, tuple[frozenset[str], ExpertStatus]] = {
    "review": (frozenset({S.APPLIED.value}), S.REVIEWED),
    "admit": (frozenset({S.REVIEWED.value}), S.IN_POOL),
    "suspend": (frozenset({S.IN_POOL.value, S.PENALIZED.value}), S.SUSPENDED),
    "penalize": (frozenset({S.IN_POOL.value, S.SUSPENDED.value}), S.PENALIZED),
    "reinstate": (frozenset({S.SUSPENDED.value, S.PENALIZED.value}), S.IN_POOL),
    "retire": (frozenset({S.APPLIED.value, S.REVIEWED.value, S.IN_POOL.value, S.SUSPENDED.value,
                          S.PENALIZED.value}), S.RETIRED),
}
# Moves only the platform makes (not offered to staff): the end of a penalty at its end date.
SYSTEM_TRANSITIONS = {"end_penalty": (frozenset({S.PENALIZED.value}), S.IN_POOL)}
ACTION_LABELS = {"review": ("审核通过", "review"), "admit": ("准予入库", "admit"),
                 "suspend": ("暂停", "suspend"), "penalize": ("处罚", "penalize"),
                 "reinstate": ("恢复", "reinstate"), "retire": ("退出专家库", "retire"),
                 "end_penalty": ("处罚期满恢复", "end the penalty")}
PENALTY_ENDS_JOB = "expert_pool.penalty_ends"  # due at 24:00 (Beijing) of the last day
MAX_UNAVAILABLE_DAYS = 366
MAX_REASON = 500


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise UserError("请说明理由", "State the reason", field="reason")
    if len(text) > MAX_REASON:
        raise UserError(f"理由最多 {MAX_REASON} 字", f"At most {MAX_REASON} characters", field="reason")
    return text


def _move(session: Session, actor: Actor, expert: Expert, action: str, reason: str,
          basis: str = "") -> str:
    starts, target = TRANSITIONS.get(action) or SYSTEM_TRANSITIONS[action]
    if expert.status not in starts:
        zh, en = STATUS_LABELS.get(expert.status, (expert.status, expert.status))
        act_zh, act_en = ACTION_LABELS[action]
        raise ConflictError(f"该专家当前状态为“{zh}”，不能{act_zh}",
                            f"The expert is {en.lower()}: cannot {act_en}", field="status")
    text = _reason(reason)
    before = expert.status
    if before == S.PENALIZED.value and action != "end_penalty":
        jobs.cancel(session, PENALTY_ENDS_JOB, subject(expert))  # ended early by staff
    expert.status = target.value
    expert.status_reason = text
    expert.status_basis = basis.strip()[:200]
    if target != S.PENALIZED:
        expert.penalized_from = expert.penalized_until = None
    touch(session, expert)
    supervision.record(session, actor, "expert.status_changed", subject(expert),
                       {"number": expert.number, "from": before, "to": target.value,
                        "action": action, "reason": expert.status_reason,
                        "basis": expert.status_basis})
    return before


def review(session: Session, actor: Actor, expert: Expert, reason: str = "资料审核通过") -> None:
    _move(session, actor, expert, "review", reason)


def admit(session: Session, actor: Actor, expert: Expert, reason: str = "准予入库") -> None:
    _move(session, actor, expert, "admit", reason)


def suspend(session: Session, actor: Actor, expert: Expert, reason: str) -> None:
    _move(session, actor, expert, "suspend", reason)


def reinstate(session: Session, actor: Actor, expert: Expert, reason: str) -> None:
    _move(session, actor, expert, "reinstate", reason)


def retire(session: Session, actor: Actor, expert: Expert, reason: str) -> None:
    _move(session, actor, expert, "retire", reason)


def penalize(session: Session, actor: Actor, expert: Expert, until: dt.date | str | None,
             reason: str, period_from: dt.date | str | None, basis: str) -> None:
    """Penalized from ``period_from`` (default today) to ``until`` inclusive, on a stated basis
    (e.g. 《评标委员会和评标方法暂行规定》第五十三条); also an integrity PENALTY entry."""
    today = clock.legal_day(clock.now(session))
    end = parse_date(until, "until", required=True)
    start = parse_date(period_from, "period_from") or today
    assert end is not None
    if end < start or end < today:
        raise UserError("处罚截止日期应不早于开始日期和今天", "The end date must not be before the "
                        "start date or today", field="until")
    if not basis.strip():
        raise UserError("请填写处罚依据（法规名称及条款）", "State the basis (law and article)",
                        field="basis")
    jobs.schedule(session, PENALTY_ENDS_JOB, subject(expert), clock.legal_end_of_day_utc(end))
    _move(session, actor, expert, "penalize", reason, basis)
    expert.penalized_from, expert.penalized_until = start, end
    record_integrity(session, actor, expert, IntegrityKind.PENALTY, start, basis.strip(),
                     reason.strip(), until=end)


def end_penalty(session: Session, actor: Actor, expert: Expert) -> bool:
    """Back in the pool once the penalty's last day is over (the job at 24:00 of that day);
    ``False`` when there is nothing to end (reinstated, suspended or retired meanwhile)."""
    until = expert.penalized_until
    if expert.status != S.PENALIZED.value or until is None:
        return False
    if until >= clock.legal_day(clock.now(session)):
        return False
    _move(session, actor, expert, "end_penalty", f"处罚期满（至 {until.isoformat()}）",
          expert.status_basis)
    return True


# --- availability --------------------------------------------------------------------------


def add_unavailability(session: Session, actor: Actor, expert: Expert, starts_on: dt.date | str,
                       ends_on: dt.date | str, reason: str = "") -> Unavailability:
    start = parse_date(starts_on, "starts_on", required=True)
    end = parse_date(ends_on, "ends_on", required=True)
    assert start is not None and end is not None
    if end < start:
        raise UserError("结束日期早于开始日期", "The end is before the start", field="ends_on")
    if end < clock.legal_day(clock.now(session)):
        raise UserError("不能登记已过去的日期", "These days are already past", field="ends_on")
    if (end - start).days >= MAX_UNAVAILABLE_DAYS:
        raise UserError(f"一次最多登记 {MAX_UNAVAILABLE_DAYS} 天", "At most a year at a time",
                        field="ends_on")
    if len(reason.strip()) > 200:
        raise UserError("说明最多 200 字", "At most 200 characters", field="reason")
    row = Unavailability(expert_id=expert.id, starts_on=start, ends_on=end, reason=reason.strip())
    session.add(row)
    session.flush()
    supervision.record(session, actor, "expert.unavailability_added", subject(expert),
                       {"number": expert.number, "id": row.id, "starts_on": start.isoformat(),
                        "ends_on": end.isoformat()})
    return row


def remove_unavailability(session: Session, actor: Actor, expert: Expert, row_id: int) -> None:
    row = session.get(Unavailability, row_id)
    if row is None or row.expert_id != expert.id:
        raise NotFoundError("不可参加评标的日期", "Unavailable period")
    session.delete(row)
    supervision.record(session, actor, "expert.unavailability_removed", subject(expert),
                       {"number": expert.number, "id": row_id})


def unavailability_of(session: Session, expert: Expert) -> list[Unavailability]:
    return list(session.scalars(select(Unavailability).where(Unavailability.expert_id == expert.id)
                                .order_by(Unavailability.starts_on)))


# --- declared conflicts --------------------------------------------------------------------


@dataclass
class ConflictInput:
    kind: str
    organization_name: str
    credit_code: str
    started_on: dt.date | str | None = None
    ended_on: dt.date | str | None = None
    detail: str = ""


def add_conflict(session: Session, actor: Actor, expert: Expert, data: ConflictInput) -> DeclaredConflict:
    if data.kind not in CONFLICT_KINDS:
        raise UserError("请选择利害关系类型", "Choose the kind of interest", field="kind")
    name = data.organization_name.strip()
    if not name or len(name) > 200:
        raise UserError("请填写单位名称（最多 200 字）", "Enter the organisation (≤ 200 chars)",
                        field="organization_name")
    try:
        code = validate_credit_code(data.credit_code)
    except CreditCodeError as error:
        raise UserError(error.reason_zh, error.reason_en, field="credit_code") from error
    started = parse_date(data.started_on, "started_on")
    ended = parse_date(data.ended_on, "ended_on")
    if started and ended and ended < started:
        raise UserError("结束日期早于开始日期", "The end is before the start", field="ended_on")
    if data.kind == ConflictKind.PAST_EMPLOYER.value and ended is None:
        raise UserError("曾任职单位请填写离职日期", "Enter when the employment ended", field="ended_on")
    if len(data.detail.strip()) > 200:
        raise UserError("说明最多 200 字", "At most 200 characters", field="detail")
    row = DeclaredConflict(expert_id=expert.id, kind=data.kind, organization_name=name,
                           credit_code=code, started_on=started, ended_on=ended,
                           detail=data.detail.strip())
    session.add(row)
    session.flush()
    supervision.record(session, actor, "expert.conflict_added", subject(expert),
                       {"number": expert.number, "id": row.id, "kind": row.kind,
                        "credit_code": code})
    return row


def remove_conflict(session: Session, actor: Actor, expert: Expert, row_id: int) -> None:
    row = session.get(DeclaredConflict, row_id)
    if row is None or row.expert_id != expert.id:
        raise NotFoundError("利害关系申报", "Declared conflict")
    session.delete(row)
    supervision.record(session, actor, "expert.conflict_removed", subject(expert),
                       {"number": expert.number, "id": row_id})
