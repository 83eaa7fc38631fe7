"""The room's forms for the committee's price adjustments (lowest evaluated price method): the
chair records one (bid, up or down, amount in yuan, reason) or withdraws one, confirmed."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, post
from litestar.params import FromPath
from litestar.response import Template

from bidding.evaluation import adjustments
from bidding.evaluation.views import BASE, room_action
from bidding.tendering.views import parse_yuan
from bidding.web import Form, parse_uuid, user_of
from trading.accounts.models import Role
from trading.errors import UserError
from trading.params import RowId
from trading.web import actor_of, blocking, requires_role

EXPERTS = requires_role(Role.EXPERT)
DIRECTIONS = {"up": 1, "down": -1}


@post(f"{BASE}/price-adjustments", include_in_schema=False, guards=[EXPERTS])
async def adjust_price(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    """The chair records one of the committee's price adjustments (第三十二条)."""
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        bid_id = parse_uuid(str(data.get("bid", "")), "bid")
        sign = DIRECTIONS.get(str(data.get("direction", "")))
        if sign is None:
            raise UserError("请选择调增或调减", "Choose up or down", field="direction")
        amount = parse_yuan(str(data.get("amount", "")), "amount")
        adjustments.adjust(session, actor, user.id, tender_id, section_id, bid_id, sign * amount,
                           str(data.get("reason", "")))
    return await blocking(room_action, request, tender_id, section_id, act, "adjusted")


@post(f"{BASE}/price-adjustments/{{adjustment_id:int}}/withdraw", include_in_schema=False,
      guards=[EXPERTS])
async def withdraw_adjustment(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                              section_id: FromPath[uuid.UUID], adjustment_id: FromPath[RowId],
                              data: Form) -> Response[Any] | Template:
    """The chair withdraws an adjustment; destructive, so the form's checkbox must be ticked."""
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        if data.get("confirm") != "1":
            raise UserError("请勾选确认撤回该项价格调整", "Tick the box to confirm the withdrawal",
                            field="confirm")
        adjustments.withdraw(session, actor, user.id, tender_id, section_id, adjustment_id)
    return await blocking(room_action, request, tender_id, section_id, act,
                          "adjustment_withdrawn")


ROUTES = [adjust_price, withdraw_adjustment]
