"""How much a tender may hold: the limits checked on every way in (API, pages, CLI).

The JSON API's request structs (``bidding.schemas``) carry the same numbers as ``msgspec.Meta``
bounds (so the OpenAPI document shows them); the services check them again here, because the
pages and the CLI do not go through those structs. Each refusal names the field, in Chinese
and English, and changes nothing.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding.models import Objection
from trading.accounts.models import Organization, OrganizationKind
from trading.errors import UserError
from trading.params import INT64_MAX

if TYPE_CHECKING:
    from bidding.tendering.tenders import TenderInput

#: A tender's free-text description (characters).
MAX_DESCRIPTION = 20_000
#: Sections (标段) of one tender.
MAX_SECTIONS = 50
#: Custodians on one tender's panel.
MAX_CUSTODIANS = 50
#: An objection's text (characters).
MAX_OBJECTION_TEXT = 5_000
#: Unanswered objections one user may have on one tender at a time.
MAX_OPEN_OBJECTIONS_PER_USER = 5
#: A clarification's text, an answer to an objection (characters).
MAX_CLARIFICATION_TEXT = 20_000
MAX_ANSWER_TEXT = 10_000
#: The reason given for cancelling a tender (characters).
MAX_CANCEL_REASON = 2_000
#: Money in fen: the columns are BigInteger.
MAX_FEN = INT64_MAX


def check_length(value: str, field: str, limit: int, what_zh: str, what_en: str) -> None:
    if len(value) > limit:
        raise UserError(f"{what_zh}过长：最多 {limit} 字（收到 {len(value)} 字）",
                        f"{what_en} is too long: at most {limit} characters (got {len(value)})",
                        field=field, code="too_long")


def required_text(value: str, field: str, limit: int, what_zh: str, what_en: str,
                  missing: tuple[str, str]) -> None:
    """A required text: not blank (``missing`` is the reason, Chinese then English), not too long."""
    if not value.strip():
        raise UserError(missing[0], missing[1], field=field)
    check_length(value, field, limit, what_zh, what_en)


def check_fen(value: int | None, field: str) -> None:
    if value is not None and not 0 <= value <= MAX_FEN:
        raise UserError(f"金额超出范围（0 至 {MAX_FEN} 分）",
                        f"the amount is out of range (0 to {MAX_FEN} fen)", field=field,
                        code="out_of_range")


def check_tender_input(session: Session, data: TenderInput) -> None:
    """Sizes of a new tender: description, number of sections and custodians, amounts, and
    that the named agent is an organization of kind agent."""
    check_length(data.description, "description", MAX_DESCRIPTION, "项目说明", "The description")
    if len(data.sections) > MAX_SECTIONS:
        raise UserError(f"标段过多：最多 {MAX_SECTIONS} 个（收到 {len(data.sections)} 个）",
                        f"too many sections: at most {MAX_SECTIONS} (got {len(data.sections)})",
                        field="sections", code="too_many")
    if len(data.custodian_ids) > MAX_CUSTODIANS:
        raise UserError(f"密钥保管人过多：最多 {MAX_CUSTODIANS} 人",
                        f"too many custodians: at most {MAX_CUSTODIANS}", field="custodians",
                        code="too_many")
    for index, section in enumerate(data.sections):
        for name in ("estimated_price_fen", "bid_security_fen", "max_price_fen"):
            check_fen(getattr(section, name), f"sections[{index}].{name}")
    check_agent(session, data.agent_org_id)


def check_agent(session: Session, agent_org_id: uuid.UUID | None) -> None:
    """The tendering agent (招标代理) must be an organization of kind agent."""
    if agent_org_id is None:
        return
    kind = session.scalar(select(Organization.kind).where(Organization.id == agent_org_id))
    if kind is None:
        raise UserError("招标代理机构不存在", "Unknown tendering agent", field="agent_org_id")
    if kind != OrganizationKind.AGENT.value:
        raise UserError("所选单位不是招标代理机构", "the organization named is not a tendering agent",
                        field="agent_org_id", code="not_an_agent")


def check_objection(session: Session, tender_id: uuid.UUID, raised_by: uuid.UUID, text: str) -> None:
    """An objection's text length, and at most a few unanswered objections per user."""
    check_length(text, "text", MAX_OBJECTION_TEXT, "异议内容", "The objection text")
    query = select(func.count()).select_from(Objection).where(
        Objection.tender_id == tender_id, Objection.raised_by == raised_by,
        Objection.answered_at.is_(None))
    if int(session.scalar(query) or 0) >= MAX_OPEN_OBJECTIONS_PER_USER:
        raise UserError(
            f"您对本项目已有 {MAX_OPEN_OBJECTIONS_PER_USER} 项未答复的异议，请待答复后再提出",
            f"you already have {MAX_OPEN_OBJECTIONS_PER_USER} unanswered objections on this "
            "tender; wait for an answer before raising another", status=409, field="text",
            code="too_many_objections")
