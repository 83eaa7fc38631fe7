"""The committee's price adjustments through the JSON API (lowest evaluated price method): the
chair records one (direction and amount in fen, reason) or withdraws one; the price comparison
table is in the summary and the report (``standings``)."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, delete, post
from litestar.params import FromPath, JSONBody

from bidding.evaluation import adjustments
from bidding.evaluation.schemas import AdjustmentIn, AdjustmentOut
from bidding.web import API, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.params import RowId
from trading.web import actor_of, blocking, requires_role

EXPERTS = requires_role(Role.EXPERT)
ROOM = f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/evaluation"
DIRECTIONS = {"up": 1, "down": -1}


def _adjust(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
            data: AdjustmentIn) -> AdjustmentOut:
    sign = DIRECTIONS.get(data.direction)
    if sign is None:
        raise UserError("direction 应为 up（调增）或 down（调减）", "direction is up or down",
                        field="direction")
    with db.transaction() as session:
        found = adjustments.adjust(session, actor_of(request), user_of(request).id, tender_id,
                                   section_id, parse_uuid(data.bid_id, "bid_id"),
                                   sign * data.amount_fen, data.reason)
    return AdjustmentOut(found.id, str(found.bid_id), found.amount_fen, found.reason)


@post(f"{ROOM}/price-adjustments", operation_id="adjustBidPrice", guards=[EXPERTS],
      status_code=201, summary="The chair records a price adjustment of a bid for the committee "
      "(lowest evaluated price method, 评标委员会和评标方法暂行规定第三十二条): up or down, in fen, "
      "with the reason; refused on a comprehensive-scoring tender, a rejected bid, once signed")
async def adjust_price(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID],
                       data: JSONBody[AdjustmentIn]) -> AdjustmentOut:
    return await blocking(_adjust, request, tender_id, section_id, data)


def _withdraw(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
              adjustment_id: int) -> None:
    with db.transaction() as session:
        adjustments.withdraw(session, actor_of(request), user_of(request).id, tender_id,
                             section_id, adjustment_id)


@delete(f"{ROOM}/price-adjustments/{{adjustment_id:int}}", operation_id="withdrawPriceAdjustment",
        guards=[EXPERTS], status_code=204,
        summary="The chair withdraws a price adjustment (before any signature of the report)")
async def withdraw_adjustment(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                              section_id: FromPath[uuid.UUID],
                              adjustment_id: FromPath[RowId]) -> None:
    await blocking(_withdraw, request, tender_id, section_id, adjustment_id)


ROUTES = [adjust_price, withdraw_adjustment]
