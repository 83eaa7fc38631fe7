"""Releasing a guarantee letter (保函, R-16): where a paid security would be refunded — a
withdrawal (Regs §35), the award notice for all but the winner and the second candidate, the
contract for those two (Regs §57), a failed section (R-24) — a guarantee letter is released
instead, by a numbered release letter to its issuer (退还保函通知 / 保函解除函), signed by the
platform key like the award notices (``bidding.signed_letters``), printable, logged.

At a withdrawal before the deadline the release names neither tender nor bidder (E-rules §27):
only the issuer, the letter's number and validity."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import signed_letters
from bidding.models import Section, Tender
from bidding.security.models import GuaranteeLetter, GuaranteeRelease, RefundReason
from supervision import services as supervision
from trading import clock
from trading.accounts.models import Organization
from trading.audit import Actor

RELEASE_TYPE = "ggzy-guarantee-release/1"


def release_subject(letter_id: uuid.UUID) -> str:
    return f"security-guarantee/{letter_id}"


def _content(session: Session, letter: GuaranteeLetter, release_id: uuid.UUID, number: str,
             reason: RefundReason, now: dt.datetime) -> dict[str, Any]:
    content: dict[str, Any] = {
        "release_id": str(release_id), "number": number, "reason": reason.value,
        "issuer": letter.issuer, "guarantee_number": letter.number,
        "valid_until": letter.valid_until.isoformat(), "issued_at": now.isoformat()}
    section = session.get(Section, letter.section_id) if letter.section_id else None
    if section is not None and letter.bidder_id is not None:  # matched at the close
        tender = session.get(Tender, section.tender_id)
        assert tender is not None
        content.update({"tender": tender.title, "tender_code": tender.code,
                        "section": section.number, "section_name": section.name,
                        "bidder": _name(session, letter.bidder_id),
                        "beneficiary": _name(session, tender.tenderee_org_id)})
    return content


def _name(session: Session, org_id: uuid.UUID | None) -> str:
    org = session.get(Organization, org_id) if org_id else None
    return org.name if org is not None else ""


def release(session: Session, actor: Actor, letter: GuaranteeLetter,
            reason: RefundReason) -> GuaranteeRelease:
    """The letter's release (once: a second call keeps the first), signed and logged."""
    existing = session.scalar(select(GuaranteeRelease).where(
        GuaranteeRelease.letter_id == letter.id))
    if existing is not None:
        return existing
    now = clock.now(session)
    release_id = uuid.uuid4()
    number = f"BHJC-{clock.legal_day(now):%Y%m%d}-{release_id.hex[:8].upper()}"
    content = _content(session, letter, release_id, number, reason, now)
    key_id, signature = signed_letters.sign(RELEASE_TYPE, content)
    row = GuaranteeRelease(id=release_id, letter_id=letter.id, number=number,
                           reason=reason.value, content=content, key_id=key_id,
                           signature=signature, issued_at=now)
    session.add(row)
    session.flush()
    supervision.record(session, actor, "security.guarantee_released", release_subject(letter.id),
                       {"release": str(row.id), "number": number, "reason": reason.value,
                        "issuer": letter.issuer, "guarantee_number": letter.number})
    return row


def release_section(session: Session, actor: Actor, section_id: uuid.UUID, reason: RefundReason,
                    keep: set[uuid.UUID]) -> list[GuaranteeRelease]:
    """Release every live letter of the section but those of ``keep`` (organisations)."""
    letters = session.scalars(select(GuaranteeLetter).where(
        GuaranteeLetter.section_id == section_id, GuaranteeLetter.withdrawn_at.is_(None))
        .order_by(GuaranteeLetter.uploaded_at, GuaranteeLetter.id))
    return [release(session, actor, letter, reason) for letter in list(letters)
            if letter.bidder_id not in keep]


def verify(row: GuaranteeRelease) -> bool:
    return signed_letters.verify(RELEASE_TYPE, row.content, row.key_id, row.signature)


def of_letters(session: Session,
               letter_ids: list[uuid.UUID]) -> dict[uuid.UUID, GuaranteeRelease]:
    if not letter_ids:
        return {}
    return {r.letter_id: r for r in session.scalars(select(GuaranteeRelease).where(
        GuaranteeRelease.letter_id.in_(letter_ids)))}


def recent(session: Session, limit: int = 100) -> list[GuaranteeRelease]:
    return list(session.scalars(select(GuaranteeRelease)
                                .order_by(GuaranteeRelease.issued_at.desc()).limit(limit)))
