"""The bidder's bid-security page (投标保证金): per section its own virtual sub-account, what it
paid into it, its guarantee letter (hand in, withdraw) and its refunds. Only the bidder's own
organization's sub-account is derived here; nothing on the page names another bidder."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding.lookup import get_tender, sections_of
from bidding.models import Section, Tender, TenderState
from bidding.security import guarantees, interest, payments, refunds, releases, subaccounts
from bidding.security.models import (
    GuaranteeLetter,
    GuaranteeRelease,
    SecurityPayment,
    SecurityRefund,
)
from bidding.submission.intake import bidder_org
from bidding.web import BIDDERS, Form, Multipart, read_upload, user_of, yuan
from trading import clock, db
from trading.errors import UserError
from trading.intake import refusals
from trading.web import language, redirect, render

DONE = ("guarantee_added", "guarantee_withdrawn")


@dataclass
class SectionSecurity:
    section: Section
    sub_account: str
    payments: list[SecurityPayment] = field(default_factory=list)
    letters: list[GuaranteeLetter] = field(default_factory=list)
    refunds: dict[uuid.UUID, SecurityRefund] = field(default_factory=dict)
    releases: dict[uuid.UUID, GuaranteeRelease] = field(default_factory=dict)  # by letter

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen or 0 for p in self.payments if p.status != "returned")


def gather(session: Session, tender: Tender, bidder_id: uuid.UUID) -> list[SectionSecurity]:
    found = []
    for section in sections_of(session, tender.id):
        item = SectionSecurity(section, subaccounts.sub_account(section.id, bidder_id),
                               payments.own_payments(session, section.id, bidder_id),
                               guarantees.own_letters(session, section.id, bidder_id))
        item.refunds = refunds.of_payments(session, [p.id for p in item.payments])
        item.releases = releases.of_letters(session, [g.id for g in item.letters])
        found.append(item)
    return found


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID, done: str | None = None,
          error: UserError | None = None) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value:
            raise UserError("招标项目尚未发布", "The tender is not published", status=404,
                            code="not_found")
        org = bidder_org(session, user)
        items = gather(session, tender, org.id)
        now = clock.now(session)
        open_for_letters = (tender.state == TenderState.PUBLISHED.value
                            and tender.deadline is not None and now < tender.deadline)
        default_valid = (guarantees.default_valid_until(tender.deadline)
                         if tender.deadline else None)
        return render(request, "bidding/security/bidder.html",
                      status_code=error.status if error else 200,
                      error=error.message(language(request)) if error else None,
                      done=done if done in DONE else None, tender=tender, items=items,
                      yuan=yuan, rate=interest.percent, readable=subaccounts.readable,
                      open_for_letters=open_for_letters,
                      default_valid=default_valid, max_mib=guarantees.MAX_BYTES // 2**20)


def page_url(tender_id: uuid.UUID) -> str:
    return f"/bidding/tenders/{tender_id}/security"


@get("/bidding/tenders/{tender_id:uuid}/security", include_in_schema=False, guards=[BIDDERS])
async def security_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _page, tender_id, done)


def _valid_until(text: str) -> dt.date | None:
    value = (text or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise UserError("有效期格式应为 YYYY-MM-DD", "The validity is YYYY-MM-DD",
                        field="valid_until") from error


def _add_letter(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
                data: dict[str, Any], upload: tuple[str, str, bytes]) -> Response[Any] | Template:
    user = user_of(request)
    try:
        with db.transaction() as session:
            org = bidder_org(session, user)
            guarantees.upload(session, org.id, tender_id, section_id,
                              issuer=str(data.get("issuer", "")),
                              number=str(data.get("number", "")),
                              valid_until=_valid_until(str(data.get("valid_until", ""))),
                              filename=upload[0], content=upload[2])
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, tender_id, error=error)
    return redirect(f"{page_url(tender_id)}?done=guarantee_added")


@post("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/security/guarantee",
      include_in_schema=False, guards=[BIDDERS],
      request_max_body_size=guarantees.MAX_BYTES + 1024 * 1024)
async def add_letter(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID],
                     data: Multipart) -> Response[Any] | Template:
    try:
        upload = await read_upload(data)
    except UserError as error:
        return await refusals.call(request, _page, tender_id, None, error)
    return await refusals.call(request, _add_letter, tender_id, section_id, data, upload)


def _withdraw_letter(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                     section_id: uuid.UUID, letter_id: uuid.UUID,
                     data: dict[str, str]) -> Response[Any] | Template:
    user = user_of(request)
    try:
        if data.get("confirm") != "yes":
            raise UserError("请勾选确认后再撤回保函", "Tick the confirmation to withdraw the letter",
                            field="confirm")
        with db.transaction() as session:
            org = bidder_org(session, user)
            guarantees.withdraw(session, org.id, tender_id, section_id, letter_id)
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, tender_id, error=error)
    return redirect(f"{page_url(tender_id)}?done=guarantee_withdrawn")


@post("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/security/guarantee/"
      "{letter_id:uuid}/withdraw", include_in_schema=False, guards=[BIDDERS])
async def withdraw_letter(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                          section_id: FromPath[uuid.UUID], letter_id: FromPath[uuid.UUID],
                          data: Form) -> Response[Any] | Template:
    return await refusals.call(request, _withdraw_letter, tender_id, section_id, letter_id, data)


ROUTES = [security_page, add_letter, withdraw_letter]
