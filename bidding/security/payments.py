"""Incoming security payments: recorded from the bank (statement file or gateway), held sealed
until the close, matched there by sub-account to bidder and section; what stays unmatched is
listed for staff, who return it with a logged reason.

A payment is one credit: bank serial number (unique: the same credit twice is refused), trade
date, payer name and account, amount in fen, and the sub-account it was paid into."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.lookup import get_section, subject
from bidding.models import Bid, BidStatus, Tender
from bidding.security import refunds, releases, subaccounts, vault
from bidding.security.models import (
    GuaranteeLetter,
    PaymentStatus,
    RefundReason,
    SecurityAccount,
    SecurityPayment,
)
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

MAX_NAME = 200
MAX_ACCOUNT = 40
MAX_SERIAL = 64
MAX_REASON = 500
_ACCOUNT = re.compile(r"^[0-9]{6,40}$")
_SERIAL = re.compile(r"^[0-9A-Za-z_-]{4,64}$")
#: A security is at most 2 % of an estimate; more than 10^12 fen (10 billion yuan) is a typo.
MAX_AMOUNT_FEN = 10**12


def payment_subject(payment_id: uuid.UUID) -> str:
    return f"security-payment/{payment_id}"


@dataclass(frozen=True)
class PaymentInput:
    trade_date: dt.date
    payer_name: str
    payer_account: str
    amount_fen: int
    bank_serial: str
    sub_account: str


def parse_yuan(text: str, field: str = "amount") -> int:
    """``1234.56`` yuan (commas allowed) as fen; refused unless positive with ≤ 2 decimals."""
    value = (text or "").strip().replace(",", "")
    match = re.fullmatch(r"([0-9]{1,13})(?:\.([0-9]{1,2}))?", value)
    if match is None:
        raise UserError("金额应为正数，最多两位小数（单位：元）",
                        "The amount is a positive number of yuan with at most 2 decimals",
                        field=field)
    fen = int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))
    return check_amount(fen, field)


def check_amount(fen: int, field: str = "amount") -> int:
    if fen <= 0 or fen > MAX_AMOUNT_FEN:
        raise UserError("金额应大于零且不超过一百亿元", "The amount must be above zero and "
                        "at most 10 billion yuan", field=field)
    return fen


def check_input(session: Session, *, trade_date: str | dt.date, payer_name: str,
                payer_account: str, amount_fen: int, bank_serial: str,
                sub_account: str) -> PaymentInput:
    """Every field checked, with the field named when refused."""
    if isinstance(trade_date, str):
        try:
            trade_date = dt.date.fromisoformat(trade_date.strip())
        except ValueError as error:
            raise UserError("交易日期格式应为 YYYY-MM-DD", "The trade date is YYYY-MM-DD",
                            field="trade_date") from error
    if trade_date > clock.legal_day(clock.now(session)):
        raise UserError("交易日期不能晚于今天", "The trade date cannot be in the future",
                        field="trade_date")
    name = (payer_name or "").strip()
    if not name or len(name) > MAX_NAME:
        raise UserError(f"付款人名称不能为空，最多 {MAX_NAME} 字", f"The payer's name is required "
                        f"(at most {MAX_NAME} characters)", field="payer_name")
    account = re.sub(r"[\s-]", "", payer_account or "")
    if not _ACCOUNT.match(account):
        raise UserError("付款人账号应为 6–40 位数字", "The payer's account is 6–40 digits",
                        field="payer_account")
    serial = (bank_serial or "").strip()
    if not _SERIAL.match(serial):
        raise UserError("银行流水号应为 4–64 位字母、数字、- 或 _",
                        "The bank serial number is 4–64 letters, digits, - or _",
                        field="bank_serial")
    return PaymentInput(trade_date, name, account, check_amount(amount_fen), serial,
                        subaccounts.normalise(sub_account))


def refuse_duplicate(session: Session, serial: str) -> None:
    if session.scalar(select(SecurityPayment.id).where(SecurityPayment.bank_serial == serial)):
        raise ConflictError(f"银行流水号 {serial} 已登记过，同一笔到账不能登记两次",
                            f"Bank serial {serial} is already recorded: a credit is recorded once",
                            field="bank_serial")


def record_payment(session: Session, actor: Actor, data: PaymentInput,
                   source: str) -> SecurityPayment:
    """Record one credit (sealed); matched at once when its sub-account is already registered
    (a payment arriving after the close)."""
    refuse_duplicate(session, data.bank_serial)
    payment = SecurityPayment(
        bank_serial=data.bank_serial, sub_account=data.sub_account, trade_date=data.trade_date,
        received_at=clock.now(session), source=source, status=PaymentStatus.UNMATCHED.value,
        sealed=vault.seal_json(vault.PAYER, {"payer_name": data.payer_name,
                                       "payer_account": data.payer_account,
                                       "amount_fen": data.amount_fen}))
    session.add(payment)
    session.flush()
    # Neither payer nor amount nor sub-account in the log before the match: they would tell
    # a reader of the log who pays a security of which size.
    supervision.record(session, actor, "security.payment_recorded", payment_subject(payment.id),
                       {"payment": str(payment.id), "bank_serial": payment.bank_serial,
                        "trade_date": payment.trade_date.isoformat(), "source": source})
    account = session.get(SecurityAccount, payment.sub_account)
    if account is not None:
        _match(session, actor, payment, account)
    return payment


def _match(session: Session, actor: Actor, payment: SecurityPayment,
           account: SecurityAccount) -> None:
    if payment.status != PaymentStatus.UNMATCHED.value:
        raise ConflictError("该笔到账已匹配或已处理，不能再次匹配",
                            "This payment is already matched or resolved", field="payment")
    vault.unseal(payment)
    now = clock.now(session)
    payment.status, payment.matched_at = PaymentStatus.MATCHED.value, now
    payment.section_id, payment.bidder_id = account.section_id, account.bidder_id
    session.flush()
    supervision.record(session, actor, "security.payment_matched", subject(account.tender_id), {
        "payment": str(payment.id), "bank_serial": payment.bank_serial,
        "section": str(account.section_id), "bidder": str(account.bidder_id),
        "amount_fen": payment.amount_fen, "trade_date": payment.trade_date.isoformat()})
    section = get_section(session, account.tender_id, account.section_id)
    if not _bid_live(session, account):
        # A bidder that withdrew before the close: refunded like a withdrawal, within
        # 5 days of the match (the withdrawal itself could not name the payment).
        refunds.owe(session, actor, payment, RefundReason.WITHDRAWAL, now)
    elif section.failed:  # the section is not opened; nothing to secure any more
        refunds.owe(session, actor, payment, RefundReason.FAILED, now)


def _bid_live(session: Session, account: SecurityAccount) -> bool:
    return session.scalar(select(Bid.id).where(
        Bid.section_id == account.section_id, Bid.bidder_id == account.bidder_id,
        Bid.status == BidStatus.SUBMITTED.value).limit(1)) is not None


def register_at_close(session: Session, actor: Actor, tender_id: uuid.UUID) -> int:
    """At the close: register the sub-account of every organization that bid (a live or a
    withdrawn bid), then match the payments and guarantee letters held for them."""
    now = clock.now(session)
    pairs = {(section_id, bidder_id) for section_id, bidder_id in session.execute(
        select(Bid.section_id, Bid.bidder_id).where(Bid.tender_id == tender_id))}
    registered = []
    for section_id, bidder_id in sorted(pairs, key=str):
        number = subaccounts.sub_account(section_id, bidder_id)
        if session.get(SecurityAccount, number) is not None:
            continue  # an 11-digit collision with an earlier tender's bidder: matched by staff
        session.add(SecurityAccount(sub_account=number, tender_id=tender_id,
                                    section_id=section_id, bidder_id=bidder_id,
                                    registered_at=now))
        registered.append({"sub_account": number, "section": str(section_id),
                           "bidder": str(bidder_id)})
    session.flush()
    supervision.record(session, actor, "security.accounts_registered", subject(tender_id),
                       {"accounts": registered})
    for entry in registered:
        account = session.get(SecurityAccount, entry["sub_account"])
        assert account is not None
        held = session.scalars(select(SecurityPayment).where(
            SecurityPayment.sub_account == account.sub_account,
            SecurityPayment.status == PaymentStatus.UNMATCHED.value)
            .order_by(SecurityPayment.received_at, SecurityPayment.id))
        for payment in list(held):
            _match(session, actor, payment, account)
        for letter in session.scalars(select(GuaranteeLetter).where(
                GuaranteeLetter.sub_account == account.sub_account,
                GuaranteeLetter.section_id.is_(None))):
            letter.section_id, letter.bidder_id = account.section_id, account.bidder_id
    session.flush()
    for section in {get_section(session, tender_id, uuid.UUID(e["section"])) for e in registered}:
        if section.failed:  # as a payment is refunded, a letter is released
            releases.release_section(session, actor, section.id, RefundReason.FAILED, set())
    return len(registered)


def unmatched(session: Session, limit: int = 500) -> list[SecurityPayment]:
    return list(session.scalars(select(SecurityPayment).where(
        SecurityPayment.status == PaymentStatus.UNMATCHED.value)
        .order_by(SecurityPayment.received_at).limit(limit)))


def matched_of_section(session: Session, section_id: uuid.UUID) -> list[SecurityPayment]:
    return list(session.scalars(select(SecurityPayment).where(
        SecurityPayment.section_id == section_id).order_by(SecurityPayment.trade_date)))


def return_unmatched(session: Session, actor: Actor, payment_id: uuid.UUID,
                     reason: str) -> SecurityPayment:
    """Staff: a payment no bid claims (after the close, or paid in error) goes back to its
    payer; the reason is logged, and a refund is owed within 5 days."""
    text = (reason or "").strip()
    if not text or len(text) > MAX_REASON:
        raise UserError(f"请填写处理理由（最多 {MAX_REASON} 字）",
                        f"Give the reason (at most {MAX_REASON} characters)", field="reason")
    payment = session.get(SecurityPayment, payment_id, with_for_update=True)
    if payment is None:
        raise NotFoundError("到账记录", "Payment")
    if payment.status != PaymentStatus.UNMATCHED.value:
        raise ConflictError("该笔到账已匹配或已处理", "This payment is already matched or "
                            "resolved", field="payment")
    vault.unseal(payment)
    payment.status, payment.resolution = PaymentStatus.RETURNED.value, text
    session.flush()
    # Opening a held payment is logged with its reason: staff see the payer only this way.
    supervision.record(session, actor, "security.payment_returned", payment_subject(payment.id),
                       {"payment": str(payment.id), "bank_serial": payment.bank_serial,
                        "reason": text})
    refunds.owe(session, actor, payment, RefundReason.RETURNED, clock.now(session))
    return payment


def own_payments(session: Session, section_id: uuid.UUID,
                 bidder_id: uuid.UUID) -> list[SecurityPayment]:
    """The bidder's own payments into its sub-account for the section (opened for it only)."""
    number = subaccounts.sub_account(section_id, bidder_id)
    rows = list(session.scalars(select(SecurityPayment).where(
        SecurityPayment.sub_account == number).order_by(SecurityPayment.trade_date)))
    for row in rows:
        if row.amount_fen is None:  # shown to its bidder, never written back before the close
            value = vault.open_json(vault.PAYER, row.sealed)
            session.expunge(row)
            row.payer_name, row.amount_fen = str(value["payer_name"]), int(value["amount_fen"])
            row.payer_account = str(value["payer_account"])
    return rows


def deadline_day(tender: Tender) -> dt.date | None:
    return clock.legal_day(tender.deadline) if tender.deadline else None


def section_of(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> None:
    get_section(session, tender_id, section_id)
