"""The drawn expert's side of a draw: confirm or decline, no answer, cancellation, check-in,
the integrity pledge and the expert's own recusal declaration (R-34).

Every seat that is given up (declined, not answered, cancelled, recused) passes to the next in
rank through ``drawing.replace``, called after the outgoing pick has its final state. Refusals
change nothing and log nothing; every change is logged in its own transaction under
``draw:<number>`` with the expert number and reason codes only (free text stays on the pick).
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool import drawing, notify, pool
from expert_pool.models import (
    Draw,
    DrawPick,
    DrawState,
    Expert,
    IntegrityKind,
    PickState,
)
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, UserError

CANCEL_NOTICE = dt.timedelta(hours=24)  # less than this before the evaluation: staff decide
REASON_MAX = 500
SYSTEM = Actor.system("expert_pool.no_answer")
#: Staff see a pending late cancellation as an e-supervision alert, due at the evaluation.
LATE_ALERT = drawing.LATE_CANCELLATION_ALERT

#: Where the pledge and a recusal stand in the law (shown to the expert, cited in the record).
RECUSAL_BASIS = "《评标委员会和评标方法暂行规定》第十二条"
REPLACEMENT_BASIS = "《招标投标法实施条例》第四十八条"
RECORD_BASIS = "本平台评标专家管理规则"


class RecusalGround(enum.StrEnum):
    """The four statutory grounds of 《评标委员会和评标方法暂行规定》第十二条, plus other."""

    RELATIVE = "relative"  # 投标人或者投标人主要负责人的近亲属
    SUPERVISING_DEPARTMENT = "supervising_department"  # 项目主管部门或者行政监督部门的人员
    ECONOMIC_INTEREST = "economic_interest"  # 与投标人有经济利益关系，可能影响公正评审
    PUNISHED = "punished"  # 曾因违法行为受过行政处罚或者刑事处罚
    OTHER = "other"  # detail required


class NotDrawn(UserError):
    """The signed-in expert holds no such seat (also when the pick does not exist)."""

    def __init__(self) -> None:
        super().__init__("您不是该席位被抽中的专家，不能对其操作", "You were not drawn for this seat",
                         status=403, code="not_drawn")


subject = drawing.subject  # one spelling of a draw's log subject


def expert_of_user(session: Session, user_id: uuid.UUID) -> Expert | None:
    return pool.expert_for_user(session, user_id)


def _locked_pick(session: Session, pick_id: int) -> DrawPick | None:
    found = session.execute(select(DrawPick).where(DrawPick.id == pick_id).with_for_update())
    return found.scalar_one_or_none()


def own_pick(session: Session, user_id: uuid.UUID, pick_id: int, *,
             lock: bool = False) -> tuple[DrawPick, Draw, Expert]:
    """The pick, its draw and its expert, if the user is that expert; else NotDrawn."""
    expert = expert_of_user(session, user_id)
    pick = _locked_pick(session, pick_id) if lock else session.get(DrawPick, pick_id)
    if expert is None or pick is None or pick.expert_id != expert.id:
        raise NotDrawn()
    draw = session.get(Draw, pick.draw_id)
    assert draw is not None
    return pick, draw, expert


def _open_draw(draw: Draw) -> None:
    if draw.state == DrawState.CANCELLED.value:
        raise ConflictError("该次抽取已取消，无需答复", "This draw was cancelled; there is nothing "
                            "to answer")
    if draw.state not in (DrawState.DRAWN.value, DrawState.COMPLETED.value):
        raise ConflictError("该次抽取尚未产生结果", "This draw has no result yet")


def _state_refusal(pick: DrawPick, doing_zh: str, doing_en: str) -> UserError:
    """Why the seat's state refuses the action, in words the expert can act on."""
    state = pick.state
    if state in (PickState.CHECKED_IN.value,):
        why_zh, why_en = "您已签到，如存在回避事由请提交回避声明", "you have checked in; declare a " \
            "recusal if a ground applies"
    elif state in (PickState.CONFIRMED.value, PickState.CANCEL_REQUESTED.value):
        why_zh, why_en = "您已确认参加", "you have already confirmed"
    elif state in (PickState.DECLINED.value, PickState.NO_ANSWER.value, PickState.CANCELLED.value,
                   PickState.RECUSED.value):
        why_zh, why_en = "该席位已由下一位专家递补", "the seat has passed to the next in rank"
    elif state == PickState.RESERVE.value:
        why_zh, why_en = "您尚未被通知参加", "you have not been asked yet"
    else:
        why_zh, why_en = "您尚未确认参加", "you have not confirmed yet"
    return ConflictError(f"不能{doing_zh}：{why_zh}", f"Cannot {doing_en}: {why_en}")


def _reason(text: str, field: str = "reason", *, required: bool = True) -> str:
    cleaned = text.strip()
    if required and not cleaned:
        raise UserError("请填写理由", "Please give a reason", field=field, code="required")
    if len(cleaned) > REASON_MAX:
        raise UserError(f"理由不能超过 {REASON_MAX} 字", f"At most {REASON_MAX} characters",
                        field=field, code="too_long")
    return cleaned


def _local(moment: dt.datetime) -> str:
    return clock.to_local(moment).strftime("%Y-%m-%d %H:%M")


def _integrity(session: Session, actor: Actor, expert: Expert, kind: IntegrityKind, detail: str,
               draw: Draw) -> None:
    """A decline, no answer or late cancellation counts against the expert's record (R-34)."""
    pool.record_integrity(session, actor, expert, kind, clock.legal_day(clock.now(session)),
                          RECORD_BASIS, detail, draw_id=draw.id)


def _body(pick: DrawPick, **extra: Any) -> dict[str, Any]:
    return {"expert": pick.expert_number, "specialty": pick.specialty_code, "rank": pick.rank,
            "pick": pick.id, **extra}


def _give_up(session: Session, actor: Actor, pick: DrawPick, draw: Draw, action: str,
             reason_code: str, **extra: Any) -> None:
    """Log the seat given up, then ask the next in rank (the replacement logs itself).

    The batch's no-answer job stays: when it runs it finds this seat answered and skips it."""
    supervision.record(session, actor, action, subject(draw), _body(pick, reason=reason_code,
                                                                    **extra))
    drawing.replace(session, actor, pick.id, reason_code)


# --- answering the call --------------------------------------------------------------------


def confirm(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int) -> DrawPick:
    pick, draw, expert = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    if pick.state != PickState.NOTIFIED.value:
        raise _state_refusal(pick, "确认", "confirm")
    moment = clock.now(session)
    assert pick.answer_due is not None
    if moment > pick.answer_due:
        due = _local(pick.answer_due)
        raise ConflictError(f"确认期限已于 {due} 截止，席位将由下一位专家递补",
                            f"The time to confirm ended at {due}; the seat passes to the next "
                            "in rank")
    pick.state = PickState.CONFIRMED.value
    pick.answered_at = moment
    when = _local(draw.evaluation_at)
    notify.tell(session, expert, "draw.confirmed",
                f"您已确认参加评标（抽取编号 {draw.number}）：{when} 于 {draw.place}，请按时到场签到。",
                f"You confirmed the evaluation (draw {draw.number}): {when} at {draw.place}. "
                "Please check in on time.", draw_id=draw.id)
    supervision.record(session, actor, "draw.confirmed", subject(draw), _body(pick))
    drawing.refresh_state(session, actor, draw)
    return pick


def decline(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int,
            reason: str) -> DrawPick:
    pick, draw, expert = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    if pick.state != PickState.NOTIFIED.value:
        raise _state_refusal(pick, "谢绝", "decline")
    pick.reason = _reason(reason)
    pick.state = PickState.DECLINED.value
    pick.answered_at = clock.now(session)
    _integrity(session, actor, expert, IntegrityKind.DECLINE, "谢绝参加评标", draw)
    notify.tell(session, expert, "draw.declined",
                f"您已谢绝抽取编号 {draw.number} 的评标，该席位由下一位专家递补。",
                f"You declined draw {draw.number}; the seat passes to the next in rank.",
                draw_id=draw.id)
    _give_up(session, actor, pick, draw, "draw.declined", "declined")
    return pick


def expire_due(session: Session, draw_number: str) -> int:
    """The no-answer job of one batch of asks: every seat of the draw still unanswered at its
    due time passes on (a later batch's seats wait for their own job). Idempotent."""
    overdue = session.scalars(
        select(DrawPick.id).join(Draw, Draw.id == DrawPick.draw_id)
        .where(Draw.number == draw_number, DrawPick.state == PickState.NOTIFIED.value,
               DrawPick.answer_due <= clock.now(session))
        .order_by(DrawPick.specialty_code, DrawPick.rank)).all()
    return sum(expire(session, pick_id) for pick_id in overdue)


def expire(session: Session, pick_id: int) -> bool:
    """The no-answer job: a seat still unanswered at its due time passes on. Idempotent."""
    pick = _locked_pick(session, pick_id)
    if pick is None or pick.state != PickState.NOTIFIED.value or pick.answer_due is None:
        return False
    draw = session.get(Draw, pick.draw_id)
    assert draw is not None
    if draw.state not in (DrawState.DRAWN.value, DrawState.COMPLETED.value):
        return False
    if clock.now(session) <= pick.answer_due:
        return False  # answered in time is decided by the database clock, never the worker's
    expert = session.get(Expert, pick.expert_id)
    assert expert is not None
    pick.state = PickState.NO_ANSWER.value
    _integrity(session, SYSTEM, expert, IntegrityKind.NO_ANSWER, "未在期限内答复评标邀请", draw)
    notify.tell(session, expert, "draw.no_answer",
                f"您未在 {_local(pick.answer_due)} 前答复抽取编号 {draw.number} 的评标邀请，"
                "该席位已由下一位专家递补。",
                f"You did not answer draw {draw.number} by {_local(pick.answer_due)}; the seat "
                "passed to the next in rank.", draw_id=draw.id)
    supervision.record(session, SYSTEM, "draw.no_answer", subject(draw),
                       _body(pick, reason="no_answer"))
    drawing.replace(session, SYSTEM, pick.id, "no_answer")
    return True


# --- withdrawing a confirmation ------------------------------------------------------------


def cancel_needs_approval(session: Session, draw: Draw) -> bool:
    return clock.now(session) > draw.evaluation_at - CANCEL_NOTICE


def cancel(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int,
           reason: str) -> DrawPick:
    """A confirmed seat given back: ≥ 24 h before the evaluation at once, later only if staff
    approve (and then it counts against the expert's record)."""
    pick, draw, expert = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    if pick.state == PickState.CANCEL_REQUESTED.value:
        raise ConflictError("您的取消申请正在等待工作人员审核", "Your cancellation is waiting for "
                            "staff")
    if pick.state != PickState.CONFIRMED.value:
        raise _state_refusal(pick, "取消", "cancel")
    pick.reason = _reason(reason)
    if cancel_needs_approval(session, draw):
        pick.state = PickState.CANCEL_REQUESTED.value
        margin = max(draw.evaluation_at - clock.now(session), dt.timedelta(0))  # yellow at once
        supervision.watch_deadline(
            session, LATE_ALERT, subject(draw), "staff", draw.evaluation_at,
            f"抽取 {draw.number}：专家在评标前 24 小时内申请取消，待审核",
            f"Draw {draw.number}: an expert asks to cancel less than 24 hours ahead; decide it",
            margin=margin)
        notify.tell(session, expert, "draw.cancel_requested",
                    f"您对抽取编号 {draw.number} 的取消申请距评标不足 24 小时，需工作人员审核；"
                    "审核前请仍按时参加。",
                    f"Your cancellation of draw {draw.number} is less than 24 hours before the "
                    "evaluation and waits for staff; until then please still attend.",
                    draw_id=draw.id)
        supervision.record(session, actor, "draw.cancel_requested", subject(draw),
                           _body(pick, reason="late_cancellation"))
        return pick
    pick.state = PickState.CANCELLED.value
    notify.tell(session, expert, "draw.cancelled_by_expert",
                f"您已取消参加抽取编号 {draw.number} 的评标，该席位由下一位专家递补。",
                f"You cancelled draw {draw.number}; the seat passes to the next in rank.",
                draw_id=draw.id)
    _give_up(session, actor, pick, draw, "draw.cancelled_by_expert", "cancelled")
    return pick


def _settle_alert(session: Session, draw: Draw, resolution: str) -> None:
    """Clear the staff alert once no late cancellation of the draw waits any more."""
    session.flush()
    waiting = session.scalar(select(DrawPick.id).where(
        DrawPick.draw_id == draw.id, DrawPick.state == PickState.CANCEL_REQUESTED.value).limit(1))
    if waiting is None:
        supervision.resolve_deadline(session, LATE_ALERT, subject(draw), resolution)


def pending_cancellations(session: Session) -> list[tuple[DrawPick, Draw]]:
    """Late cancellations waiting for staff, oldest evaluation first."""
    rows = session.execute(
        select(DrawPick, Draw).join(Draw, Draw.id == DrawPick.draw_id)
        .where(DrawPick.state == PickState.CANCEL_REQUESTED.value)
        .order_by(Draw.evaluation_at, DrawPick.id))
    return [(pick, draw) for pick, draw in rows.all()]


def approve_cancel(session: Session, actor: Actor, pick_id: int, approve: bool,
                   note: str) -> DrawPick:
    """Staff decide a late cancellation: approved, the seat passes on and it is recorded
    against the expert; refused, the seat stays confirmed and the expert is told."""
    pick = _locked_pick(session, pick_id)
    if pick is None:
        raise UserError("席位不存在", "Seat not found", status=404, code="not_found")
    draw = session.get(Draw, pick.draw_id)
    expert = session.get(Expert, pick.expert_id)
    assert draw is not None and expert is not None
    if pick.state != PickState.CANCEL_REQUESTED.value:
        raise ConflictError("该席位没有待审核的取消申请", "This seat has no cancellation waiting")
    cleaned = _reason(note, "note", required=not approve)
    if approve:
        pick.state = PickState.CANCELLED.value
        pick.cancel_approved_by = uuid.UUID(actor.user_id) if actor.user_id else None
        _integrity(session, actor, expert, IntegrityKind.LATE_CANCELLATION,
                   "评标前 24 小时内取消参加", draw)
        _settle_alert(session, draw, "approved")
        notify.tell(session, expert, "draw.cancel_approved",
                    f"工作人员已同意您取消参加抽取编号 {draw.number} 的评标；该取消计入您的履职记录。",
                    f"Staff approved your cancellation of draw {draw.number}; it counts on your "
                    "record.", draw_id=draw.id)
        supervision.record(session, actor, "draw.cancel_decided", subject(draw),
                           _body(pick, approved=True, reason="late_cancellation"))
        drawing.replace(session, actor, pick.id, "late_cancellation")
        return pick
    pick.state = PickState.CONFIRMED.value
    _settle_alert(session, draw, "refused")
    notify.tell(session, expert, "draw.cancel_refused",
                f"工作人员未同意您取消参加抽取编号 {draw.number} 的评标，请按时参加。说明：{cleaned}",
                f"Staff refused your cancellation of draw {draw.number}; please attend. "
                f"Note: {cleaned}", draw_id=draw.id)
    supervision.record(session, actor, "draw.cancel_decided", subject(draw),
                       _body(pick, approved=False, reason="late_cancellation"))
    return pick


# --- at the evaluation ---------------------------------------------------------------------


def evaluation_days(draw: Draw) -> tuple[dt.date, dt.date]:
    """The Beijing days of the evaluation, first and last."""
    first = clock.legal_day(draw.evaluation_at)
    return first, first + dt.timedelta(days=max(draw.expected_days, 1) - 1)


def check_in(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int) -> DrawPick:
    pick, draw, _ = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    if pick.state == PickState.CHECKED_IN.value:
        raise ConflictError("您已签到", "You have already checked in")
    if pick.state not in (PickState.CONFIRMED.value, PickState.CANCEL_REQUESTED.value):
        raise _state_refusal(pick, "签到", "check in")
    moment = clock.now(session)
    first, last = evaluation_days(draw)
    if not first <= clock.legal_day(moment) <= last:
        span = first.isoformat() if first == last else f"{first.isoformat()} 至 {last.isoformat()}"
        span_en = first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"
        raise ConflictError(f"只能在评标当日签到（{span}）", f"Check-in is only on the evaluation "
                            f"day ({span_en})")
    # Coming to the evaluation withdraws a cancellation still waiting for staff.
    withdrawn = pick.state == PickState.CANCEL_REQUESTED.value
    pick.state = PickState.CHECKED_IN.value
    pick.checked_in_at = moment
    if withdrawn:
        _settle_alert(session, draw, "checked_in")
    supervision.record(session, actor, "draw.checked_in", subject(draw), _body(pick))
    return pick


def pledge(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int) -> DrawPick:
    pick, draw, _ = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    if pick.state != PickState.CHECKED_IN.value:
        raise ConflictError("请先签到，再签署承诺书", "Check in before signing the pledge")
    if pick.pledged_at is not None:
        raise ConflictError("您已签署承诺书", "You have already signed the pledge")
    pick.pledged_at = clock.now(session)
    supervision.record(session, actor, "draw.pledged", subject(draw), _body(pick))
    return pick


def declare_recusal(session: Session, actor: Actor, user_id: uuid.UUID, pick_id: int,
                    ground: str, detail: str) -> DrawPick:
    """The expert's own recusal (《评标委员会和评标方法暂行规定》第十二条): the seat passes
    on, and whatever the expert did in the evaluation is void (R-34)."""
    pick, draw, expert = own_pick(session, user_id, pick_id, lock=True)
    _open_draw(draw)
    try:
        chosen = RecusalGround(ground)
    except ValueError as error:
        raise UserError("请选择回避事由", "Please choose a ground", field="ground",
                        code="invalid") from error
    text = _reason(detail, "detail", required=chosen is RecusalGround.OTHER)
    # The project is named to the expert only at check-in; before it, a conflict is a decline.
    if pick.state in (PickState.NOTIFIED.value, PickState.CONFIRMED.value,
                      PickState.CANCEL_REQUESTED.value):
        raise ConflictError("回避声明在评标当日签到后提交（签到时告知项目）；签到前如有回避事由，"
                            "请谢绝或申请取消",
                            "A recusal is declared after check-in on the evaluation day, when the "
                            "project is named; before it, decline or ask to withdraw")
    if pick.state != PickState.CHECKED_IN.value:
        raise _state_refusal(pick, "提交回避声明", "declare a recusal")
    pick.state = PickState.RECUSED.value
    pick.recusal_ground = chosen.value
    pick.reason = text
    notify.tell(session, expert, "draw.recused",
                f"您已就抽取编号 {draw.number} 的评标提交回避声明，该席位由下一位专家递补。",
                f"You declared a recusal for draw {draw.number}; the seat passes to the next in "
                "rank.", draw_id=draw.id)
    _give_up(session, actor, pick, draw, "draw.recused", "recused", ground=chosen.value,
             work_void=True)  # what the expert did at the evaluation counts for nothing
    return pick
