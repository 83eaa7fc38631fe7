"""Pages of the opening: the custodian's share page (opened in the browser with share-open.js,
or pasted), the bidder's key half and backup re-upload, and the public opening page."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from bidding import lookup
from bidding.models import TenderState
from bidding.opening import backup, closing, controllers, halves, records, shares
from bidding.sealing import ceremony, panels
from bidding.sealing.crypto.common import b64encode
from bidding.submission import intake
from bidding.submission.views import render_bid_page
from bidding.web import BIDDERS, CUSTODIANS, Form, Multipart, read_upload, user_of, yuan
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.web import actor_of, blocking, current_user, language, redirect, render

REFRESH_SECONDS = 5


# --- the bidder's backup and key half ------------------------------------------------------


def _backup(request: Request[Any, Any, Any], tender_id: uuid.UUID, bid_id: uuid.UUID,
            content: bytes) -> Response[Any]:
    """R-25: the page's backup re-upload (a file field; the same checks as the API)."""
    user = user_of(request)
    try:
        with db.read_only() as session:
            target = backup.precheck(session, user, tender_id, bid_id)
        incoming = backup.IncomingBackup(target)
        try:
            incoming.write(content)
        except BaseException:
            incoming.discard()
            raise
        backup.accept(actor_of(request), user, incoming)
    except UserError as error:
        return render_bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid")


@post("/bidding/tenders/{tender_id:uuid}/bids/{bid_id:uuid}/backup", include_in_schema=False,
      guards=[BIDDERS], request_max_body_size=None)
async def bid_backup(
    request: Request[Any, Any, Any],
    tender_id: FromPath[uuid.UUID],
    bid_id: FromPath[uuid.UUID],
    data: Multipart,
) -> Response[Any]:
    _name, _type, content = await read_upload(data)
    return await blocking(_backup, request, tender_id, bid_id, content)


def _half(request: Request[Any, Any, Any], tender_id: uuid.UUID, data: dict[str, Any]) -> Any:
    try:
        controllers.submit_half_for(request, tender_id, str(data.get("section_id", "")),
                                    str(data.get("half_b64", "")).strip())
    except UserError as error:
        return render_bid_page(request, tender_id, error.status, error.message(language(request)))
    return redirect(f"/bidding/tenders/{tender_id}/bid")


@post("/bidding/tenders/{tender_id:uuid}/halves", include_in_schema=False, guards=[BIDDERS])
async def bid_half(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                   data: Form) -> Response[Any]:
    """Bidder-decrypts mode: the key half (unsealed by bid-page.js, or pasted from
    ``ggzy bid open-half --print-only``)."""
    return await blocking(_half, request, tender_id, data)


def _prefix(request: Request[Any, Any, Any], tender_id: uuid.UUID,
            bid_id: uuid.UUID) -> dict[str, str]:
    with db.read_only() as session:
        org = intake.bidder_org(session, user_of(request))
        return {"prefix_b64": b64encode(halves.envelope_prefix(session, tender_id, bid_id,
                                                               org.id))}


@get("/bidding/tenders/{tender_id:uuid}/bids/{bid_id:uuid}/prefix", include_in_schema=False,
     guards=[BIDDERS])
async def bid_prefix(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                     bid_id: FromPath[uuid.UUID]) -> dict[str, str]:
    return await blocking(_prefix, request, tender_id, bid_id)


# --- the custodian's share -----------------------------------------------------------------


def _share_page(request: Request[Any, Any, Any], tender_id: uuid.UUID, status: int = 200,
                error: str | None = None, result: str | None = None) -> Template:
    user = user_of(request)
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        member = panels.my_membership(session, user, tender_id)
        have, need = shares.share_progress(session, tender_id)
        now = clock.now(session)
        round_ = ceremony.latest(session, tender_id)
        view = ceremony.public_view(session, round_) if round_ else None
    phase = ceremony.phase_label(round_.state) if round_ else None
    return render(request, "bidding/custody_tender.html", status_code=status, error=error,
                  result=result, tender=tender, member=member, have=have, need=need, now=now,
                  ceremony=view, phase=phase, custodian_id=panels.custodian_id(user.id),
                  my_index=member.position, request_base=str(request.base_url).rstrip("/"))


@get("/custody/bidding/tenders/{tender_id:uuid}", include_in_schema=False, guards=[CUSTODIANS])
async def custody_tender(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_share_page, request, tender_id)


def _share(request: Request[Any, Any, Any], tender_id: uuid.UUID,
           data: dict[str, str]) -> Template:
    try:
        outcome = controllers.submit_share_for(request, tender_id, data.get("share_b64", ""),
                                               data.get("signature_b64", ""))
    except UserError as error:
        return _share_page(request, tender_id, error.status, error.message(language(request)))
    message = outcome.message_en if language(request) == "en" else outcome.message_zh
    return _share_page(request, tender_id, result=message)


@post("/custody/bidding/tenders/{tender_id:uuid}/shares", include_in_schema=False, guards=[CUSTODIANS])
async def custody_share(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID],
                        data: Form) -> Template:
    return await blocking(_share, request, tender_id, data)


# --- the opening page ----------------------------------------------------------------------


def _opening_page(request: Request[Any, Any, Any], tender_id: uuid.UUID) -> Template:
    progress = controllers.progress_out(tender_id)
    user = current_user(request)
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        live = tender.state in (TenderState.PUBLISHED.value, TenderState.CLOSED.value)
        failed = None
        if tender.state == TenderState.FAILED.value:  # say why, as the notice does
            zh, en = closing.failed_reason(closing.frozen_count(session, tender_id))
            failed = en if language(request) == "en" else zh
    # The regulator re-checks the record with the rebuilt key (only after the opening).
    key_b64 = None
    if user is not None and Role.REGULATOR.value in user.roles and tender.opened_at \
            and tender.opening_private_key:
        key_b64 = b64encode(tender.opening_private_key)
    return render(request, "bidding/opening.html", tender=tender, progress=progress, failed=failed,
                  refresh=REFRESH_SECONDS if live else None, yuan=yuan,
                  status_zh=records.STATUS_ZH, key_b64=key_b64)


@get("/bidding/tenders/{tender_id:uuid}/opening", include_in_schema=False)
async def opening_page(request: Request[Any, Any, Any], tender_id: FromPath[uuid.UUID]) -> Template:
    return await blocking(_opening_page, request, tender_id)


ROUTES = [bid_backup, bid_half, bid_prefix, custody_tender, custody_share, opening_page]
