"""Who handles a complaint (R-38; Regs §60: 向有关行政监督部门投诉): the regulators of the tender's
supervising department (``tender.supervisor_org_id``, chosen when the tender was created).
Every regulator reads every complaint (regulators audit everything); only that department's
decide acceptance, excluded periods, the pause of the award and the decision. A tender with no
department recorded (made while none or several existed, by a seed) is handled by any
regulator, as before."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import rules
from bidding.models import Tender
from bidding.tendering.supervisor import name_of
from trading.accounts.models import Role, User
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import UserError

UNNAMED = ("行政监督部门", "the supervising department")


def department(session: Session, tender: Tender) -> tuple[str, str]:
    """The department's name (the same in both languages), or the generic words."""
    name = name_of(session, tender.supervisor_org_id)
    return (name, name) if name else UNNAMED


def may_handle(user: CurrentUser, tender: Tender) -> bool:
    if Role.REGULATOR.value not in user.roles:
        return False
    return tender.supervisor_org_id is None or user.organization_id == tender.supervisor_org_id


def check(session: Session, actor: Actor, tender: Tender) -> None:
    """Refuse (403) a regulator of another department; the caller counts the denial."""
    if tender.supervisor_org_id is None:
        return
    org = session.scalar(select(User.organization_id).where(
        User.id == uuid.UUID(actor.user_id))) if actor.user_id else None
    if org != tender.supervisor_org_id:
        zh, en = rules.CITATIONS["R-38-F"]
        name_zh, name_en = department(session, tender)
        raise UserError(f"该投诉由本项目的行政监督部门（{name_zh}）处理，您所在部门只能查阅（依据{zh}）",
                        f"This complaint is handled by the tender's supervising department "
                        f"({name_en}); your department may only read it (under the {en})",
                        status=403, code="jurisdiction")
