"""The printable release of a guarantee letter (保函解除函): for staff and the tender's tenderee
at ``/bidding/security/releases/<id>``, for the bidder that handed the letter in at
``/bidding/tenders/<tender>/security/releases/<id>`` (found by its own sub-accounts, so that
before the deadline nothing names another bidder's letter: another's answers 404)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding.lookup import get_tender, sections_of
from bidding.models import Section, Tender
from bidding.rules import cite
from bidding.security import releases, subaccounts
from bidding.security.models import GuaranteeLetter, GuaranteeRelease, RefundReason
from bidding.submission.intake import bidder_org
from bidding.web import BIDDERS, user_of
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import NotFoundError, UserError
from trading.intake import refusals
from trading.web import language, render, requires_role

DESK_READERS = requires_role(Role.STAFF, Role.TENDEREE)


def _found(session: Session, release_id: uuid.UUID) -> tuple[GuaranteeRelease, GuaranteeLetter]:
    row = session.get(GuaranteeRelease, release_id)
    letter = session.get(GuaranteeLetter, row.letter_id) if row is not None else None
    if row is None or letter is None:
        raise NotFoundError("保函解除函", "Guarantee release")
    return row, letter


def _render(request: Request[Any, Any, Any], row: GuaranteeRelease, back: str) -> Template:
    rule = "R-16-W" if row.reason == RefundReason.WITHDRAWAL.value else "R-16-A"
    return render(request, "bidding/security/release.html", row=row, c=row.content,
                  valid=releases.verify(row), local=clock.format_local, back=back,
                  basis=cite(rule, language(request)))


def _desk_page(request: Request[Any, Any, Any], release_id: uuid.UUID) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        row, letter = _found(session, release_id)
        if Role.STAFF.value not in user.roles:
            section = session.get(Section, letter.section_id) if letter.section_id else None
            tender = session.get(Tender, section.tender_id) if section else None
            if tender is None or tender.tenderee_org_id != user.organization_id:
                raise UserError("您无权查看该保函解除函", "You may not see this release",
                                status=403, code="forbidden")
            return _render(request, row, f"/bidding/tenders/{tender.id}/security/bidders")
        return _render(request, row, "/bidding/security")


@get("/bidding/security/releases/{release_id:uuid}", include_in_schema=False,
     guards=[DESK_READERS])
async def desk_release(request: Request[Any, Any, Any],
                       release_id: FromPath[uuid.UUID]) -> Template:
    return await refusals.call(request, _desk_page, release_id)


def _bidder_page(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                 release_id: uuid.UUID) -> Template:
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        org = bidder_org(session, user_of(request))
        row, letter = _found(session, release_id)
        own = {subaccounts.sub_account(s.id, org.id) for s in sections_of(session, tender.id)}
        if letter.sub_account not in own:
            raise NotFoundError("保函解除函", "Guarantee release")
        return _render(request, row, f"/bidding/tenders/{tender_id}/security")


@get("/bidding/tenders/{tender_id:uuid}/security/releases/{release_id:uuid}",
     include_in_schema=False, guards=[BIDDERS])
async def bidder_release(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         release_id: FromPath[uuid.UUID]) -> Template:
    return await refusals.call(request, _bidder_page, tender_id, release_id)


ROUTES = [desk_release, bidder_release]
