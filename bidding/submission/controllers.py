"""The submission JSON API: the streamed bid upload answered with a signed receipt
(``ggzy bid submit``), withdrawal, one's own bids and the platform's receipt key."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, delete, get, put
from litestar.params import FromQuery

from bidding.models import Bid
from bidding.openapi import RECEIPT_KEY_RESPONSES, SUBMIT_BID_RESPONSES, SubmitBidOperation
from bidding.schemas import BidOut
from bidding.sealing.crypto import receipts
from bidding.sealing.crypto.common import b64encode
from bidding.submission import intake
from bidding.submission.upload import receive_bid
from bidding.web import API, BIDDERS, user_of
from trading import db
from trading.web import actor_of, blocking

# --- bids ----------------------------------------------------------------------------------


@put(f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/bid",
     operation_id="submitBid", guards=[BIDDERS], request_max_body_size=None, status_code=201,
     summary="Submit (or replace) a sealed bid: the raw envelope, streamed; answers the receipt",
     operation_class=SubmitBidOperation, responses=SUBMIT_BID_RESPONSES)
async def submit_bid(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                     section_id: FromQuery[uuid.UUID]) -> Response[dict[str, Any]]:
    accepted = await receive_bid(request, tender_id, section_id)
    return Response(content=accepted.document, status_code=201)


def _withdraw(request: Request[Any, Any, Any], tender_id: uuid.UUID,
              section_id: uuid.UUID) -> dict[str, str]:
    with db.transaction() as session:
        bid = intake.withdraw(session, actor_of(request), user_of(request), tender_id,
                              section_id)
        return {"bid_id": str(bid.id), "status": bid.status}


@delete(f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/bid",
        operation_id="withdrawBid", guards=[BIDDERS], status_code=200,
        summary="Withdraw the bidder's live bid for the section (before the deadline)")
async def withdraw_bid(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID],
                       section_id: FromQuery[uuid.UUID]) -> dict[str, str]:
    return await blocking(_withdraw, request, tender_id, section_id)


def bid_out(bid: Bid, log_index: int | None) -> BidOut:
    return BidOut(str(bid.id), str(bid.section_id), bid.status, bid.envelope_sha256, bid.size,
                  bid.submitted_at, bid.log_promise, log_index,
                  receipts.Receipt.from_json(bid.receipt).to_dict())


def _my_bids(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> list[BidOut]:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        bids = intake.bids_of_bidder(session, tender_id, org.id)
        positions = intake.log_positions(session, bids)
        return [bid_out(b, positions.get(b.id)) for b in bids]


@get(f"{API}/tenders/{{tender_id:uuid}}/my-bids", operation_id="listMyBids", guards=[BIDDERS],
     summary="The caller's own bids for the tender, with their receipts")
async def my_bids(request: Request[Any, Any, Any], tender_id: FromQuery[uuid.UUID]) -> list[BidOut]:
    return await blocking(_my_bids, request, tender_id)


@get(f"{API}/receipts/public-key", operation_id="getReceiptPublicKey",
     summary="The platform's receipt-signing public key (raw Ed25519, base64)",
     responses=RECEIPT_KEY_RESPONSES)
async def receipt_public_key() -> dict[str, str]:
    public = await blocking(receipts.platform_receipt_public_key)
    return {"public_key_b64": b64encode(public), "key_id": receipts.key_id_of(public)}


ROUTES = [submit_bid, withdraw_bid, my_bids, receipt_public_key]
