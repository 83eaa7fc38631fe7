"""Finding a tender and naming it: what every stage of a tender's life reads (no stage's rules).

A tender's log subject (``tender/<id>``) and job subject (``tender:<id>``), the tender row, its
sections and its custodian panel.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding.models import PanelMember, Section, Tender
from trading.errors import NotFoundError


def subject(tender_id: uuid.UUID) -> str:
    return f"tender/{tender_id}"


def job_subject(tender_id: uuid.UUID) -> str:
    return f"tender:{tender_id}"


def tender_id_of(job_subject_value: str) -> uuid.UUID:
    return uuid.UUID(job_subject_value.split(":", 1)[1])


def get_tender(session: Session, tender_id: uuid.UUID, *, lock: bool = False,
               share_lock: bool = False) -> Tender:
    """The tender, re-read; ``lock`` takes its row lock, ``share_lock`` a shared one (bids:
    concurrent submissions proceed together, the closing's UPDATE waits for them)."""
    query = select(Tender).where(Tender.id == tender_id)
    if lock or share_lock:
        query = query.with_for_update(read=not lock)
    found = session.scalars(query.execution_options(populate_existing=True)).one_or_none()
    if found is None:
        raise NotFoundError("招标项目", "Tender")
    return found


def sections_of(session: Session, tender_id: uuid.UUID) -> list[Section]:
    query = select(Section).where(Section.tender_id == tender_id).order_by(Section.number)
    return list(session.scalars(query))


def get_section(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> Section:
    found = session.get(Section, section_id)
    if found is None or found.tender_id != tender_id:
        raise NotFoundError("标段", "Section")
    return found


def panel_of(session: Session, tender_id: uuid.UUID) -> list[PanelMember]:
    query = select(PanelMember).where(PanelMember.tender_id == tender_id)
    return list(session.scalars(query.order_by(PanelMember.position)))
