"""Guarantee letters (保函) in place of a security payment: the bidder uploads the file (bounded
in size, type sniffed and allow-listed) with the issuer, the letter's number and its validity
(default: the opening plus 28 days). Before the deadline the row is keyed by the sub-account
and the file is sealed at rest (it names the tender and the bidder)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import config
from bidding.lookup import get_section, get_tender
from bidding.models import TenderState
from bidding.security import subaccounts, vault
from bidding.security.models import GuaranteeLetter
from bidding.tendering import sniff
from supervision import services as supervision
from trading import clock, files
from trading.accounts.models import Role
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

MAX_BYTES = 10 * 1024 * 1024
VALIDITY_DAYS = 28  # after the opening, unless the tender documents say longer
#: Entries made before the deadline name no user or address (as a sealed bid's).
ANONYMOUS = Actor(user_id=None, role=Role.BIDDER.value, ip=None)
ALLOWED = frozenset({"application/pdf", "image/png", "image/jpeg"})
MAX_ISSUER = 200
MAX_NUMBER = 64


def default_valid_until(deadline: dt.datetime) -> dt.date:
    """The opening (at the deadline, R-23) plus 28 days, as a Beijing day."""
    return clock.legal_day(deadline) + dt.timedelta(days=VALIDITY_DAYS)


def directory() -> os.PathLike[str]:
    return config.storage_root() / "security-guarantees"


def upload(session: Session, bidder_id: uuid.UUID, tender_id: uuid.UUID,
           section_id: uuid.UUID, *, issuer: str, number: str, valid_until: dt.date | None,
           filename: str, content: bytes) -> GuaranteeLetter:
    tender = get_tender(session, tender_id)
    get_section(session, tender_id, section_id)
    now = clock.now(session)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None \
            or now >= tender.deadline:
        raise ConflictError("保函须在投标截止前提交", "A guarantee letter is handed in before "
                            "the deadline")
    issuer = (issuer or "").strip()
    if not issuer or len(issuer) > MAX_ISSUER:
        raise UserError(f"请填写开立银行或担保机构（最多 {MAX_ISSUER} 字）",
                        f"Give the issuer (at most {MAX_ISSUER} characters)", field="issuer")
    number = (number or "").strip()
    if not number or len(number) > MAX_NUMBER:
        raise UserError(f"请填写保函编号（最多 {MAX_NUMBER} 字）",
                        f"Give the letter's number (at most {MAX_NUMBER} characters)",
                        field="number")
    minimum = default_valid_until(tender.deadline)
    valid = valid_until or minimum
    if valid < minimum:
        raise UserError(f"保函有效期不得早于开标后 {VALIDITY_DAYS} 日（{minimum.isoformat()}）",
                        f"The letter must be valid at least {VALIDITY_DAYS} days after the "
                        f"opening ({minimum.isoformat()})", field="valid_until")
    if not content or len(content) > MAX_BYTES:
        raise UserError("保函文件为空或过大（上限 10 MiB）",
                        "The letter's file is empty or too large (10 MiB)", field="file")
    kind = sniff.content_type(content)
    if kind not in ALLOWED:
        raise UserError("保函文件须为 PDF、PNG 或 JPEG", "The letter must be a PDF, PNG or JPEG",
                        field="file")
    account = subaccounts.sub_account(section_id, bidder_id)
    if session.scalar(select(GuaranteeLetter.id).where(
            GuaranteeLetter.sub_account == account, GuaranteeLetter.withdrawn_at.is_(None))):
        raise ConflictError("本标段已提交保函；如需更换，请先撤回原保函",
                            "A letter is already handed in for this section: withdraw it first")
    letter_id = uuid.uuid4()
    path = config.storage_root() / "security-guarantees" / f"{letter_id}.sealed"
    files.private_dir(path.parent)
    with files.open_private(path, exclusive=True) as handle:
        handle.write(vault.seal(vault.GUARANTEE, content))
        handle.flush()
        os.fsync(handle.fileno())
    letter = GuaranteeLetter(
        id=letter_id, sub_account=account, issuer=issuer, number=number, valid_until=valid,
        filename=(os.path.basename(filename.strip()) or "guarantee")[:255], content_type=kind,
        sha256=hashlib.sha256(content).hexdigest(), size=len(content),
        storage_key=str(path.relative_to(config.storage_root())), uploaded_at=now)
    session.add(letter)
    session.flush()
    # Before the deadline the entry names neither the bidder nor its user (like a sealed bid);
    # the close's register ties the letter to them.
    supervision.record(session, ANONYMOUS, "security.guarantee_added",
                       f"security-guarantee/{letter.id}",
                       {"guarantee": str(letter.id), "sha256": letter.sha256,
                        "valid_until": valid.isoformat()})
    return letter


def withdraw(session: Session, bidder_id: uuid.UUID, tender_id: uuid.UUID,
             section_id: uuid.UUID, letter_id: uuid.UUID) -> None:
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    letter = session.get(GuaranteeLetter, letter_id)
    if letter is None or letter.sub_account != subaccounts.sub_account(section_id, bidder_id):
        raise NotFoundError("保函", "Guarantee letter")
    if tender.deadline is None or now >= tender.deadline or letter.withdrawn_at is not None:
        raise ConflictError("截止后或已撤回的保函不能撤回",
                            "A letter cannot be withdrawn after the deadline or twice")
    letter.withdrawn_at = now
    session.flush()
    supervision.record(session, ANONYMOUS, "security.guarantee_withdrawn",
                       f"security-guarantee/{letter.id}", {"guarantee": str(letter.id)})


def own_letters(session: Session, section_id: uuid.UUID,
                bidder_id: uuid.UUID) -> list[GuaranteeLetter]:
    account = subaccounts.sub_account(section_id, bidder_id)
    return list(session.scalars(select(GuaranteeLetter).where(
        GuaranteeLetter.sub_account == account).order_by(GuaranteeLetter.uploaded_at)))


def letters_of_section(session: Session, section_id: uuid.UUID) -> list[GuaranteeLetter]:
    return list(session.scalars(select(GuaranteeLetter).where(
        GuaranteeLetter.section_id == section_id, GuaranteeLetter.withdrawn_at.is_(None))))


def read_matched(session: Session, letter_id: uuid.UUID) -> tuple[GuaranteeLetter, bytes]:
    """A letter's file, opened for staff once the close has tied it to a bidder (before that,
    reading it would tell who bids for what): 404 until then."""
    letter = session.get(GuaranteeLetter, letter_id)
    if letter is None or letter.section_id is None:
        raise NotFoundError("保函", "Guarantee letter")
    sealed = (config.storage_root() / letter.storage_key).read_bytes()
    return letter, vault.open_sealed(vault.GUARANTEE, sealed)


def matched_letters(session: Session, limit: int = 200) -> list[GuaranteeLetter]:
    return list(session.scalars(select(GuaranteeLetter).where(
        GuaranteeLetter.section_id.is_not(None)).order_by(GuaranteeLetter.uploaded_at.desc())
        .limit(limit)))
