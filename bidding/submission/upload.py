"""The streamed bid upload shared by the JSON API (bearer token) and the bidder's page (cookie
and CSRF header): same checks, same receipt. (The R-25 backup re-upload, streamed the same
way, is the opening's: ``bidding.opening.controllers``.)"""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request

from bidding import config
from bidding.submission import intake, storing, targets
from trading import db
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user


def _precheck(user: CurrentUser, tender_id: uuid.UUID,
              section_id: uuid.UUID) -> intake.Target:
    with db.read_only() as session:
        remembered = targets.tender_part(user, tender_id, section_id)
        if remembered is not None:  # the tender's part from memory: the organization only
            targets.remember_organization(intake.check_bidder(session, user))
            return remembered
        target, left = intake.precheck_timed(session, user, tender_id, section_id)
    targets.remember(target, left)
    return target


def _too_large(limit: int) -> UserError:
    mib = f"{limit / 1048576:.1f}"
    return UserError(f"投标文件超过大小上限 {mib} MB（{limit} 字节），未被接收",
                     f"The bid exceeds the size limit of {mib} MB ({limit} bytes); it was not "
                     "accepted", status=413,
                     field="envelope", code="envelope_too_large")


async def receive_bid(request: Request[Any, Any, Any], tender_id: uuid.UUID,
                      section_id: uuid.UUID) -> storing.Accepted:
    user = current_user(request)
    assert user is not None  # the route's guard
    # A pass remembered from the last second needs no database (bidding.submission.targets).
    target = targets.recall(user, tender_id, section_id)
    if target is None:
        target = await blocking(_precheck, user, tender_id, section_id)
    limit = config.max_bid_bytes()
    announced = request.headers.get("content-length")
    if announced and announced.isascii() and announced.isdigit() and int(announced) > limit:
        raise _too_large(limit)
    signature = intake.decode_signature(request.headers.get("x-bid-signature"))
    signer = intake.decode_signature(request.headers.get("x-bidder-public-key"))
    incoming = intake.IncomingBid(target, limit)
    try:
        async for chunk in request.stream():
            incoming.write(chunk)  # refuses (and deletes the file) at the first bad byte
    except BaseException:
        incoming.discard()
        raise
    return await blocking(storing.accept, actor_of(request), incoming, signature, signer)
