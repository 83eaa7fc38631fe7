"""The bidder's page: sealing a bid in the browser (seal.js), its upload, receipts and
withdrawal; the page also shows the opening's key-half window and takes backups and halves
(their handlers are the opening's pages)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

from litestar import Request, Response, get, post, put
from litestar.params import FromPath
from litestar.response import Template

from bidding import config, lookup
from bidding.models import Tender, TenderState
from bidding.opening import halves
from bidding.sealing.crypto.common import b64encode
from bidding.submission import intake
from bidding.submission.upload import receive_bid
from bidding.web import BIDDERS, Form, user_of, yuan
from trading import clock, db
from trading.errors import UserError
from trading.i18n import translate
from trading.web import actor_of, blocking, language, redirect, render

# --- the bidder's page ---------------------------------------------------------------------


def closed_reason(tender: Tender, now: dt.datetime) -> str | None:
    """Why the bid form takes no bid now (a message key), or None while bids are taken."""
    if tender.state == TenderState.FAILED.value:
        return "bidding.closed.failed"
    if tender.state == TenderState.CANCELLED.value:
        return "bidding.closed.cancelled"
    if tender.state in (TenderState.OPENED.value, TenderState.EVALUATED.value,
                        TenderState.AWARDED.value):
        return "bidding.closed.opened"
    if tender.state != TenderState.PUBLISHED.value or (
            tender.deadline is not None and now >= tender.deadline):
        return "bidding.closed.deadline"
    return None


def render_bid_page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
              error: str | None = None, success: str | None = None) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        org = intake.bidder_org(session, user)
        tender = lookup.get_tender(session, tender_id)
        if tender.state == TenderState.DRAFT.value:
            raise UserError("招标项目不存在", "Tender not found", status=404, code="not_found")
        bids = intake.bids_of_bidder(session, tender_id, org.id)
        now = clock.now(session)
        return render(
            request, "bidding/bid.html", status_code=status, error=error, success=success,
            tender=tender, closed=closed_reason(tender, now), max_bid_bytes=config.max_bid_bytes(),
            sections=lookup.sections_of(session, tender_id), bids=bids, bidder_id=org.id,
            public_key_b64=b64encode(tender.opening_public_key or b""), yuan=yuan,
            names=intake.section_names(session, tender_id), now=now,
            receipts={b.id: json.loads(b.receipt) for b in bids},
            positions=intake.log_positions(session, bids),
            halves=(halves.half_status(session, tender_id, org.id) if tender.bidder_decrypts
                    else None),
        )


@get("/bidding/tenders/{tender_id:uuid}/bid", include_in_schema=False, guards=[BIDDERS])
async def bid_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    done = "withdrawn" if request.query_params.get("done") == "withdrawn" else None
    return await blocking(render_bid_page, request, tender_id, 200, None, done)


@put("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/bid", include_in_schema=False,
     guards=[BIDDERS], request_max_body_size=None, status_code=201)
async def bid_upload(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID]) -> Response[dict[str, Any]]:
    """The page's upload (seal.js sends the envelope with the X-CSRFToken header)."""
    accepted = await receive_bid(request, tender_id, section_id)
    return Response(content=accepted.document, status_code=201)


def _withdraw(request: Request[Any, Any, Any], tender_id: uuid.UUID,
              section_id: uuid.UUID, data: dict[str, str]) -> Response[Any]:
    if data.get("confirm") != "1":  # a destructive step: the bidder ticks the confirmation
        return render_bid_page(request, tender_id, 400,
                               translate("bidding.withdraw_unconfirmed", language(request)))
    try:
        with db.transaction() as session:
            intake.withdraw(session, actor_of(request), user_of(request), tender_id,
                            section_id)
    except UserError as error:
        return render_bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid?done=withdrawn")


@post("/bidding/tenders/{tender_id:uuid}/sections/{section_id:uuid}/withdraw", include_in_schema=False,
      guards=[BIDDERS])
async def bid_withdraw(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID], data: Form) -> Response[Any]:
    return await blocking(_withdraw, request, tender_id, section_id, data)


def _receipt(request: Request[Any, Any, Any], bid_id: uuid.UUID) -> Response[str]:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        receipt = intake.receipt_of(session, bid_id, org.id)
    return Response(content=json.dumps(receipt, ensure_ascii=False, indent=2),
                    media_type="application/json", headers={
                        "content-disposition": f'attachment; filename="receipt-{bid_id}.json"'})


@get("/bids/{bid_id:uuid}/receipt.json", include_in_schema=False, guards=[BIDDERS])
async def bid_receipt(request: Request[Any, Any, Any], bid_id: FromPath[uuid.UUID]) -> Response[str]:
    return await blocking(_receipt, request, bid_id)


ROUTES = [bid_page, bid_upload, bid_withdraw, bid_receipt]
