"""The evaluation room's pages: the list of rooms, a section's room (members, chair election,
bids, method, progress), a bid's marking form and file, the submission, and the results."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.params import FromPath, FromQuery
from litestar.response import File, Template

from bidding.evaluation import (
    adjustments,
    bid_files,
    clarification,
    marks,
    presets,
    rejection,
    review,
    rooms_list,
)
from bidding.evaluation import room as rooms
from bidding.evaluation.methods import MethodKind, Mode
from bidding.web import Form, local_datetime, parse_uuid, user_of, yuan
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, language, redirect, render, requires_role

EXPERTS = requires_role(Role.EXPERT)
VIEWERS = requires_role(Role.EXPERT, Role.STAFF, Role.REGULATOR)
OVERSEERS = requires_role(Role.STAFF, Role.REGULATOR)
BASE = "/bidding/evaluation/{tender_id:uuid}/{section_id:uuid}"
DONE = frozenset({"voted", "marked", "submitted", "rejected", "sent_back", "signed", "asked",
                  "adjusted", "adjustment_withdrawn"})
REVIEWERS = requires_role(Role.EXPERT, Role.STAFF)


def _base(tender_id: uuid.UUID, section_id: uuid.UUID) -> str:
    return f"/bidding/evaluation/{tender_id}/{section_id}"


def _list(request: Request[Any, Any, Any]) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        found = rooms_list.rooms_for(session, user)
    return render(request, "bidding/evaluation/rooms.html", rooms=found)


@get("/bidding/evaluation", include_in_schema=False, guards=[VIEWERS])
async def room_list(request: Request[Any, Any, Any]) -> Template:
    return await blocking(_list, request)


def _room_context(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                  section_id: uuid.UUID) -> dict[str, Any]:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        tender, section, method = rooms.evaluable(session, tender_id, section_id)
        member = None
        if Role.STAFF.value not in user.roles and Role.REGULATOR.value not in user.roles:
            member = rooms.member_of(session, user.id, tender_id, section_id)
        election = rooms.election(session, tender_id, section_id)
        mine = marks.own_marks(session, section_id, user.id) if member else {}
        sees_summary = member is None or marks.can_see_marks(session, user.id, section_id)
        summary = marks.summary(session, tender_id, section_id) if sees_summary else None
        return {
            "tender": tender, "section": section, "member": member, "election": election,
            "members": rooms.members(session, tender_id, section_id),
            "bids": rooms.opened_bids(session, section_id), "yuan": yuan,
            "method_lines": presets.describe(method, lang), "mine": mine,
            "submitted": member is not None and marks.can_see_marks(session, user.id, section_id),
            "progress": marks.progress(session, tender_id, section_id)
            if member is None or election.chair == member else None,
            "summary": summary, "base": _base(tender_id, section_id),
            "is_chair": member is not None and election.chair == member,
            "pledge_basis": rooms.PLEDGE_BASIS,
            "rejections": rejection.rejections(session, section_id),
            "grounds": [(g.code, g.label(lang)) for g in rejection.GROUNDS.values()],
            "is_staff": Role.STAFF.value in user.roles, "lang": lang,
            "clarifications": clarification.of_section(session, section_id),
            "adjustments": adjustments.of_section(session, section_id),
            "lowest_price": method.kind == MethodKind.LOWEST_EVALUATED_PRICE,
            "local": clock.format_local,
        }


def _room(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          done: str | None = None, error: UserError | None = None) -> Template:
    context = _room_context(request, tender_id, section_id)
    return render(request, "bidding/evaluation/room.html",
                  status_code=error.status if error else 200,
                  success=done if done in DONE else None,
                  error=error.message(language(request)) if error else None, **context)


@get(BASE, include_in_schema=False, guards=[VIEWERS])
async def room_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                    section_id: FromPath[uuid.UUID], done: FromQuery[str | None] = None) -> Template:
    return await blocking(_room, request, tender_id, section_id, done)


def room_action(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
                action: Any, done: str) -> Response[Any] | Template:
    """Run a room form's action in a transaction: 303 to ``?done=``, or the room again with the
    reason (403/404 go to the error page)."""
    try:
        with db.transaction() as session:
            action(session)
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _room(request, tender_id, section_id, error=error)
    return redirect(f"{_base(tender_id, section_id)}?done={done}")


@post(f"{BASE}/vote", include_in_schema=False, guards=[EXPERTS])
async def chair_vote(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        candidate = parse_uuid(str(data.get("candidate", "")), "candidate")
        rooms.vote(session, actor, user.id, tender_id, section_id, candidate)
    return await blocking(room_action, request, tender_id, section_id, act, "voted")


def _score_page(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
                bid_id: uuid.UUID, error: UserError | None = None,
                values: dict[str, str] | None = None) -> Template:
    user = user_of(request)
    lang = language(request)
    with db.read_only() as session:
        tender, section, method = rooms.evaluable(session, tender_id, section_id)
        rooms.ready_member(session, user.id, tender_id, section_id)
        bid = next((b for b in rooms.opened_bids(session, section_id) if b.id == bid_id), None)
        if bid is None or not bid.valid:
            raise UserError("该投标不在本标段的有效投标之列",
                            "Not a valid opened bid of this section", status=404, code="not_found")
        saved = marks.own_marks(session, section_id, user.id).get(bid_id, {})
        submitted = marks.can_see_marks(session, user.id, section_id)
    form = values or {}
    criteria = [(c, presets.criterion_line(c, lang),
                 form.get(f"mark_{c.code}", str(saved[c.code][0]) if c.code in saved else ""),
                 form.get(f"reason_{c.code}", saved[c.code][1] if c.code in saved else ""))
                for c in marks.markable(method)]
    return render(request, "bidding/evaluation/score.html",
                  status_code=error.status if error else 200,
                  error=error.message(lang) if error else None,
                  error_field=error.field if error else None, tender=tender, section=section,
                  bid=bid, criteria=criteria, pass_fail=Mode.PASS_FAIL.value, yuan=yuan,
                  number=presets.number,
                  submitted=submitted, base=_base(tender_id, section_id))


@get(f"{BASE}/bids/{{bid_id:uuid}}", include_in_schema=False, guards=[EXPERTS])
async def score_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID], bid_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_score_page, request, tender_id, section_id, bid_id)


def _save(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          bid_id: uuid.UUID, data: dict[str, str]) -> Response[Any] | Template:
    user = user_of(request)
    entries = {key[len("mark_"):]: (str(value), str(data.get(f"reason_{key[len('mark_'):]}", "")))
               for key, value in data.items() if key.startswith("mark_")}
    try:
        with db.transaction() as session:
            marks.save_marks(session, actor_of(request), user.id, tender_id, section_id, bid_id,
                             entries)
    except UserError as error:
        if error.status in (403, 404):
            raise
        kept = {k: str(v) for k, v in data.items() if k != "_csrf_token"}
        return _score_page(request, tender_id, section_id, bid_id, error, kept)
    return redirect(f"{_base(tender_id, section_id)}?done=marked")


@post(f"{BASE}/bids/{{bid_id:uuid}}", include_in_schema=False, guards=[EXPERTS])
async def score_save(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID], bid_id: FromPath[uuid.UUID],
                     data: Form) -> Response[Any] | Template:
    return await blocking(_save, request, tender_id, section_id, bid_id, data)


def _file(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
          bid_id: uuid.UUID) -> File:
    user = user_of(request)
    with db.transaction() as session:
        path, name = bid_files.decrypt_to_file(session, actor_of(request), user.id, tender_id,
                                               section_id, bid_id)
    return File(path=path, filename=name, media_type="application/octet-stream",
                background=BackgroundTask(path.unlink, missing_ok=True))


@get(f"{BASE}/bids/{{bid_id:uuid}}/file", include_in_schema=False, guards=[EXPERTS])
async def bid_file(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                   section_id: FromPath[uuid.UUID], bid_id: FromPath[uuid.UUID]) -> File:
    return await blocking(_file, request, tender_id, section_id, bid_id)


@post(f"{BASE}/submit", include_in_schema=False, guards=[EXPERTS])
async def submit_marks(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        if data.get("confirm") != "1":
            raise UserError("请勾选确认：提交后不能修改", "Confirm: marks cannot change after submission",
                            field="confirm")
        marks.submit(session, actor, user.id, tender_id, section_id)
    return await blocking(room_action, request, tender_id, section_id, act, "submitted")


def _results(request: Request[Any, Any, Any], tender_id: uuid.UUID,
             section_id: uuid.UUID) -> Template:
    with db.read_only() as session:
        tender, section, method = rooms.evaluable(session, tender_id, section_id)
        summary = marks.summary(session, tender_id, section_id)
        criteria = marks.markable(method)
    return render(request, "bidding/evaluation/results.html", tender=tender, section=section,
                  summary=summary, criteria=criteria, yuan=yuan, base=_base(tender_id, section_id),
                  lang=language(request))


@get(f"{BASE}/results", include_in_schema=False, guards=[OVERSEERS])
async def results_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                       section_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_results, request, tender_id, section_id)


@post(f"{BASE}/rejections", include_in_schema=False, guards=[EXPERTS])
async def reject_bid(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    """The chair records the committee's rejection of a bid (否决投标) with its legal ground."""
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        bid_id = parse_uuid(str(data.get("bid", "")), "bid")
        rejection.reject(session, actor, user.id, tender_id, section_id, bid_id,
                         str(data.get("ground", "")), str(data.get("reason", "")))
    return await blocking(room_action, request, tender_id, section_id, act, "rejected")


@post(f"{BASE}/review", include_in_schema=False, guards=[REVIEWERS])
async def send_back(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                    section_id: FromPath[uuid.UUID], data: Form) -> Response[Any] | Template:
    """Review (复核) by the chair or staff: a step sent back with a reason; signatures void."""
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        step, _, raw = str(data.get("step_target", "")).partition(":")
        target = parse_uuid(raw, "step_target")
        review.send_back(session, actor, user.id, user.roles, tender_id, section_id, step,
                         target, str(data.get("reason", "")))
    return await blocking(room_action, request, tender_id, section_id, act, "sent_back")


@post(f"{BASE}/clarifications", include_in_schema=False, guards=[EXPERTS])
async def ask_clarification(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                            section_id: FromPath[uuid.UUID],
                            data: Form) -> Response[Any] | Template:
    """The chair asks a bidder to clarify its bid, with a reply deadline (local time)."""
    user, actor = user_of(request), actor_of(request)

    def act(session: Any) -> None:
        bid_id = parse_uuid(str(data.get("bid", "")), "bid")
        reply_by = local_datetime(str(data.get("reply_by", "")), "reply_by")
        clarification.ask(session, actor, user.id, tender_id, section_id, bid_id,
                          str(data.get("question", "")), reply_by)
    return await blocking(room_action, request, tender_id, section_id, act, "asked")


ROUTES = [room_list, room_page, chair_vote, score_page, score_save, bid_file, submit_marks,
          results_page, reject_bid, send_back, ask_clarification]
