"""Clarification (澄清) through the JSON API: the chair asks a bidder (reply deadline as an ISO
8601 instant with its offset), the bidder lists the requests to its bids and replies."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec
from litestar import Request, get, post
from litestar.params import FromPath, JSONBody

from bidding.evaluation import clarification
from bidding.web import API, parse_uuid, user_of
from trading import db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.params import IdText, RowId
from trading.params import text_length as bounded
from trading.web import actor_of, blocking, requires_role

EXPERTS = requires_role(Role.EXPERT)
BIDDERS = requires_role(Role.BIDDER)
ROOM = f"{API}/tenders/{{tender_id:uuid}}/sections/{{section_id:uuid}}/evaluation"


class ClarificationIn(msgspec.Struct, forbid_unknown_fields=True):
    bid_id: IdText
    question: Annotated[str, bounded(clarification.MAX_QUESTION)]
    reply_by: dt.datetime  # with its offset, e.g. 2026-12-07T11:00:00+08:00


class ReplyIn(msgspec.Struct, forbid_unknown_fields=True):
    reply: Annotated[str, bounded(clarification.MAX_REPLY)]


class ClarificationOut(msgspec.Struct):
    id: int
    tender_id: str
    tender_title: str
    section_number: int
    bid_id: str
    bidder: str
    question: str
    reply_by: dt.datetime
    reply: str | None
    replied_at: dt.datetime | None


def _out(found: clarification.Clarification) -> ClarificationOut:
    return ClarificationOut(found.id, str(found.tender_id), found.tender_title,
                            found.section_number, str(found.bid_id), found.bidder,
                            found.question, found.reply_by, found.reply, found.replied_at)


def _ask(request: Request[Any, Any, Any], tender_id: uuid.UUID, section_id: uuid.UUID,
         data: ClarificationIn) -> ClarificationOut:
    if data.reply_by.tzinfo is None:
        raise UserError("答复期限须带时区（如 +08:00）", "Give the deadline with its offset (+08:00)",
                        field="reply_by")
    with db.transaction() as session:
        found = clarification.ask(session, actor_of(request), user_of(request).id, tender_id,
                                  section_id, parse_uuid(data.bid_id, "bid_id"), data.question,
                                  data.reply_by.astimezone(dt.UTC))
    return _out(found)


@post(f"{ROOM}/clarifications", operation_id="askClarification", guards=[EXPERTS],
      status_code=201, summary="The chair asks a bidder to clarify its bid, with a reply "
      "deadline (later than now, within 7 days)")
async def ask(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
              section_id: FromPath[uuid.UUID],
              data: JSONBody[ClarificationIn]) -> ClarificationOut:
    return await blocking(_ask, request, tender_id, section_id, data)


def _mine(request: Request[Any, Any, Any]) -> list[ClarificationOut]:
    user = user_of(request)
    if user.organization_id is None:
        return []
    with db.read_only() as session:
        return [_out(c) for c in clarification.of_organization(session, user.organization_id)]


@get(f"{API}/evaluation-clarifications", operation_id="listMyClarifications",
     guards=[BIDDERS], summary="The clarification requests to the bidder's organisation's bids")
async def mine(request: Request[Any, Any, Any]) -> list[ClarificationOut]:
    return await blocking(_mine, request)


def _reply(request: Request[Any, Any, Any], clarification_id: int,
           data: ReplyIn) -> ClarificationOut:
    user = user_of(request)
    with db.transaction() as session:
        found = clarification.answer(session, actor_of(request), user.id, user.organization_id,
                                     clarification_id, data.reply)
    return _out(found)


@post(f"{API}/evaluation-clarifications/{{clarification_id:int}}/reply",
      operation_id="replyClarification", guards=[BIDDERS], status_code=200,
      summary="The bidder's reply, once, before the deadline")
async def reply(request: Request[Any, Any, Any], clarification_id: FromPath[RowId],
                data: JSONBody[ReplyIn]) -> ClarificationOut:
    return await blocking(_reply, request, clarification_id, data)


ROUTES = [ask, mine, reply]
