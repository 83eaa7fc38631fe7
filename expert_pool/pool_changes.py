"""An expert's own profile changes: contact details at once, vetted fields only after review.

The change request keeps the proposed values; staff approve (applied then, re-checked against
the pool as it is by then) or reject with a reason. The log names the fields, not the values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from expert_pool.models import ChangeRequest, ChangeState, Expert
from expert_pool.pool import (
    OWN_FIELDS,
    Checked,
    ExpertInput,
    QualificationInput,
    changed_fields,
    check_unique,
    input_of,
    subject,
    touch,
    validate,
    write,
)
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def pending_of(session: Session, expert: Expert) -> ChangeRequest | None:
    return session.scalar(select(ChangeRequest).where(
        ChangeRequest.expert_id == expert.id, ChangeRequest.state == ChangeState.PENDING.value))


def update_own(session: Session, actor: Actor, expert: Expert,
               data: ExpertInput) -> tuple[list[str], list[str]]:
    """Apply contact changes now; put vetted changes in a request. Returns (applied, requested).

    Status and pool are the platform's to set, so the expert's input cannot change them.
    """
    data = dataclasses.replace(data, pool=expert.pool)
    checked = validate(session, data)
    check_unique(session, checked.columns["id_number"], own=expert.id)
    changed = changed_fields(session, expert, checked)
    applied = [name for name in changed if name in OWN_FIELDS]
    requested = [name for name in changed if name not in OWN_FIELDS]
    if requested and pending_of(session, expert) is not None:
        raise ConflictError("已有待审核的变更申请，请等待审核结果后再提交",
                            "A change request is already waiting for review")
    for name in applied:
        setattr(expert, name, checked.columns[name])
    if applied:
        touch(session, expert)
        supervision.record(session, actor, "expert.updated", subject(expert),
                           {"number": expert.number, "fields": applied, "by": "expert"})
    if requested:
        values = {k: _json(v) for k, v in checked.columns.items() if k in requested}
        changes: dict[str, Any] = {"fields": requested, "values": values}
        if "specialties" in requested:
            changes["specialties"], changes["main"] = checked.specialties, checked.main
        if "qualifications" in requested:
            changes["qualifications"] = [{k: _json(v) for k, v in q.items()}
                                         for q in checked.qualifications]
        request = ChangeRequest(expert_id=expert.id, changes=changes, state=ChangeState.PENDING.value,
                                submitted_at=clock.now(session))
        session.add(request)
        session.flush()
        supervision.record(session, actor, "expert.change_requested", subject(expert),
                           {"number": expert.number, "request": request.id, "fields": requested})
    return applied, requested


def proposed_input(session: Session, expert: Expert, request: ChangeRequest) -> ExpertInput:
    """The record as it would be with the request applied."""
    base = input_of(session, expert)
    values = dict(request.changes.get("values", {}))
    merged = dataclasses.replace(base, **values)
    if "specialties" in request.changes:
        merged.specialties = list(request.changes["specialties"])
        merged.main_specialty = str(request.changes.get("main", ""))
    if "qualifications" in request.changes:
        merged.qualifications = [QualificationInput(**q) for q in request.changes["qualifications"]]
    return merged


def get_request(session: Session, request_id: int) -> ChangeRequest:
    request = session.get(ChangeRequest, request_id)
    if request is None:
        raise NotFoundError("变更申请", "Change request")
    return request


def decide_change(session: Session, actor: Actor, request_id: int, approve: bool,
                  reason: str = "") -> ChangeRequest:
    request = get_request(session, request_id)
    if request.state != ChangeState.PENDING.value:
        raise ConflictError("该变更申请已处理", "This change request was already decided")
    expert = session.get(Expert, request.expert_id)
    assert expert is not None  # the request cascades with its expert
    reason = reason.strip()
    if len(reason) > 500:
        raise UserError("理由最多 500 字", "At most 500 characters", field="reason")
    if not approve and not reason:
        raise UserError("退回变更申请请说明理由", "State why the request is rejected", field="reason")
    if approve:
        checked: Checked = validate(session, proposed_input(session, expert, request))
        check_unique(session, checked.columns["id_number"], own=expert.id)
        write(session, expert, checked)
        touch(session, expert)
    request.state = (ChangeState.APPROVED if approve else ChangeState.REJECTED).value
    request.decided_by = uuid.UUID(actor.user_id) if actor.user_id else None
    request.decided_at = clock.now(session)
    request.reason = reason
    supervision.record(session, actor, "expert.change_decided", subject(expert),
                       {"number": expert.number, "request": request.id, "state": request.state,
                        "fields": list(request.changes.get("fields", [])), "reason": reason})
    return request


def pending_requests(session: Session) -> list[tuple[ChangeRequest, Expert]]:
    rows = session.execute(select(ChangeRequest, Expert).join(Expert, Expert.id == ChangeRequest.expert_id)
                           .where(ChangeRequest.state == ChangeState.PENDING.value)
                           .order_by(ChangeRequest.submitted_at, ChangeRequest.id))
    return [(r, e) for r, e in rows]


def requests_of(session: Session, expert: Expert) -> list[ChangeRequest]:
    return list(session.scalars(select(ChangeRequest).where(ChangeRequest.expert_id == expert.id)
                                .order_by(ChangeRequest.id.desc())))
