"""The award pages: one page per tender (公示、异议、定标、合同) for the tenderee's people and
staff (who act), the section's bidders (who read the publicity, object and read the answers and
their notices) and regulators (who read); the printable signed notices. No JavaScript needed."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template
from sqlalchemy.orm import Session

from bidding import config, web
from bidding.award import common, complaints, contract, decision, objections
from bidding.award.models import AwardContract, AwardLetter, ResultObjection, SectionAward
from bidding.lookup import get_tender, sections_of
from bidding.models import Section, Tender
from bidding.rules import cite
from bidding.tendering.views import parse_yuan
from bidding.web import BIDDERS, MANAGERS, Form, Multipart, read_upload, user_of, yuan
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.intake import refusals
from trading.web import actor_of, language, redirect, render, requires_role

READERS = requires_role(Role.STAFF, Role.TENDEREE, Role.BIDDER, Role.REGULATOR)
PAGE = "/bidding/tenders/{tender_id:uuid}/award"
DONE = ("published", "objected", "answered", "awarded", "filed")
MAX_FORM = 64 * 1024


@dataclass
class SectionView:
    section: Section
    row: SectionAward | None
    ready: bool  # the report is final
    candidates: list[dict[str, Any]] = field(default_factory=list)
    objections: list[ResultObjection] = field(default_factory=list)
    open_objections: int = 0
    letters: list[AwardLetter] = field(default_factory=list)
    contract: AwardContract | None = None
    is_bidder: bool = False
    winner: str | None = None
    complaint_pause: str | None = None  # the regulator's reason while it holds the award


def _sections(session: Session, tender: Tender, manages: bool,
              org: uuid.UUID | None) -> list[SectionView]:
    found = []
    for section in sections_of(session, tender.id):
        row = common.state_of(session, section.id)
        if row is None:
            try:
                ready = bool(common.final_report(session, tender.id, section.id))
            except UserError:
                ready = False
        else:
            ready = True
        view = SectionView(section, row, ready)
        if manages and ready and (row is None or row.candidates is None):
            view.candidates = _preview(session, tender.id, section.id)
        elif row is not None and row.candidates:
            view.candidates = row.candidates
        bidders = {b.org_id: b.name for b in common.bidders(session, section.id)}
        view.is_bidder = org is not None and org in bidders
        if org is not None and not view.is_bidder:
            continue
        if row is not None:
            view.objections = objections.of_section(session, section.id, None if manages else org)
            view.open_objections = len(objections.open_objections(session, section.id))
            view.letters = [lt for lt in decision.letters_of(session, tender.id, org)
                            if lt.section_id == section.id]
            view.contract = contract.contract_of(session, section.id)
            held = complaints.award_pause(session, tender.id, section.id)
            view.complaint_pause = held.award_pause_reason if held else None
            if row.winner_org_id is not None:
                view.winner = bidders.get(row.winner_org_id)
        found.append(view)
    return found


def _preview(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> list[dict[str, Any]]:
    from bidding.award import publicity

    try:
        return publicity.candidates(session, tender_id, section_id)
    except UserError:
        return []


def _page(request: Request[Any, Any, Any], tender_id: uuid.UUID, done: str | None = None,
          error: UserError | None = None) -> Template:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        tender = get_tender(session, tender_id)
        manages, org = common.access(session, user, tender)
        now = clock.now(session)
        return render(request, "bidding/award/award.html",
                      status_code=error.status if error else 200,
                      error=error.message(lang) if error else None,
                      done=done if done in DONE else None, tender=tender, manages=manages,
                      sections=_sections(session, tender, manages, org), now=now, yuan=yuan,
                      local=clock.format_local, basis=[cite(r, lang) for r in
                                                       ("R-35", "R-36", "R-37", "R-38-P")],
                      min_days=common.MIN_PUBLICITY_DAYS, max_days=common.MAX_PUBLICITY_DAYS,
                      today=clock.legal_day(now).isoformat())


@get(PAGE, include_in_schema=False, guards=[READERS])
async def award_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _page, tender_id, done)


def _act(request: Request[Any, Any, Any], tender_id: uuid.UUID, done: str, action: Any,
         manager: bool = True) -> Response[Any] | Template:
    user = user_of(request)
    try:
        with db.transaction() as session:
            if manager:
                web.check_manager(user, get_tender(session, tender_id))
            action(session)
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, tender_id, error=error)
    return redirect(f"/bidding/tenders/{tender_id}/award?done={done}")


def _days(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 3:
        raise UserError("公示期应为天数", "The publicity period is a number of days", field="days")
    return int(text)


@post(f"{PAGE}/{{section_id:uuid}}/publicity", include_in_schema=False, guards=[MANAGERS],
      request_max_body_size=MAX_FORM)
async def publish_candidates(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                             section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    from bidding.award import publicity

    return await refusals.call(request, _act, tender_id, "published", lambda s: publicity.publish(
        s, actor_of(request), tender_id, section_id, _days(str(data.get("days", ""))),
        str(data.get("objection_method", "")), str(data.get("objection_contact", ""))))


@post(f"{PAGE}/{{section_id:uuid}}/objections", include_in_schema=False, guards=[BIDDERS],
      request_max_body_size=MAX_FORM)
async def raise_objection(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                          section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    user = user_of(request)
    return await refusals.call(request, _act, tender_id, "objected", lambda s: objections.raise_objection(
        s, actor_of(request), tender_id, section_id, user.organization_id,
        str(data.get("text", ""))), False)


@post(f"{PAGE}/objections/{{objection_id:uuid}}/answer", include_in_schema=False,
      guards=[MANAGERS], request_max_body_size=MAX_FORM)
async def answer_objection(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                           objection_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    return await refusals.call(request, _act, tender_id, "answered", lambda s: objections.answer_objection(
        s, actor_of(request), tender_id, objection_id, str(data.get("answer", ""))))


def _confirmed(data: dict[str, str]) -> None:
    if data.get("confirm") != "1":
        raise UserError("请勾选确认：定标后将同时发出中标通知书和中标结果通知书，不可撤回",
                        "Tick the confirmation: the award and result notices go out at once and "
                        "cannot be withdrawn", field="confirm")


@post(f"{PAGE}/{{section_id:uuid}}/winner", include_in_schema=False, guards=[MANAGERS],
      request_max_body_size=MAX_FORM)
async def confirm_winner(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                         section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    def act(session: Session) -> None:
        _confirmed(data)
        winner = web.parse_uuid(str(data.get("winner", "")), "winner")
        decision.confirm(session, actor_of(request), tender_id, section_id, winner,
                         str(data.get("reason", "")))
    return await refusals.call(request, _act, tender_id, "awarded", act)


@post(f"{PAGE}/{{section_id:uuid}}/contract", include_in_schema=False, guards=[MANAGERS],
      request_max_body_size=config.MAX_DOCUMENT_BYTES + 1024 * 1024)
async def file_contract(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        section_id: FromPath[uuid.UUID], data: Multipart) -> Response[Any] | Template:
    try:
        name, _type, content = await read_upload(data)
    except UserError as error:
        return await refusals.call(request, _page, tender_id, None, error)

    def act(session: Session) -> None:
        try:
            signed_on = dt.date.fromisoformat(str(data.get("signed_on", "")).strip())
        except ValueError as error:
            raise UserError("日期格式应为 YYYY-MM-DD", "Use YYYY-MM-DD",
                            field="signed_on") from error
        contract.file_contract(session, actor_of(request), tender_id, section_id,
                               filename=name, content=content,
                               name=str(data.get("name", "")),
                               amount_fen=parse_yuan(str(data.get("amount", "")), "amount"),
                               signed_on=signed_on, term=str(data.get("term", "")))
    return await refusals.call(request, _act, tender_id, "filed", act)


def _letter(request: Request[Any, Any, Any], letter_id: uuid.UUID) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        letter = session.get(AwardLetter, letter_id)
        if letter is None:
            raise UserError("通知书不存在", "Notice not found", status=404, code="not_found")
        tender = get_tender(session, letter.tender_id)
        manages, org = common.access(session, user, tender)
        if not manages and org is not None and org != letter.bidder_org_id:
            raise UserError("您无权查看该通知书", "You may not see this notice", status=403,
                            code="forbidden")
        return render(request, "bidding/award/letter.html", letter=letter, c=letter.content,
                      valid=decision.verify(letter), yuan=yuan, local=clock.format_local,
                      basis=cite("R-37", language(request)))


@get("/bidding/award-letters/{letter_id:uuid}", include_in_schema=False, guards=[READERS])
async def letter_page(request: Request[Any, Any, Any],
                      letter_id: FromPath[uuid.UUID]) -> Template:
    return await refusals.call(request, _letter, letter_id)


ROUTES = [award_page, publish_candidates, raise_objection, answer_objection, confirm_winner,
          file_contract, letter_page]
