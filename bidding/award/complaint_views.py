"""The complaint pages (投诉, R-38): a bidder files one from its list of objections it may
complain about and follows it; a regulator accepts or not, stops and restarts the clock for
testing or expert review, pauses and lifts the award, and decides; staff and the tender's
tenderee read. No JavaScript needed."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding.award import complaints, jurisdiction
from bidding.award.models import ComplaintStatus, ExclusionKind
from bidding.lookup import get_section, get_tender
from bidding.rules import cite
from bidding.web import BIDDERS, Form, parse_uuid, user_of
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.intake import refusals
from trading.web import actor_of, language, redirect, render, requires_role

READERS = requires_role(Role.STAFF, Role.TENDEREE, Role.BIDDER, Role.REGULATOR)
REGULATORS = requires_role(Role.REGULATOR)
LIST = "/bidding/complaints"
ONE = LIST + "/{complaint_id:uuid}"
DONE = ("filed", "accepted", "not_accepted", "stopped", "resumed", "paused", "lifted",
        "decided")
MAX_FORM = 64 * 1024


def _titles(session: Session, tender_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    return {tid: get_tender(session, tid).title for tid in tender_ids}


def _list(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None) -> Template:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        found = complaints.visible(session, user)
        eligible = (complaints.eligible(session, user.organization_id)
                    if Role.BIDDER.value in user.roles and user.organization_id else [])
        titles = _titles(session, {c.tender_id for c in found} | {e.tender_id for e in eligible})
        return render(request, "bidding/award/complaints.html",
                      status_code=error.status if error else 200,
                      error=error.message(lang) if error else None,
                      done=done if done in DONE else None, complaints=found, eligible=eligible,
                      titles=titles, local=clock.format_local, basis=cite("R-38", lang),
                      file_days=complaints.FILE_DAYS)


@get(LIST, include_in_schema=False, guards=[READERS])
async def complaints_page(request: Request[Any, Any, Any],
                          done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _list, done)


def _one(request: Request[Any, Any, Any], complaint_id: uuid.UUID, done: str | None = None,
         error: UserError | None = None) -> Template:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        complaint = complaints.readable(session, user, complaint_id)
        tender = get_tender(session, complaint.tender_id)
        section = (get_section(session, tender.id, complaint.section_id).number
                   if complaint.section_id else None)
        return render(request, "bidding/award/complaint.html",
                      status_code=error.status if error else 200,
                      error=error.message(lang) if error else None,
                      done=done if done in DONE else None, c=complaint, tender=tender,
                      section=section, periods=complaints.exclusions(session, complaint.id),
                      running=complaints.open_exclusion(session, complaint.id),
                      regulator=jurisdiction.may_handle(user, tender),
                      other_regulator=(Role.REGULATOR.value in user.roles
                                       and not jurisdiction.may_handle(user, tender)),
                      department=jurisdiction.department(session, tender)[0 if lang != "en" else 1],
                      now=clock.now(session),
                      local=clock.format_local, S=ComplaintStatus,
                      kinds=[k.value for k in ExclusionKind],
                      basis=[cite(r, lang) for r in ("R-38-F", "R-38-D", "R-38-P")])


@get(ONE, include_in_schema=False, guards=[READERS])
async def complaint_page(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                         done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _one, complaint_id, done)


def _objection(value: str) -> tuple[str, uuid.UUID | None]:
    """The form's choice "<kind>:<objection id>"; nothing chosen: no prior objection."""
    kind, _, ident = (value or "").strip().partition(":")
    if not ident:
        return kind, None
    return kind, parse_uuid(ident, "objection")


def _file(request: Request[Any, Any, Any], data: dict[str, str]) -> Response[Any] | Template:
    user = user_of(request)
    try:
        with db.transaction() as session:
            kind, objection_id = _objection(str(data.get("objection", "")))
            found = complaints.file_complaint(session, actor_of(request), user.organization_id,
                                              kind, objection_id, str(data.get("text", "")))
            complaint_id = found.id
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _list(request, error=error)
    return redirect(f"{LIST}/{complaint_id}?done=filed")


@post(LIST, include_in_schema=False, guards=[BIDDERS], request_max_body_size=MAX_FORM)
async def file_complaint(request: Request[Any, Any, Any], data: Form) -> Response[Any] | Template:
    return await refusals.call(request, _file, data)


def _act(request: Request[Any, Any, Any], complaint_id: uuid.UUID, action: Any,
         done: Any) -> Response[Any] | Template:
    try:
        with db.transaction() as session:
            key = action(session)
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _one(request, complaint_id, error=error)
    return redirect(f"{LIST}/{complaint_id}?done={key or done}")


@post(f"{ONE}/acceptance", include_in_schema=False, guards=[REGULATORS],
      request_max_body_size=MAX_FORM)
async def acceptance(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                     data: Form) -> Response[Any] | Template:
    accept = data.get("decision") == "accept"

    def act(session: Session) -> str:
        if data.get("decision") not in ("accept", "refuse"):
            raise UserError("请选择受理或不予受理", "Choose accept or not", field="decision")
        complaints.decide_acceptance(session, actor_of(request), complaint_id, accept,
                                     str(data.get("reason", "")))
        return "accepted" if accept else "not_accepted"
    return await refusals.call(request, _act, complaint_id, act, None)


@post(f"{ONE}/exclusion", include_in_schema=False, guards=[REGULATORS],
      request_max_body_size=MAX_FORM)
async def exclusion(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                    data: Form) -> Response[Any] | Template:
    def act(session: Session) -> str:
        if data.get("action") == "end":
            complaints.end_exclusion(session, actor_of(request), complaint_id)
            return "resumed"
        complaints.start_exclusion(session, actor_of(request), complaint_id,
                                   str(data.get("kind", "")), str(data.get("reason", "")))
        return "stopped"
    return await refusals.call(request, _act, complaint_id, act, None)


@post(f"{ONE}/award-pause", include_in_schema=False, guards=[REGULATORS],
      request_max_body_size=MAX_FORM)
async def award_pause(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                      data: Form) -> Response[Any] | Template:
    def act(session: Session) -> str:
        if data.get("action") == "lift":
            complaints.lift_pause(session, actor_of(request), complaint_id)
            return "lifted"
        complaints.pause_award(session, actor_of(request), complaint_id,
                               str(data.get("reason", "")))
        return "paused"
    return await refusals.call(request, _act, complaint_id, act, None)


@post(f"{ONE}/decision", include_in_schema=False, guards=[REGULATORS],
      request_max_body_size=MAX_FORM)
async def decision(request: Request[Any, Any, Any], complaint_id: FromPath[uuid.UUID],
                   data: Form) -> Response[Any] | Template:
    def act(session: Session) -> str:
        if data.get("kind") not in ("dismissed", "upheld"):
            raise UserError("请选择驳回或投诉成立", "Choose dismissed or upheld", field="kind")
        if data.get("confirm") != "1":
            raise UserError("请勾选确认：处理决定作出后不可撤回", "Tick the confirmation: the "
                            "decision cannot be withdrawn", field="confirm")
        complaints.decide(session, actor_of(request), complaint_id, data["kind"] == "upheld",
                          str(data.get("text", "")), str(data.get("corrections", "")))
        return "decided"
    return await refusals.call(request, _act, complaint_id, act, None)


ROUTES = [complaints_page, complaint_page, file_complaint, acceptance, exclusion, award_pause,
          decision]
