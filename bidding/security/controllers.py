"""Bid security through the JSON API: the bank gateway reports a credit (role ``bank``), a
bidder reads its own sub-account and payments for a section, staff list what no bid claims and
record refunds (to the payer's own account only)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from bidding.lookup import get_section, get_tender
from bidding.models import TenderState
from bidding.security import guarantees, payments, refunds, subaccounts
from bidding.submission.intake import bidder_org
from bidding.web import API, BIDDERS, user_of
from trading import db
from trading.accounts.models import Role
from trading.errors import NotFoundError
from trading.intake import refusals
from trading.params import Fen
from trading.params import text_length as bounded
from trading.web import actor_of, blocking, requires_role

BANK = requires_role(Role.BANK)
STAFF = requires_role(Role.STAFF)
BODY_LIMIT = 16 * 1024


class PaymentIn(msgspec.Struct, forbid_unknown_fields=True):
    trade_date: dt.date
    payer_name: Annotated[str, bounded(payments.MAX_NAME, 1)]
    payer_account: Annotated[str, bounded(payments.MAX_ACCOUNT, 6)]
    amount_fen: Fen
    bank_serial: Annotated[str, bounded(payments.MAX_SERIAL, 4)]
    sub_account: Annotated[str, bounded(32, 16)]


class PaymentOut(msgspec.Struct):
    id: str
    bank_serial: str
    status: str
    received_at: dt.datetime


class RefundIn(msgspec.Struct, forbid_unknown_fields=True):
    to_account: Annotated[str, bounded(payments.MAX_ACCOUNT, 6)]
    bank_serial: Annotated[str, bounded(payments.MAX_SERIAL, 4)]


class RefundOut(msgspec.Struct):
    id: str
    status: str
    amount_fen: int  # the principal
    due_at: dt.datetime
    refunded_at: dt.datetime | None
    # Regs §57: interest at the current-deposit rate, actual/360, fixed when the refund is paid.
    interest_rate_bp: int | None = None
    interest_days: int | None = None
    interest_fen: int | None = None
    total_fen: int | None = None  # principal + interest: what was transferred


class HeldOut(msgspec.Struct):
    id: str
    bank_serial: str
    trade_date: dt.date
    received_at: dt.datetime


class OwnPayment(msgspec.Struct):
    bank_serial: str
    trade_date: dt.date
    amount_fen: int
    status: str


class OwnSecurity(msgspec.Struct):
    section_id: str
    sub_account: str
    due_fen: int
    payments: list[OwnPayment]
    guarantee_letters: int


def _record(request: Request[Any, Any, Any], data: PaymentIn) -> PaymentOut:
    with db.transaction() as session:
        checked = payments.check_input(
            session, trade_date=data.trade_date, payer_name=data.payer_name,
            payer_account=data.payer_account, amount_fen=data.amount_fen,
            bank_serial=data.bank_serial, sub_account=data.sub_account)
        payment = payments.record_payment(session, actor_of(request), checked, "gateway")
        return PaymentOut(str(payment.id), payment.bank_serial, payment.status,
                          payment.received_at)


@post(f"{API}/security/payments", operation_id="recordSecurityPayment", guards=[BANK],
      status_code=201, request_max_body_size=BODY_LIMIT,
      summary="The bank gateway reports one credit to a bid-security sub-account (a bank "
      "serial number is recorded once: 409 the second time)")
async def record_payment(request: Request[Any, Any, Any],
                         data: JSONBody[PaymentIn]) -> PaymentOut:
    return await refusals.call(request, _record, data)


def _own(request: Request[Any, Any, Any], tender_id: uuid.UUID,
         section_id: uuid.UUID) -> OwnSecurity:
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value:
            raise NotFoundError("招标项目", "Tender")
        section = get_section(session, tender_id, section_id)
        org = bidder_org(session, user_of(request))
        own = payments.own_payments(session, section_id, org.id)
        letters = [g for g in guarantees.own_letters(session, section_id, org.id)
                   if g.withdrawn_at is None]
        return OwnSecurity(str(section_id), subaccounts.sub_account(section_id, org.id),
                           section.bid_security_fen,
                           [OwnPayment(p.bank_serial, p.trade_date, p.amount_fen or 0, p.status)
                            for p in own], len(letters))


@get(f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/security",
     operation_id="getMySecurity", guards=[BIDDERS],
     summary="The caller's own virtual sub-account for the section, the security due and what "
     "it paid in")
async def my_security(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      section_id: FromPath[uuid.UUID]) -> OwnSecurity:
    return await refusals.call(request, _own, tender_id, section_id)


def _held() -> list[HeldOut]:
    with db.read_only() as session:
        return [HeldOut(str(p.id), p.bank_serial, p.trade_date, p.received_at)
                for p in payments.unmatched(session)]


@get(f"{API}/security/unmatched", operation_id="listUnmatchedSecurityPayments", guards=[STAFF],
     summary="Payments no bid claims yet (sealed: serial and dates only)")
async def unmatched(request: Request[Any, Any, Any]) -> list[HeldOut]:
    return await blocking(_held)


def _refund(request: Request[Any, Any, Any], refund_id: uuid.UUID, data: RefundIn) -> RefundOut:
    with db.transaction() as session:
        done = refunds.execute(session, actor_of(request), user_of(request).id, refund_id,
                               data.to_account, data.bank_serial)
        return RefundOut(str(done.id), done.status, done.amount_fen, done.due_at,
                         done.refunded_at, done.interest_rate_bp, done.interest_days,
                         done.interest_fen, done.amount_fen + (done.interest_fen or 0))


@post(f"{API}/security/refunds/{{refund_id:uuid}}", operation_id="recordSecurityRefund",
      guards=[STAFF], request_max_body_size=BODY_LIMIT,
      summary="Record a refund's transfer: only to the payer's own account")
async def record_refund(request: Request[Any, Any, Any], refund_id: FromPath[uuid.UUID],
                        data: JSONBody[RefundIn]) -> RefundOut:
    return await refusals.call(request, _refund, refund_id, data)


ROUTES = [record_payment, my_security, unmatched, record_refund]
