"""The bidders' security per section for the tender's managers (the tenderee's people and
staff), after the opening: the page ``/bidding/tenders/<id>/security/bidders`` and
``GET /api/v1/tenders/{tender}/security`` (``getTenderSecurity``). Before the opening: 403
(``overview.check_opened``), counted like any refusal."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import msgspec
from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template

from bidding.lookup import get_tender
from bidding.security import interest, overview
from bidding.web import API, MANAGERS, check_manager, user_of, yuan
from trading import clock, db
from trading.intake import refusals
from trading.web import render

PAGE = "/bidding/tenders/{tender_id:uuid}/security/bidders"


class RefundRow(msgspec.Struct):
    reason: str
    status: str
    principal_fen: int
    interest_fen: int
    interest_days: int
    interest_rate_bp: int
    interest_fixed: bool  # paid: fixed on the record; due: as if paid today
    due_at: dt.datetime
    refunded_at: dt.datetime | None


class BidderOut(msgspec.Struct):
    organization_id: str
    bidder: str
    status: str  # paid | guarantee | unpaid
    due_fen: int
    received_fen: int  # traded by the deadline's day
    late_fen: int
    paid_fen: int
    guarantee_letters: int
    refunds: list[RefundRow]


class SectionOut(msgspec.Struct):
    section_id: str
    number: int
    name: str
    bid_security_fen: int
    bidders: list[BidderOut]


def _gather(request: Request[Any, Any, Any],
            tender_id: uuid.UUID) -> tuple[Any, list[overview.SectionRows], dt.datetime]:
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        check_manager(user_of(request), tender)
        now = clock.now(session)
        found = overview.of_tender(session, tender, now)
        session.expunge_all()
        return tender, found, now


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> Template:
    tender, sections, now = _gather(request, tender_id)
    return render(request, "bidding/security/tenderee.html", tender=tender, sections=sections,
                  yuan=yuan, rate=interest.percent, now=now)


@get(PAGE, include_in_schema=False, guards=[MANAGERS])
async def bidders_page(request: Request[Any, Any, Any],
                       tender_id: FromPath[uuid.UUID]) -> Template:
    return await refusals.call(request, _page, tender_id)


def _bidder(row: overview.BidderRow) -> BidderOut:
    s = row.security
    return BidderOut(str(row.bidder_id), row.name, row.label, s.due_fen, s.received_fen,
                     s.late_fen, row.paid_fen, len([g for g in row.letters if g.withdrawn_at is None]),
                     [RefundRow(r.refund.reason, r.refund.status, r.refund.amount_fen,
                                r.interest.fen, r.interest.days, r.interest.rate_bp,
                                r.refund.interest_fen is not None, r.refund.due_at,
                                r.refund.refunded_at) for r in row.refunds])


def _api(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> list[SectionOut]:
    _tender, sections, _now = _gather(request, tender_id)
    return [SectionOut(str(s.section.id), s.section.number, s.section.name,
                       s.section.bid_security_fen, [_bidder(r) for r in s.rows])
            for s in sections]


@get(f"{API}/tenders/{{tender_id:uuid}}/security", operation_id="getTenderSecurity",
     guards=[MANAGERS],
     summary="After the opening: each bidder's security per section (paid / guarantee / unpaid) "
     "and its refunds with interest (the tender's managers; 403 before the opening)")
async def tender_security(request: Request[Any, Any, Any],
                          tender_id: FromPath[uuid.UUID]) -> list[SectionOut]:
    return await refusals.call(request, _api, tender_id)


ROUTES = [bidders_page, tender_security]
