"""The page where a draft tender's manager picks and adjusts the evaluation method."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from bidding import lookup, web
from bidding.evaluation import plans, presets
from bidding.evaluation.methods import Method, Mode
from bidding.models import Tender
from bidding.web import MANAGERS, Form, user_of
from trading import db
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render


def _current(tender: Tender) -> tuple[str, Method]:
    method = plans.method_of(tender)
    key = presets.preset_for(tender.evaluation_method, tender.category)
    return key, method if method is not None else presets.preset(key)


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
          error: UserError | None = None) -> Template:
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        web.check_manager(user_of(request), tender)
        key, method = _current(tender)
    scored = [c for c in method.criteria() if c.mode != Mode.PASS_FAIL]
    lang = language(request)
    return render(request, "bidding/evaluation/method_edit.html", status_code=status,
                  tender=tender, preset_key=key, method_presets=presets.PRESETS, scored=scored,
                  price=method.price, lines=presets.describe(method, lang), number=presets.number,
                  error=error.message(lang) if error else None,
                  error_field=error.field if error else None)


@get("/bidding/tenders/{tender_id:uuid}/evaluation-method", include_in_schema=False,
     guards=[MANAGERS])
async def method_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_page, request, tender_id)


def _save(request: Request[Any, Any, Any], tender_id: uuid.UUID,
          data: dict[str, str]) -> Response[Any] | Template:
    try:
        with db.transaction() as session:
            tender = lookup.get_tender(session, tender_id)
            web.check_manager(user_of(request), tender)
            chosen = str(data.get("preset", ""))
            if chosen not in presets.PRESETS:
                raise UserError("请选择评标办法", "Choose an evaluation method", field="preset")
            same = chosen == _current(tender)[0]
            points = {k[len("points_"):]: str(v) for k, v in data.items()
                      if k.startswith("points_")} if same else {}
            price = {k: str(data[f"price_{k}"]) for k in ("points", "coefficient")
                     if same and str(data.get(f"price_{k}", "")).strip()}
            plans.set_method(session, actor_of(request), tender_id, chosen, points, price)
    except UserError as error:
        if error.status == 403:
            raise
        return _page(request, tender_id, error.status, error)
    return redirect(f"/bidding/tenders/{tender_id}?done=method_set")


@post("/bidding/tenders/{tender_id:uuid}/evaluation-method", include_in_schema=False,
      guards=[MANAGERS])
async def method_save(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      data: Form) -> Response[Any] | Template:
    return await blocking(_save, request, tender_id, data)


ROUTES = [method_page, method_save]
