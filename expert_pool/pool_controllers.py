"""The pool's JSON API: ``/api/v1/experts…`` (staff maintain; regulators and admins read) and
``/api/v1/my/expert`` (the signed-in expert's own record). ID numbers and mobiles are masked in
every answer; there is no route that returns them whole."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from litestar import Request, Response, delete, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from sqlalchemy.orm import Session

from expert_pool import importer, pool, pool_changes, pool_lifecycle, specialties
from expert_pool.idcard import mask_id_number, mask_mobile
from expert_pool.models import Expert, Specialty
from expert_pool.pool_views_common import (
    ADMIN,
    EXPERTS,
    STAFF,
    VIEWERS,
    PageNo,
    RowId,
    find,
    own_expert,
    user_of,
)
from expert_pool.schemas_pool import (
    ChangeOut,
    ConflictIn,
    ConflictOut,
    DatedRow,
    DecisionIn,
    ExpertIn,
    ExpertOut,
    ExpertPage,
    ExpertSummary,
    ImportIn,
    ImportOut,
    IntegrityOut,
    ProblemOut,
    QualificationIn,
    SpecialtyIn,
    SpecialtyOut,
    StatusIn,
    UnavailabilityIn,
    UpdateOut,
)
from trading import db
from trading.errors import UserError
from trading.web import actor_of, blocking, language, requires_role

API = "/api/v1/experts"
MY = "/api/v1/my/expert"
SIGNED_IN = requires_role()


def to_input(data: ExpertIn) -> pool.ExpertInput:
    return pool.ExpertInput(
        name=data.name, id_number=data.id_number, sex=data.sex, mobile=data.mobile,
        employer_name=data.employer_name, region=data.region, education=data.education,
        expert_type=data.expert_type, specialties=list(data.specialties),
        main_specialty=data.main_specialty, email=data.email,
        employer_credit_code=data.employer_credit_code, title=data.title, title_name=data.title_name,
        title_date=data.title_date, years_in_specialty=data.years_in_specialty, pool=data.pool,
        qualifications=[pool.QualificationInput(q.name, q.certificate_number, q.issued_on,
                                                q.valid_until) for q in data.qualifications])


def expert_out(session: Session, expert: Expert, lang: str) -> ExpertOut:
    checked = pool.checked_of(session, expert)
    return ExpertOut(
        number=expert.number, name=expert.name, id_number_masked=mask_id_number(expert.id_number),
        sex=expert.sex, mobile_masked=mask_mobile(expert.mobile), email=expert.email,
        employer_name=expert.employer_name, employer_credit_code=expert.employer_credit_code,
        region=expert.region, education=expert.education, title=expert.title,
        title_name=expert.title_name, title_date=expert.title_date,
        years_in_specialty=expert.years_in_specialty, expert_type=expert.expert_type,
        pool=expert.pool, status=expert.status,
        status_label=pool.label(pool.STATUS_LABELS, expert.status, lang),
        status_reason=expert.status_reason, status_basis=expert.status_basis,
        penalized_until=expert.penalized_until, specialties=checked.specialties,
        main_specialty=checked.main,
        qualifications=[QualificationIn(**q) for q in checked.qualifications],
        unavailability=[DatedRow(u.id, u.starts_on, u.ends_on, u.reason)
                        for u in pool_lifecycle.unavailability_of(session, expert)],
        conflicts=[ConflictOut(c.id, c.kind, c.organization_name, c.credit_code, c.started_on,
                               c.ended_on, c.detail) for c in pool.conflicts_of(session, expert)],
        integrity=[IntegrityOut(r.kind, r.occurred_on, r.until, r.basis, r.detail)
                   for r in pool.integrity_of(session, expert)],
        pending_change=pool_changes.pending_of(session, expert) is not None)


def _summary(session: Session, expert: Expert, lang: str) -> ExpertSummary:
    main = next((x.specialty_code for x in pool.links_of(session, expert) if x.is_main), "")
    return ExpertSummary(expert.number, expert.name, mask_id_number(expert.id_number),
                         expert.employer_name, expert.region, expert.status,
                         pool.label(pool.STATUS_LABELS, expert.status, lang), expert.title, main)


def _read(request: Request[Any, Any, Any], number: str) -> ExpertOut:
    with db.read_only() as session:
        return expert_out(session, find(session, number), language(request))


def _change(request: Request[Any, Any, Any], number: str | None,
            action: Callable[[Session, Expert], Any]) -> ExpertOut:
    """Run ``action`` on the expert (``None``: the caller's own record); answer the record."""
    with db.transaction() as session:
        expert = find(session, number) if number else own_expert(session, user_of(request))
        action(session, expert)
        session.flush()
        return expert_out(session, expert, language(request))


# --- staff and readers -----------------------------------------------------------------------


def _search(request: Request[Any, Any, Any], keyword: str, specialty: str, status: str,
            region: str, page: int) -> ExpertPage:
    lang = language(request)
    with db.read_only() as session:
        found = pool.search_experts(session, keyword, specialty, status, region, page)
        return ExpertPage([_summary(session, e, lang) for e in found.rows], found.total,
                          found.page, found.pages)


@get(API, operation_id="listExperts", guards=[VIEWERS], summary="Search the expert pool")
async def list_experts(request: Request[Any, Any, Any], keyword: FromQuery[str] = "",
                       specialty: FromQuery[str] = "", status: FromQuery[str] = "",
                       region: FromQuery[str] = "", page: PageNo = 1) -> ExpertPage:
    return await blocking(_search, request, keyword[:100], specialty[:16], status[:16],
                          region[:64], page)


def _create(request: Request[Any, Any, Any], data: ExpertIn) -> ExpertOut:
    with db.transaction() as session:
        expert = pool.create_expert(session, actor_of(request), to_input(data), source="api")
        return expert_out(session, expert, language(request))


@post(API, operation_id="createExpert", guards=[STAFF], summary="Add an expert (status applied)")
async def create_expert(request: Request[Any, Any, Any], data: JSONBody[ExpertIn]) -> ExpertOut:
    return await blocking(_create, request, data)


@get(f"{API}/{{number:str}}", operation_id="getExpert", guards=[VIEWERS])
async def get_expert(request: Request[Any, Any, Any], number: FromPath[str]) -> ExpertOut:
    return await blocking(_read, request, number)


@put(f"{API}/{{number:str}}", operation_id="updateExpert", guards=[STAFF])
async def update_expert(request: Request[Any, Any, Any], number: FromPath[str],
                        data: JSONBody[ExpertIn]) -> ExpertOut:
    actor = actor_of(request)
    return await blocking(_change, request, number,
                          lambda s, e: pool.update_expert(s, actor, e, to_input(data)))


def status_action(request: Request[Any, Any, Any], data: StatusIn) -> Callable[[Session, Expert], Any]:
    actor = actor_of(request)

    def run(session: Session, expert: Expert) -> None:
        if data.action == "penalize":
            pool_lifecycle.penalize(session, actor, expert, data.until, data.reason,
                                    data.period_from, data.basis)
        elif data.action in pool_lifecycle.TRANSITIONS:
            getattr(pool_lifecycle, data.action)(session, actor, expert, data.reason)
        else:
            raise UserError("未知操作", "Unknown action", field="action")
    return run


@post(f"{API}/{{number:str}}/status", operation_id="changeExpertStatus", guards=[STAFF],
      status_code=200, summary="review, admit, suspend, penalize, reinstate or retire")
async def change_status(request: Request[Any, Any, Any], number: FromPath[str],
                        data: JSONBody[StatusIn]) -> ExpertOut:
    return await blocking(_change, request, number, status_action(request, data))


def _unavailability(request: Request[Any, Any, Any], data: UnavailabilityIn) -> Callable[..., Any]:
    actor = actor_of(request)
    return lambda s, e: pool_lifecycle.add_unavailability(s, actor, e, data.starts_on, data.ends_on,
                                                          data.reason)


def _conflict(request: Request[Any, Any, Any], data: ConflictIn) -> Callable[..., Any]:
    actor = actor_of(request)
    item = pool_lifecycle.ConflictInput(data.kind, data.organization_name, data.credit_code,
                                        data.started_on, data.ended_on, data.detail)
    return lambda s, e: pool_lifecycle.add_conflict(s, actor, e, item)


@post(f"{API}/{{number:str}}/unavailability", operation_id="addExpertUnavailability",
      guards=[STAFF], status_code=201)
async def add_unavailability(request: Request[Any, Any, Any], number: FromPath[str],
                             data: JSONBody[UnavailabilityIn]) -> ExpertOut:
    return await blocking(_change, request, number, _unavailability(request, data))


@delete(f"{API}/{{number:str}}/unavailability/{{row_id:int}}",
        operation_id="removeExpertUnavailability", guards=[STAFF], status_code=200)
async def remove_unavailability(request: Request[Any, Any, Any], number: FromPath[str],
                                row_id: RowId) -> ExpertOut:
    actor = actor_of(request)
    return await blocking(_change, request, number, lambda s, e: pool_lifecycle.remove_unavailability(
        s, actor, e, row_id))


@post(f"{API}/{{number:str}}/conflicts", operation_id="addExpertConflict", guards=[STAFF],
      status_code=201)
async def add_conflict(request: Request[Any, Any, Any], number: FromPath[str],
                       data: JSONBody[ConflictIn]) -> ExpertOut:
    return await blocking(_change, request, number, _conflict(request, data))


@delete(f"{API}/{{number:str}}/conflicts/{{row_id:int}}", operation_id="removeExpertConflict",
        guards=[STAFF], status_code=200)
async def remove_conflict(request: Request[Any, Any, Any], number: FromPath[str], row_id: RowId) -> ExpertOut:
    actor = actor_of(request)
    return await blocking(_change, request, number, lambda s, e: pool_lifecycle.remove_conflict(
        s, actor, e, row_id))


def _import(request: Request[Any, Any, Any], data: ImportIn) -> Response[ImportOut]:
    try:
        content = base64.b64decode(data.content_b64, validate=True)
    except (binascii.Error, ValueError) as error:
        raise UserError("文件内容须为 Base64", "content_b64 must be base64",
                        field="content_b64") from error
    lang = language(request)
    with db.transaction() as session:
        result = importer.import_experts(session, actor_of(request), data.filename, content,
                                         admit=data.admit)
    body = ImportOut(result.rows, result.ok, result.created,
                     [ProblemOut(p.row, p.column, p.reason(lang)) for p in result.problems])
    return Response(body, status_code=201 if result.ok else 422)


@post(f"{API}/import", operation_id="importExperts", guards=[STAFF],
      request_max_body_size=8 * 1024 * 1024, summary="Import a CSV or .xlsx file: all rows or none")
async def import_experts(request: Request[Any, Any, Any], data: JSONBody[ImportIn]) -> Response[ImportOut]:
    return await blocking(_import, request, data)


def _changes() -> list[ChangeOut]:
    with db.read_only() as session:
        return [ChangeOut(c.id, e.number, list(c.changes.get("fields", [])), c.state, c.submitted_at)
                for c, e in pool_changes.pending_requests(session)]


@get(f"{API}/changes", operation_id="listExpertChanges", guards=[STAFF])
async def list_changes() -> list[ChangeOut]:
    return await blocking(_changes)


def _decide(request: Request[Any, Any, Any], request_id: int, data: DecisionIn) -> ChangeOut:
    with db.transaction() as session:
        change = pool_changes.decide_change(session, actor_of(request), request_id, data.approve,
                                            data.reason)
        expert = pool.get_expert(session, change.expert_id)
        return ChangeOut(change.id, expert.number, list(change.changes.get("fields", [])),
                         change.state, change.submitted_at)


@post(f"{API}/changes/{{request_id:int}}", operation_id="decideExpertChange", guards=[STAFF],
      status_code=200)
async def decide_change(request: Request[Any, Any, Any], request_id: RowId,
                        data: JSONBody[DecisionIn]) -> ChangeOut:
    return await blocking(_decide, request, request_id, data)


# --- classification ------------------------------------------------------------------------


def _specialty_rows() -> list[SpecialtyOut]:
    with db.read_only() as session:
        return [SpecialtyOut(n.code, n.code[:-2] or None if n.level > 1 else None, n.level,
                             n.name_zh, n.name_en, n.active) for n in specialties.tree(session)]


@get("/api/v1/expert-specialties", operation_id="listSpecialties", guards=[SIGNED_IN])
async def list_specialties() -> list[SpecialtyOut]:
    return await blocking(_specialty_rows)


def _out(node: Specialty) -> SpecialtyOut:
    return SpecialtyOut(node.code, node.parent_code, node.level, node.name_zh, node.name_en,
                        node.active)


def _add_node(request: Request[Any, Any, Any], data: SpecialtyIn) -> SpecialtyOut:
    with db.transaction() as session:
        return _out(specialties.add_node(session, actor_of(request), data.parent_code, data.name_zh,
                                         data.name_en))


@post("/api/v1/expert-specialties", operation_id="addSpecialty", guards=[ADMIN])
async def add_specialty(request: Request[Any, Any, Any], data: JSONBody[SpecialtyIn]) -> SpecialtyOut:
    return await blocking(_add_node, request, data)


# --- the expert's own record ---------------------------------------------------------------


@get(MY, operation_id="getMyExpert", guards=[EXPERTS])
async def my_expert(request: Request[Any, Any, Any]) -> ExpertOut:
    def read() -> ExpertOut:
        with db.read_only() as session:
            return expert_out(session, own_expert(session, user_of(request)), language(request))
    return await blocking(read)


def _apply(request: Request[Any, Any, Any], data: ExpertIn) -> ExpertOut:
    with db.transaction() as session:
        payload = to_input(data)
        payload.pool = "platform"
        expert = pool.apply_as_expert(session, actor_of(request), user_of(request).id, payload)
        return expert_out(session, expert, language(request))


@post(MY, operation_id="applyAsExpert", guards=[EXPERTS])
async def apply_as_expert(request: Request[Any, Any, Any], data: JSONBody[ExpertIn]) -> ExpertOut:
    return await blocking(_apply, request, data)


def _update_own(request: Request[Any, Any, Any], data: ExpertIn) -> UpdateOut:
    with db.transaction() as session:
        applied, requested = pool_changes.update_own(
            session, actor_of(request), own_expert(session, user_of(request)), to_input(data))
        return UpdateOut(applied, requested)


@put(MY, operation_id="updateMyExpert", guards=[EXPERTS],
     summary="Contact details change at once; vetted fields go to review")
async def update_my_expert(request: Request[Any, Any, Any], data: JSONBody[ExpertIn]) -> UpdateOut:
    return await blocking(_update_own, request, data)


@post(f"{MY}/unavailability", operation_id="addMyUnavailability", guards=[EXPERTS], status_code=201)
async def add_my_unavailability(request: Request[Any, Any, Any],
                                data: JSONBody[UnavailabilityIn]) -> ExpertOut:
    return await blocking(_change, request, None, _unavailability(request, data))


@delete(f"{MY}/unavailability/{{row_id:int}}", operation_id="removeMyUnavailability",
        guards=[EXPERTS], status_code=200)
async def remove_my_unavailability(request: Request[Any, Any, Any], row_id: RowId) -> ExpertOut:
    actor = actor_of(request)
    return await blocking(_change, request, None, lambda s, e: pool_lifecycle.remove_unavailability(
        s, actor, e, row_id))


@post(f"{MY}/conflicts", operation_id="addMyConflict", guards=[EXPERTS], status_code=201)
async def add_my_conflict(request: Request[Any, Any, Any], data: JSONBody[ConflictIn]) -> ExpertOut:
    return await blocking(_change, request, None, _conflict(request, data))


@delete(f"{MY}/conflicts/{{row_id:int}}", operation_id="removeMyConflict", guards=[EXPERTS],
        status_code=200)
async def remove_my_conflict(request: Request[Any, Any, Any], row_id: RowId) -> ExpertOut:
    actor = actor_of(request)
    return await blocking(_change, request, None, lambda s, e: pool_lifecycle.remove_conflict(
        s, actor, e, row_id))


ROUTES: list[Any] = [
    list_experts, create_expert, list_changes, decide_change, import_experts, get_expert,
    update_expert, change_status, add_unavailability, remove_unavailability, add_conflict,
    remove_conflict, list_specialties, add_specialty, my_expert, apply_as_expert, update_my_expert,
    add_my_unavailability, remove_my_unavailability, add_my_conflict, remove_my_conflict,
]
