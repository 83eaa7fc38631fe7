"""The evaluation report's page (printable, with its SHA-256) and a member's signature."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from bidding.evaluation import marks, presets
from bidding.evaluation import report as reports
from bidding.evaluation import room as rooms
from bidding.web import Form, user_of, yuan
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render, requires_role

EXPERTS = requires_role(Role.EXPERT)
VIEWERS = requires_role(Role.EXPERT, Role.STAFF, Role.REGULATOR)
BASE = "/bidding/evaluation/{tender_id:uuid}/{section_id:uuid}"


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          done: str | None = None, error: UserError | None = None) -> Template:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        member = None
        if not user.has_any({Role.STAFF.value, Role.REGULATOR.value}):
            member = rooms.member_of(session, user.id, tender_id, section_id)
            if not marks.can_see_marks(session, user.id, section_id):
                raise UserError("提交本人评分后方可查看评标报告",
                                "The report shows once you have submitted your marks",
                                status=409, code="not_submitted")
        found = reports.report(session, tender_id, section_id)
        method = rooms.evaluable(session, tender_id, section_id)[2]
        signed = member is not None and member.user_id in reports.live_signatures(
            session, section_id)
        return render(request, "bidding/evaluation/report.html",
                      status_code=error.status if error else 200,
                      error=error.message(lang) if error else None,
                      success=done == "signed", report=found, summary=found.summary,
                      member=member, signed=signed, criteria=marks.markable(method),
                      method_lines=presets.describe(method, lang), yuan=yuan, lang=lang,
                      pledge_basis=rooms.PLEDGE_BASIS, local=clock.format_local,
                      base=f"/bidding/evaluation/{tender_id}/{section_id}")


@get(f"{BASE}/report", include_in_schema=False, guards=[VIEWERS])
async def report_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      section_id: FromPath[uuid.UUID],
                      done: FromQuery[str | None] = None) -> Template:
    return await blocking(_page, request, tender_id, section_id, done)


def _sign(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          data: dict[str, str]) -> Response[Any] | Template:
    user = user_of(request)
    opinion = str(data.get("opinion", ""))
    try:
        if opinion not in ("agree", "dissent"):
            raise UserError("请选择同意或持不同意见", "Agree, or record a dissent",
                            field="opinion")
        with db.transaction() as session:
            reports.sign(session, actor_of(request), user.id, tender_id, section_id,
                         str(data.get("sha256", "")), opinion == "agree",
                         str(data.get("dissent", "")))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, tender_id, section_id, error=error)
    return redirect(f"/bidding/evaluation/{tender_id}/{section_id}/report?done=signed")


@post(f"{BASE}/report/signatures", include_in_schema=False, guards=[EXPERTS])
async def sign_report(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                      section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    return await blocking(_sign, request, tender_id, section_id, data)


ROUTES = [report_page, sign_report]
