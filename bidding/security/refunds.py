"""Refunds of bid security (R-16): owed within 5 days of a withdrawal (Regs §35) or of the
award notice to every bidder but the winner and the second candidate (Regs §57), each a record
executed by staff to the payer's own account only, watched by an e-supervision alert that turns
yellow before and red after the limit."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import config, rules
from bidding.security import interest, releases, subaccounts, vault
from bidding.security.models import (
    GuaranteeLetter,
    PaymentStatus,
    RefundReason,
    RefundStatus,
    SecurityPayment,
    SecurityRefund,
)
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

REFUND_DAYS = 5
ALERT_KIND = "bidding.security_refund"
_ACCOUNT = re.compile(r"^[0-9]{6,40}$")
_SERIAL = re.compile(r"^[0-9A-Za-z_-]{4,64}$")


def refund_subject(refund_id: uuid.UUID) -> str:
    return f"security-refund/{refund_id}"


def due_after(moment: dt.datetime) -> dt.datetime:
    """The end (24:00, Beijing) of the 5th day after ``moment``'s legal day (R-16)."""
    return clock.legal_end_of_day_utc(clock.legal_day(moment) + dt.timedelta(days=REFUND_DAYS))


def owe(session: Session, actor: Actor, payment: SecurityPayment, reason: RefundReason,
        at: dt.datetime) -> SecurityRefund:
    """A refund of ``payment`` owed from ``at`` (once per payment: a second call keeps the
    first)."""
    existing = session.scalar(select(SecurityRefund).where(
        SecurityRefund.payment_id == payment.id))
    if existing is not None:
        return existing
    vault.unseal(payment)  # the transfer back needs the payer's account
    assert payment.amount_fen is not None
    refund = SecurityRefund(payment_id=payment.id, reason=reason.value,
                            amount_fen=payment.amount_fen, due_at=due_after(at),
                            created_at=clock.now(session), status=RefundStatus.DUE.value)
    session.add(refund)
    session.flush()
    zh, en = rules.CITATIONS["R-16-W" if reason == RefundReason.WITHDRAWAL else "R-16-A"]
    supervision.watch_deadline(session, ALERT_KIND, refund_subject(refund.id), "staff",
                               refund.due_at, f"退还投标保证金（依据{zh}，5日内）",
                               f"Refund of bid security within 5 days (under the {en})")
    supervision.record(session, actor, "security.refund_due", refund_subject(refund.id), {
        "refund": str(refund.id), "payment": str(payment.id), "reason": reason.value,
        "due_at": refund.due_at.isoformat()})
    return refund


def after_withdrawal(session: Session, actor: Actor, section_id: uuid.UUID,
                     bidder_id: uuid.UUID) -> list[SecurityRefund]:
    """A bid withdrawn before the deadline: what its bidder paid into the section's
    sub-account is owed back within 5 days; its guarantee letter is released. Nothing here
    names the section or the bidder (the deadline has not passed)."""
    number = subaccounts.sub_account(section_id, bidder_id)
    now = clock.now(session)
    owed = [owe(session, actor, payment, RefundReason.WITHDRAWAL, now)
            for payment in session.scalars(select(SecurityPayment).where(
                SecurityPayment.sub_account == number,
                SecurityPayment.status == PaymentStatus.UNMATCHED.value))]
    for letter in list(session.scalars(select(GuaranteeLetter).where(
            GuaranteeLetter.sub_account == number, GuaranteeLetter.withdrawn_at.is_(None)))):
        releases.release(session, actor, letter, RefundReason.WITHDRAWAL)
        letter.withdrawn_at = now
    session.flush()
    return owed


def refunds_after_award(session: Session, actor: Actor, section_id: uuid.UUID,
                        winner_org: uuid.UUID, second_org: uuid.UUID | None) -> list[SecurityRefund]:
    """Called by the award step when the award notice goes out: every matched payment of the
    section's other bidders is owed back within 5 days (R-16); the winner's and the second
    candidate's are kept (they are refunded after the contract)."""
    kept = {winner_org} | ({second_org} if second_org else set())
    now = clock.now(session)
    payments = session.scalars(select(SecurityPayment).where(
        SecurityPayment.section_id == section_id,
        SecurityPayment.status == PaymentStatus.MATCHED.value)
        .order_by(SecurityPayment.trade_date, SecurityPayment.id))
    candidates = [p for p in list(payments) if p.bidder_id not in kept]
    already = of_payments(session, [p.id for p in candidates])  # e.g. owed at a withdrawal
    owed = [owe(session, actor, p, RefundReason.AWARD, now) for p in candidates
            if p.id not in already]
    released = releases.release_section(session, actor, section_id, RefundReason.AWARD, kept)
    supervision.record(session, actor, "security.award_refunds", f"security-section/{section_id}",
                       {"section": str(section_id), "kept": sorted(str(k) for k in kept),
                        "refunds": [str(r.id) for r in owed],
                        "releases": [r.number for r in released]})
    return owed


def refunds_after_contract(session: Session, actor: Actor, section_id: uuid.UUID,
                           kept: set[uuid.UUID]) -> list[SecurityRefund]:
    """Called when the contract is filed: the security kept at the award (the winner's and the
    second candidate's, ``kept``) is owed back within 5 days of the contract (R-16, Regs §57).
    Whatever else of the section is still unowed (e.g. a candidate that was neither) is owed
    too, so nothing matched stays held after the contract."""
    now = clock.now(session)
    payments = list(session.scalars(select(SecurityPayment).where(
        SecurityPayment.section_id == section_id,
        SecurityPayment.status == PaymentStatus.MATCHED.value)
        .order_by(SecurityPayment.trade_date, SecurityPayment.id)))
    already = of_payments(session, [p.id for p in payments])
    owed = [owe(session, actor, p, RefundReason.CONTRACT, now) for p in payments
            if p.id not in already]
    released = releases.release_section(session, actor, section_id, RefundReason.CONTRACT, set())
    supervision.record(session, actor, "security.contract_refunds",
                       f"security-section/{section_id}",
                       {"section": str(section_id), "kept": sorted(str(k) for k in kept),
                        "refunds": [str(r.id) for r in owed],
                        "releases": [r.number for r in released]})
    return owed


def execute(session: Session, actor: Actor, user_id: uuid.UUID, refund_id: uuid.UUID,
            to_account: str, bank_serial: str) -> SecurityRefund:
    """Staff record the transfer back: only to the account the payment came from, the principal
    with its interest to the day of the transfer (Regs §57, ``interest``)."""
    refund = session.get(SecurityRefund, refund_id, with_for_update=True)
    if refund is None:
        raise NotFoundError("退款记录", "Refund")
    if refund.status != RefundStatus.DUE.value:
        raise ConflictError("该笔保证金已退还", "This security was already refunded")
    payment = session.get(SecurityPayment, refund.payment_id)
    assert payment is not None and payment.payer_account is not None
    account = re.sub(r"[\s-]", "", to_account or "")
    if not _ACCOUNT.match(account):
        raise UserError("收款账号应为 6–40 位数字", "The account is 6–40 digits",
                        field="to_account")
    if account != payment.payer_account:
        zh, en = rules.under("R-16")
        raise UserError(f"保证金只能退回付款人原账户（{zh}），不能退至其他账户",
                        f"Security is refunded only to the payer's own account ({en})",
                        field="to_account", code="not_payer_account")
    serial = (bank_serial or "").strip()
    if not _SERIAL.match(serial):
        raise UserError("银行流水号应为 4–64 位字母、数字、- 或 _",
                        "The bank serial number is 4–64 letters, digits, - or _",
                        field="bank_serial")
    if session.scalar(select(SecurityRefund.id).where(SecurityRefund.bank_serial == serial)):
        raise ConflictError(f"银行流水号 {serial} 已用于另一笔退款",
                            f"Bank serial {serial} is already recorded for a refund",
                            field="bank_serial")
    now = clock.now(session)
    owed = interest_on(refund, payment, now)
    refund.status, refund.to_account, refund.bank_serial = RefundStatus.REFUNDED.value, account, serial
    refund.refunded_at, refund.refunded_by = now, user_id
    refund.interest_rate_bp, refund.interest_days, refund.interest_fen = (
        owed.rate_bp, owed.days, owed.fen)
    session.flush()
    supervision.resolve_deadline(session, ALERT_KIND, refund_subject(refund.id), "refunded")
    supervision.record(session, actor, "security.refunded", refund_subject(refund.id), {
        "refund": str(refund.id), "payment": str(payment.id), "bank_serial": serial,
        "late": now > refund.due_at, "principal_fen": refund.amount_fen,
        "interest_fen": owed.fen, "interest_rate_bp": owed.rate_bp,
        "interest_days": owed.days, "trade_date": payment.trade_date.isoformat(),
        "paid_on": clock.legal_day(now).isoformat()})
    return refund


def interest_on(refund: SecurityRefund, payment: SecurityPayment,
                at: dt.datetime) -> interest.Interest:
    """Regs §57: the interest on the refund if paid on ``at``'s Beijing day (fixed on the record
    once paid; before that, what staff would add today)."""
    if refund.interest_fen is not None and refund.interest_days is not None:
        return interest.Interest(refund.interest_rate_bp or 0, refund.interest_days,
                                 refund.interest_fen)
    return interest.interest(refund.amount_fen, payment.trade_date, clock.legal_day(at),
                             config.security_deposit_rate_bp())


def due(session: Session, limit: int = 500) -> list[tuple[SecurityRefund, SecurityPayment]]:
    rows = session.execute(select(SecurityRefund, SecurityPayment).join(
        SecurityPayment, SecurityPayment.id == SecurityRefund.payment_id).where(
        SecurityRefund.status == RefundStatus.DUE.value).order_by(SecurityRefund.due_at)
        .limit(limit))
    return [(refund, payment) for refund, payment in rows]


def of_payments(session: Session, payment_ids: list[uuid.UUID]) -> dict[uuid.UUID, SecurityRefund]:
    if not payment_ids:
        return {}
    return {r.payment_id: r for r in session.scalars(select(SecurityRefund).where(
        SecurityRefund.payment_id.in_(payment_ids)))}
