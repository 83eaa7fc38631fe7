"""The tender's supervising department (行政监督部门; R-38, Regs §60): the regulator organisation
that receives and decides the complaints on the tender. Chosen when the tender is created; when
none is named and there is exactly one regulator organisation, that one (a platform serving one
department needs no choice)."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading.accounts.models import Organization, OrganizationKind
from trading.errors import UserError

FIELD = "supervisor_org_id"


def regulators(session: Session) -> list[tuple[uuid.UUID, str]]:
    """The organisations that may supervise a tender (offered on the creation page)."""
    rows = session.execute(select(Organization.id, Organization.name).where(
        Organization.kind == OrganizationKind.REGULATOR.value).order_by(Organization.name))
    return [(row.id, row.name) for row in rows]


def choose(session: Session, chosen: uuid.UUID | None, required: bool) -> uuid.UUID | None:
    """The department for a new tender: the one chosen (a regulator organisation, else 400) or
    the only one there is. Several and none chosen: refused with the reason when a person
    creates the tender (``required``: the page, the API); left empty for the seeds, whose
    complaints any regulator then handles (``jurisdiction.may_handle``)."""
    if chosen is not None:
        org = session.get(Organization, chosen)
        if org is None or org.kind != OrganizationKind.REGULATOR.value:
            raise UserError("行政监督部门须为监管机构类单位", "The supervising department must be "
                            "a regulator organisation", field=FIELD)
        return org.id
    found = regulators(session)
    if len(found) > 1 and required:
        raise UserError("请选择本项目的行政监督部门（投诉由其受理和处理）",
                        "Choose the tender's supervising department (it handles complaints)",
                        field=FIELD)
    return found[0][0] if len(found) == 1 else None


def name_of(session: Session, org_id: uuid.UUID | None) -> str | None:
    if org_id is None:
        return None
    org = session.get(Organization, org_id)
    return org.name if org is not None else None
