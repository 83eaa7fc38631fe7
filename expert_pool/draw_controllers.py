"""The expert-draw JSON API under ``/api/v1/expert-draws`` (bearer tokens only).

R-33: bidders and tenderees get 403 on every route (the guards admit staff and regulators
only), and expert names appear only for staff, regulators and the draw's supervising officer.
Who was recused and why is for regulators alone.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, FromQuery

from expert_pool import drawing
from expert_pool.models import Draw
from trading import clock, db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.params import text_length
from trading.web import actor_of, blocking, current_user, requires_role

API = "/api/v1/expert-draws"
STAFF = requires_role(Role.STAFF)
VIEWERS = requires_role(Role.STAFF, Role.REGULATOR)
REGULATORS = requires_role(Role.REGULATOR)
Count = Annotated[int, msgspec.Meta(ge=0, le=99)]
Days = Annotated[int, msgspec.Meta(ge=0, le=3650)]
Code = Annotated[str, text_length(16, 1)]
Region = Annotated[str, text_length(64, 1)]



class RequirementIn(msgspec.Struct, forbid_unknown_fields=True):
    specialty_code: Code
    count: Count
    backups: Count = 2


class DrawIn(msgspec.Struct, forbid_unknown_fields=True):
    tender_id: uuid.UUID
    section_id: uuid.UUID
    committee_size: Count
    tenderee_representatives: Count
    requirements: Annotated[list[RequirementIn], msgspec.Meta(max_length=50)]
    evaluation_at: dt.datetime
    place: Annotated[str, text_length(200)]
    supervisor_user_id: uuid.UUID
    expected_days: Count = 1
    regions_include: Annotated[list[Region], msgspec.Meta(max_length=50)] = []
    regions_exclude: Annotated[list[Region], msgspec.Meta(max_length=50)] = []
    region_reason: Annotated[str, text_length(500)] = ""
    min_title: Annotated[int, msgspec.Meta(ge=0, le=4)] = 0
    min_years: Annotated[int, msgspec.Meta(ge=0, le=60)] = 0
    cap_draws: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    cap_days: Days | None = None
    answer_minutes: Annotated[int, msgspec.Meta(ge=1, le=10080)] = 120
    # Also fix the pool and log the commitment in the same step (a draw run at the session).
    commit_now: bool = False


class ValueIn(msgspec.Struct, forbid_unknown_fields=True):
    value: Annotated[str, text_length(drawing.MAX_VALUE, 1)]


class ReasonIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, text_length(drawing.MAX_REASON, 1)]


class CountOut(msgspec.Struct):
    code: str
    name_zh: str
    name_en: str
    needed: int
    eligible: int


class ProblemOut(msgspec.Struct):
    field: str | None
    reason: str


class PreviewOut(msgspec.Struct):
    ok: bool
    counts: list[CountOut]
    problems: list[ProblemOut]


class PickOut(msgspec.Struct):
    specialty_code: str
    rank: int
    state: str
    expert_number: str | None = None  # only to those who may see names
    expert_name: str | None = None


class DrawOut(msgspec.Struct):
    number: str
    tender_id: str
    section_id: str
    state: str
    committee_size: int
    tenderee_representatives: int
    evaluation_at: dt.datetime
    expected_days: int
    place: str
    requirements: dict[str, int]
    pool_hash: str | None
    commitment: str | None
    picks: list[PickOut]


class ExclusionOut(msgspec.Struct):
    expert_number: str
    reason: str
    detail: str


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # every route is guarded
    return user


def _input(data: DrawIn) -> drawing.DrawInput:
    evaluation_at = data.evaluation_at
    if evaluation_at.tzinfo is None:
        evaluation_at = evaluation_at.replace(tzinfo=clock.local_zone())
    return drawing.DrawInput(
        tender_id=data.tender_id, section_id=data.section_id, committee_size=data.committee_size,
        tenderee_representatives=data.tenderee_representatives,
        requirements=[drawing.RequirementInput(r.specialty_code, r.count, r.backups)
                      for r in data.requirements],
        evaluation_at=evaluation_at, place=data.place, supervisor_user_id=data.supervisor_user_id,
        expected_days=data.expected_days, regions_include=list(data.regions_include),
        regions_exclude=list(data.regions_exclude), region_reason=data.region_reason,
        min_title=data.min_title, min_years=data.min_years, cap_draws=data.cap_draws,
        cap_days=data.cap_days, answer_minutes=data.answer_minutes)


def _out(session: Any, draw: Draw, user: CurrentUser) -> DrawOut:
    from expert_pool.models import Expert

    names = drawing.may_see_names(user, draw, None)
    picks = []
    for pick in drawing.picks_of(session, draw.id):
        expert = session.get(Expert, pick.expert_id) if names else None
        picks.append(PickOut(pick.specialty_code, pick.rank, pick.state,
                             pick.expert_number if names else None,
                             expert.name if expert is not None else None))
    return DrawOut(
        number=draw.number, tender_id=str(draw.tender_id), section_id=str(draw.section_id),
        state=draw.state, committee_size=draw.committee_size,
        tenderee_representatives=draw.tenderee_representatives, evaluation_at=draw.evaluation_at,
        expected_days=draw.expected_days, place=draw.place,
        requirements={r.specialty_code: r.count for r in drawing.requirements_of(session, draw.id)},
        pool_hash=draw.pool_hash, commitment=draw.commitment, picks=picks)


def _preview(request: Request[Any, Any, Any], data: DrawIn) -> PreviewOut:
    lang = "en" if request.headers.get("accept-language", "").startswith("en") else "zh"
    with db.read_only() as session:
        found = drawing.preview(session, _input(data))
    return PreviewOut(found.ok, [CountOut(c.code, c.name_zh, c.name_en, c.needed, c.eligible)
                                 for c in found.counts],
                      [ProblemOut(p.field, p.message(lang)) for p in found.problems])


@post(f"{API}/preview", operation_id="previewExpertDraw", guards=[STAFF], status_code=200,
      summary="Eligible experts per specialty and what a request would be refused for (no write)")
async def preview_draw(request: Request[Any, Any, Any], data: DrawIn) -> PreviewOut:
    return await blocking(_preview, request, data)


def _request(request: Request[Any, Any, Any], data: DrawIn) -> DrawOut:
    user = _user(request)
    with db.transaction() as session:
        draw = drawing.request_draw(session, actor_of(request), user.id, _input(data),
                                    commit_now=data.commit_now)
        return _out(session, draw, user)


@post(API, operation_id="requestExpertDraw", guards=[STAFF],
      summary="Request a committee draw (R-30 checked; logs draw.requested; with commit_now "
              "also fixes the pool and logs draw.committed)")
async def request_draw(request: Request[Any, Any, Any], data: DrawIn) -> DrawOut:
    return await blocking(_request, request, data)


def _list(request: Request[Any, Any, Any], tender_id: uuid.UUID | None) -> list[DrawOut]:
    user = _user(request)
    with db.read_only() as session:
        return [_out(session, d, user) for d in drawing.list_draws(session, tender_id)]


@get(API, operation_id="listExpertDraws", guards=[VIEWERS], summary="Draws, newest first")
async def list_draws(request: Request[Any, Any, Any],
                     tender_id: FromQuery[uuid.UUID | None] = None) -> list[DrawOut]:
    return await blocking(_list, request, tender_id)


def _get(request: Request[Any, Any, Any], number: str) -> DrawOut:
    with db.read_only() as session:
        return _out(session, drawing.draw_by_number(session, number), _user(request))


@get(f"{API}/{{number:str}}", operation_id="getExpertDraw", guards=[VIEWERS],
     summary="One draw: its state, commitment and picks")
async def get_draw(request: Request[Any, Any, Any], number: FromPath[str]) -> DrawOut:
    return await blocking(_get, request, number)


def _commit(request: Request[Any, Any, Any], number: str) -> DrawOut:
    with db.transaction() as session:
        draw = drawing.draw_by_number(session, number)
        return _out(session, drawing.commit(session, actor_of(request), draw.id), _user(request))


@post(f"{API}/{{number:str}}/commit", operation_id="commitExpertDraw", guards=[STAFF],
      status_code=200, summary="Fix the eligible pool and log the commitment to r_platform")
async def commit_draw(request: Request[Any, Any, Any], number: FromPath[str]) -> DrawOut:
    return await blocking(_commit, request, number)


def _contribute(request: Request[Any, Any, Any], number: str, data: ValueIn) -> DrawOut:
    user = _user(request)
    with db.transaction() as session:
        draw = drawing.draw_by_number(session, number)
        drawn = drawing.contribute(session, actor_of(request), user.id, draw.id, data.value)
        return _out(session, drawn, user)


@post(f"{API}/{{number:str}}/contribution", operation_id="contributeToExpertDraw",
      guards=[REGULATORS], status_code=200,
      summary="The supervising officer's value: then the draw is made and logged")
async def contribute(request: Request[Any, Any, Any], number: FromPath[str],
                     data: ValueIn) -> DrawOut:
    return await blocking(_contribute, request, number, data)


def _cancel(request: Request[Any, Any, Any], number: str, data: ReasonIn) -> DrawOut:
    with db.transaction() as session:
        draw = drawing.draw_by_number(session, number)
        return _out(session, drawing.cancel(session, actor_of(request), draw.id, data.reason),
                    _user(request))


@post(f"{API}/{{number:str}}/cancel", operation_id="cancelExpertDraw", guards=[STAFF],
      status_code=200, summary="Call a draw off; asked experts are told")
async def cancel_draw(request: Request[Any, Any, Any], number: FromPath[str],
                      data: ReasonIn) -> DrawOut:
    return await blocking(_cancel, request, number, data)


def _exclusions(number: str) -> list[ExclusionOut]:
    with db.read_only() as session:
        draw = drawing.draw_by_number(session, number)
        return [ExclusionOut(e.expert_number, e.reason, e.detail)
                for e in drawing.exclusions_of(draw)]


@get(f"{API}/{{number:str}}/exclusions", operation_id="listExpertDrawExclusions",
     guards=[REGULATORS], summary="Who was recused and why (regulators only)")
async def exclusions(number: FromPath[str]) -> list[ExclusionOut]:
    return await blocking(_exclusions, number)


ROUTES: list[Any] = [preview_draw, request_draw, list_draws, get_draw, commit_draw, contribute,
                     cancel_draw, exclusions]
