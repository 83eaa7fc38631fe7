"""The bidder's workspace page, 我的项目 (no JavaScript needed)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.response import Template

from bidding.web import BIDDERS, user_of, yuan
from bidding.workspace import services
from trading import db
from trading.web import blocking, render


def _page(request: Request[Any, Any, Any]) -> Template:
    with db.read_only() as session:
        files = services.workspace(session, user_of(request))
        return render(request, "bidding/workspace.html", files=files, yuan=yuan)


@get("/bidding/my", include_in_schema=False, guards=[BIDDERS])
async def my_projects(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_page, request)


ROUTES = [my_projects]
