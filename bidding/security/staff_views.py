"""The trading center's bid-security desk (保证金管理): import a bank statement, the payments no
bid claims (sealed: payer and amount are shown only once staff return one, with a logged
reason) and the refunds owed, each recorded here to the payer's own account."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from bidding import config
from bidding.security import (
    export,
    guarantees,
    interest,
    payments,
    refunds,
    releases,
    statements,
)
from bidding.tendering import sniff
from bidding.web import Form, Multipart, read_upload, user_of, yuan
from trading import clock, db
from trading.accounts.models import Role
from trading.errors import UserError
from trading.intake import refusals
from trading.web import actor_of, blocking, language, redirect, render, requires_role

STAFF = requires_role(Role.STAFF)
PAGE = "/bidding/security"
DONE = ("imported", "returned", "refunded")


def _page(request: Request[Any, Any, Any], done: str | None = None,
          error: UserError | None = None, count: int | None = None) -> Template:
    lang = language(request)
    problems = error.problems if isinstance(error, statements.StatementRefused) else []
    with db.read_only() as session:
        now = clock.now(session)
        return render(request, "bidding/security/staff.html",
                      status_code=error.status if error else 200,
                      error=error.message(lang) if error else None, problems=problems,
                      labels=statements.LABELS, done=done if done in DONE else None,
                      count=count, held=payments.unmatched(session), owed=refunds.due(session),
                      letters=guarantees.matched_letters(session),
                      issued=releases.recent(session),
                      now=now, yuan=yuan, columns=list(statements.COLUMNS),
                      interest=lambda r, p: refunds.interest_on(r, p, now),
                      rate=interest.percent, rate_bp=config.security_deposit_rate_bp())


@get(PAGE, include_in_schema=False, guards=[STAFF])
async def desk(request: Request[Any, Any, Any], done: FromQuery[str | None] = None) -> Template:
    return await refusals.call(request, _page, done)


def _import(request: Request[Any, Any, Any], content: bytes) -> Response[Any] | Template:
    try:
        with db.transaction() as session:
            statements.import_statement(session, actor_of(request), content)
    except UserError as error:
        return _page(request, error=error)
    return redirect(f"{PAGE}?done=imported")


@post(f"{PAGE}/statements", include_in_schema=False, guards=[STAFF],
      request_max_body_size=statements.MAX_BYTES + 1024 * 1024)
async def import_statement(request: Request[Any, Any, Any],
                           data: Multipart) -> Response[Any] | Template:
    try:
        _name, _type, content = await read_upload(data)
    except UserError as error:
        return await refusals.call(request, _page, None, error)
    return await refusals.call(request, _import, content)


def _confirmed(data: dict[str, str]) -> None:
    if data.get("confirm") != "yes":
        raise UserError("请勾选确认后再提交", "Tick the confirmation first", field="confirm")


def _return(request: Request[Any, Any, Any], payment_id: uuid.UUID,
            data: dict[str, str]) -> Response[Any] | Template:
    try:
        _confirmed(data)
        with db.transaction() as session:
            payments.return_unmatched(session, actor_of(request), payment_id,
                                      str(data.get("reason", "")))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, error=error)
    return redirect(f"{PAGE}?done=returned")


@post(f"{PAGE}/payments/{{payment_id:uuid}}/return", include_in_schema=False, guards=[STAFF])
async def return_payment(request: Request[Any, Any, Any], payment_id: FromPath[uuid.UUID],
                         data: Form) -> Response[Any] | Template:
    return await refusals.call(request, _return, payment_id, data)


def _refund(request: Request[Any, Any, Any], refund_id: uuid.UUID,
            data: dict[str, str]) -> Response[Any] | Template:
    try:
        _confirmed(data)
        with db.transaction() as session:
            refunds.execute(session, actor_of(request), user_of(request).id, refund_id,
                            str(data.get("to_account", "")), str(data.get("bank_serial", "")))
    except UserError as error:
        if error.status in (403, 404):
            raise
        return _page(request, error=error)
    return redirect(f"{PAGE}?done=refunded")


@post(f"{PAGE}/refunds/{{refund_id:uuid}}", include_in_schema=False, guards=[STAFF])
async def refund(request: Request[Any, Any, Any], refund_id: FromPath[uuid.UUID],
                 data: Form) -> Response[Any] | Template:
    return await refusals.call(request, _refund, refund_id, data)


def _export() -> Response[bytes]:
    with db.read_only() as session:
        text = export.refunds_csv(session, clock.now(session))
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8", headers={
        "content-disposition": 'attachment; filename="security-refunds.csv"'})


@get(f"{PAGE}/refunds.csv", include_in_schema=False, guards=[STAFF])
async def refunds_export(request: Request[Any, Any, Any]) -> Response[bytes]:
    return await blocking(_export)


def _letter(letter_id: uuid.UUID) -> Response[bytes]:
    with db.read_only() as session:
        letter, content = guarantees.read_matched(session, letter_id)
    # The sniffed, allow-listed type, as an attachment (nosniff is on every answer).
    return Response(content, media_type=sniff.served_type(letter.content_type), headers={
        # Not the letter's number or file name: people's text does not go into a header.
        "content-disposition": f'attachment; filename="guarantee-{letter.id.hex[:12]}'
                               f'{_extension(letter.content_type)}"'})


def _extension(content_type: str) -> str:
    return {"application/pdf": ".pdf", "image/png": ".png", "image/jpeg": ".jpg"}.get(
        content_type, "")


@get(f"{PAGE}/guarantees/{{letter_id:uuid}}", include_in_schema=False, guards=[STAFF])
async def letter_file(letter_id: FromPath[uuid.UUID]) -> Response[bytes]:
    return await blocking(_letter, letter_id)


ROUTES = [desk, import_statement, return_payment, refund, refunds_export, letter_file]
