"""JSON API of the decision on receipt (R-01..R-04, issue 12 part 3): staff accept, refuse with
reasons, or send a one-time notice ticking every material — the same service
(``decisions.decide``) and the same guards as the review page, with a bearer token; and any
notice or result document as JSON for whoever may see its application. Refusals are problem
details (docs/api.md); a staff user of another region is refused (403, counted)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.intake import applications, decisions, items, refusals, seal
from trading.intake.models import Notice, NoticeKind
from trading.params import text_length
from trading.web import actor_of, current_user, requires_role

STAFF = requires_role(Role.STAFF)
SIGNED_IN = requires_role()
MAX_BODY = 256 * 1024  # 30 materials with a correction of 2000 characters each, in UTF-8
Reason = Annotated[str, text_length(decisions.MAX_REASON)]


class CheckIn(msgspec.Struct, forbid_unknown_fields=True):
    """One material of the item, ticked conforming or not (a one-time notice ticks them all)."""

    material_id: uuid.UUID
    conforming: bool
    correction: Reason = ""  # what to correct, for a non-conforming material


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: NoticeKind  # acceptance, refusal, one_time
    reasons: Reason = ""  # required for a refusal
    overdue_reason: Reason = ""  # required for an acceptance after the 5 working days
    checks: Annotated[list[CheckIn], msgspec.Meta(max_length=items.MAX_MATERIALS)] = []


class NoticeOut(msgspec.Struct):
    number: str
    kind: str  # acceptance, refusal, one_time; pause_start, pause_end, extension, approval, ...
    title: str
    tracking_number: str
    issued_at: dt.datetime
    content: dict[str, Any]  # exactly what the seal signed
    signature: str  # Ed25519, base64
    public_key: str
    verified: bool
    verify_url: str  # add &code=<the application's verification code>


def _user(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # behind a guard
    return user


def _out(notice: Notice) -> NoticeOut:
    return NoticeOut(
        number=notice.number, kind=notice.kind, title=str(notice.content.get("title", "")),
        tracking_number=str(notice.content["tracking_number"]), issued_at=notice.issued_at,
        content=notice.content, signature=notice.signature, public_key=notice.public_key,
        verified=seal.verify(notice.content, notice.signature, notice.public_key),
        verify_url=f"/intake/verify?number={notice.number}")


@post("/api/v1/intake/applications/{tracking:str}/decision", operation_id="decideIntakeReceipt",
      guards=[STAFF], status_code=201, request_max_body_size=MAX_BODY,
      summary="Decide on receipt (R-01..R-03): accept, refuse with reasons, or a one-time "
              "notice of every correction; answers the sealed notice")
async def decide(request: Request[Any, Any, Any], tracking: FromPath[str],
                 data: JSONBody[DecisionIn]) -> NoticeOut:
    return await refusals.call(request, _decide, tracking[:32], data)


def _decide(request: Request[Any, Any, Any], tracking: str, data: DecisionIn) -> NoticeOut:
    checks = [decisions.MaterialCheck(c.material_id, c.conforming, c.correction)
              for c in data.checks]
    with db.transaction() as session:
        notice = decisions.decide(session, actor_of(request), _user(request), tracking,
                                  data.decision, data.reasons, checks, data.overdue_reason)
        return _out(notice)


@get("/api/v1/intake/notices/{number:str}", operation_id="getIntakeNotice", guards=[SIGNED_IN],
     summary="A sealed notice or result document of an application the caller may see, with "
             "whether its seal verifies")
async def get_notice(request: Request[Any, Any, Any], number: FromPath[str]) -> NoticeOut:
    return await refusals.call(request, _get_notice, number[:32])


def _get_notice(request: Request[Any, Any, Any], number: str) -> NoticeOut:
    with db.read_only() as session:
        found = decisions.notice(session, number)
        applications.application_for(session, _user(request),
                                     str(found.content["tracking_number"]))
        return _out(found)


ROUTES = [decide, get_notice]
