"""The bidder's receipt as a printable page (issue 13): project, section, company, Beijing
times, digest, the log promise and, once appended, the log index; the signed JSON as a
download (``/bids/{id}/receipt.json``); and a check in the browser (receipt-check.js) of the
platform's Ed25519 signature and of the entry's inclusion in a signed checkpoint of the log.

Only the bidder organization that made the bid sees it: another bidder gets 404 (the bid's
existence is not told), another role 403.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from typing import Any

from litestar import Request, get
from litestar.params import FromPath
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding.models import Bid, Section, Tender
from bidding.submission import intake
from bidding.web import BIDDERS, user_of
from supervision import services as supervision
from trading import db
from trading.accounts.models import Organization
from trading.errors import NotFoundError
from trading.web import blocking, render


@dataclass(frozen=True)
class ReceiptView:
    """What the receipt page shows; the times are the signed receipt's own."""

    bid: Bid
    tender: Tender
    section: Section
    company: str
    receipt: dict[str, Any]
    server_time: dt.datetime
    deadline: dt.datetime | None
    log_promise: int | None
    log_index: int | None


def parse_time(value: object) -> dt.datetime | None:
    """A receipt's ``…Z`` UTC time as an aware datetime (shown in Beijing time by the page)."""
    if not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def own_bid(session: Session, bid_id: uuid.UUID, bidder_id: uuid.UUID) -> Bid:
    """The bid if it is this bidder organization's, else "not found" (never "forbidden":
    whether another bidder's bid exists is not told)."""
    bid = session.get(Bid, bid_id)
    if bid is None or bid.bidder_id != bidder_id:
        raise NotFoundError("投标", "Bid")
    return bid


def receipt_view(session: Session, bid_id: uuid.UUID, bidder_id: uuid.UUID) -> ReceiptView:
    bid = own_bid(session, bid_id, bidder_id)
    tender = session.get(Tender, bid.tender_id)
    section = session.get(Section, bid.section_id)
    org = session.get(Organization, bid.bidder_id)
    assert tender is not None and section is not None
    receipt: dict[str, Any] = json.loads(bid.receipt)
    fields = receipt.get("fields") or {}
    promise = fields.get("log_promise")
    return ReceiptView(
        bid=bid, tender=tender, section=section, company=org.name if org else "—",
        receipt=receipt, server_time=parse_time(fields.get("server_time")) or bid.submitted_at,
        deadline=parse_time(fields.get("deadline")) or tender.deadline,
        log_promise=promise if isinstance(promise, int) else bid.log_promise,
        log_index=intake.log_positions(session, [bid]).get(bid.id))


# --- the entry's proof, for the browser's check ----------------------------------------------


def entry_proof(session: Session, bid_id: uuid.UUID, bidder_id: uuid.UUID) -> dict[str, Any]:
    """The bid's ``bid.submitted`` entry with its RFC 9162 audit path to the newest signed
    checkpoint, for the bidder's own bid. ``state``: ``pending`` (promised, not appended yet),
    ``unsigned`` (appended, no signed checkpoint covers it yet) or ``proven``. The live log
    size is never told: only the newest checkpoint's."""
    bid = own_bid(session, bid_id, bidder_id)
    index = intake.log_positions(session, [bid]).get(bid.id)
    if index is None:
        return {"state": "pending", "log_promise": bid.log_promise}
    signed = supervision.latest_checkpoint(session)
    if signed is None or index >= signed.size:
        return {"state": "unsigned", "log_promise": bid.log_promise, "log_index": index}
    entry = supervision.get_entry(session, index)
    assert entry is not None
    path = supervision.inclusion_proof(session, index, signed.size)
    return {"state": "proven", "log_promise": bid.log_promise, "log_index": index,
            "tree_size": signed.size, "canonical_entry": entry.canonical.decode(),
            "audit_path": [p.hex() for p in path], "checkpoint": signed.note}


# --- routes --------------------------------------------------------------------------------


def _page(request: Request[Any, Any, Any], bid_id: uuid.UUID) -> Template:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        view = receipt_view(session, bid_id, org.id)
        return render(request, "bidding/receipt.html", view=view)


@get("/bids/{bid_id:uuid}/receipt", include_in_schema=False, guards=[BIDDERS])
async def receipt_page(request: Request[Any, Any, Any], bid_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_page, request, bid_id)


def _proof(request: Request[Any, Any, Any], bid_id: uuid.UUID) -> dict[str, Any]:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        return entry_proof(session, bid_id, org.id)


@get("/bids/{bid_id:uuid}/receipt/proof", include_in_schema=False, guards=[BIDDERS])
async def receipt_proof(request: Request[Any, Any, Any],
                        bid_id: FromPath[uuid.UUID]) -> dict[str, Any]:
    return await blocking(_proof, request, bid_id)


ROUTES = [receipt_page, receipt_proof]
