"""Custody on the platform side: custodians' public keys and their shares after the deadline.

The platform only ever holds public data before the deadline: the opening key is made by the
custodians together (``bidding.ceremony``, docs/dkg.md) and nobody holds its private half.
After the deadline each custodian derives its share from the public transcript with its own
key file, signs it and submits it (refused before the deadline, R-22); each share is checked
on its own against the custodian's public share point, and with k of them the opening private
key is rebuilt, checked against the public key, stored and the opening starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding.models import CustodianKey, PanelMember, Tender, TenderState
from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.common import b64decode
from bidding.tenders import get_tender, job_subject, panel_of, subject
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts import services as accounts
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import ConflictError, UserError

OPEN_JOB = "bidding.open"
SHARES_ALERT_KIND = "bidding.opening_shares"  # watched from the closing (opening.py)


def custodian_id(user_id: uuid.UUID) -> str:
    """The id a custodian has inside ceremonies and share signatures: its user id."""
    return str(user_id)


# --- long-term keys ------------------------------------------------------------------------


def register_key(session: Session, actor: Actor, user: CurrentUser,
                 document: Mapping[str, Any]) -> CustodianKey:
    """Register the custodian's public keys (the private ones stay in its key file)."""
    if Role.CUSTODIAN.value not in user.roles:
        raise UserError("只有密钥保管人可以登记公钥", "Only custodians register keys", status=403,
                        code="forbidden")
    try:
        public = custody.CustodianPublic.from_document(custodian_id(user.id), document)
    except custody.CustodyError as error:
        raise UserError(error.reason_zh, error.reason_en, field="public_key") from error
    now = clock.now(session)
    session.execute(update(CustodianKey).where(
        CustodianKey.user_id == user.id, CustodianKey.revoked_at.is_(None)).values(revoked_at=now))
    key = CustodianKey(user_id=user.id, key_id=public.fingerprint,
                       public_key=public.hpke_public_key,
                       signing_public_key=public.signing_public_key, created_at=now)
    session.add(key)
    session.flush()
    supervision.record(session, actor, "custody.key_registered", f"user/{user.id}", {
        "fingerprint": public.fingerprint})
    return key


def active_key(session: Session, user_id: uuid.UUID) -> CustodianKey | None:
    query = select(CustodianKey).where(CustodianKey.user_id == user_id,
                                       CustodianKey.revoked_at.is_(None))
    return session.scalars(query.order_by(CustodianKey.created_at.desc()).limit(1)).first()


def public_document(key: CustodianKey) -> dict[str, str]:
    assert key.signing_public_key is not None
    return custody.CustodianPublic(custodian_id(key.user_id), key.public_key,
                                   key.signing_public_key).to_document()


@dataclass(frozen=True)
class PanelEntry:
    member: PanelMember
    username: str
    display_name: str
    key: CustodianKey | None


def panel(session: Session, tender_id: uuid.UUID) -> list[PanelEntry]:
    entries = []
    for member in panel_of(session, tender_id):
        user = accounts.get_user(session, member.user_id)
        entries.append(PanelEntry(member, user.username, user.display_name,
                                  active_key(session, member.user_id)))
    return entries


def all_custodians(session: Session) -> list[tuple[uuid.UUID, str, str]]:
    """(user id, username, display name) of every active custodian, for the tender form."""
    return [(u.id, u.username, u.display_name) for u in accounts.list_users(session)
            if Role.CUSTODIAN.value in u.role_names and u.is_active]


def my_membership(session: Session, user: CurrentUser, tender_id: uuid.UUID) -> PanelMember:
    member = session.get(PanelMember, (tender_id, user.id))
    if member is None:
        raise UserError("您不是本项目的密钥保管人", "You are not a custodian of this tender",
                        status=403, code="forbidden")
    return member


# --- shares after the deadline -------------------------------------------------------------


@dataclass
class ShareOutcome:
    have: int
    need: int
    reconstructed: bool
    bad: list[str] = field(default_factory=list)
    message_zh: str = ""
    message_en: str = ""


class ShareRefused(UserError):
    """A share refused and named (wrong signature, replayed, or not fitting the key)."""

    def __init__(self, cid: str, zh: str, en: str, code: str) -> None:
        super().__init__(f"保管人 {cid} 的份额被拒绝：{zh}", f"the share of custodian {cid} is "
                         f"refused: {en}", status=422, field="share", code=code)
        self.custodian_id = cid


def _share_bytes(share_b64: str, signature_b64: str) -> tuple[bytes, bytes]:
    try:
        return b64decode(share_b64), b64decode(signature_b64)
    except ValueError as error:
        raise UserError("份额与签名须为 Base64", "Share and signature must be base64",
                        field="share") from error


def submit_share(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
                 share_b64: str, signature_b64: str) -> ShareOutcome:
    """Accept one custodian's decrypted, signed share after the deadline."""
    tender = get_tender(session, tender_id, lock=True)  # one share submission at a time
    member = my_membership(session, user, tender_id)
    cid = custodian_id(user.id)
    _check_after_deadline(session, tender)
    share, signature = _share_bytes(share_b64, signature_b64)
    _check_share(session, tender, member, cid, share, signature)
    now = clock.now(session)
    member.share, member.share_submitted_at, member.share_bad = share, now, False
    member.share_submission = {"signature_b64": signature_b64, "at": now.isoformat()}
    session.flush()
    supervision.record(session, actor, "custody.share_submitted", subject(tender_id), {
        "custodian": cid, "share_sha256": hashlib.sha256(share).hexdigest()})
    return try_reconstruct(session, actor, tender, just_submitted=cid)


def _check_after_deadline(session: Session, tender: Tender) -> None:
    now = clock.now(session)
    if tender.deadline is None or now < tender.deadline:
        deadline = tender.deadline.isoformat() if tender.deadline else "—"
        raise UserError(
            f"R-22：投标截止前不接受份额（截止时间 {deadline}，服务器时间 {now.isoformat()}）",
            f"R-22: shares are refused before the deadline (deadline {deadline}, server time "
            f"{now.isoformat()})", status=409, code="before_deadline")
    if tender.state not in (TenderState.PUBLISHED.value, TenderState.CLOSED.value):
        raise ConflictError("该项目不再接受份额", "This tender no longer takes shares")
    if tender.key_reconstructed_at is not None:
        raise ConflictError("开标私钥已重建，无需更多份额",
                            "The opening key is already rebuilt; no more shares are needed")


def _check_share(session: Session, tender: Tender, member: PanelMember, cid: str, share: bytes,
                 signature: bytes) -> None:
    # A share found bad may be replaced by a corrected one; a good one never twice.
    if member.share is not None and not member.share_bad:
        raise ShareRefused(cid, "重复提交（重放）", "already submitted (replayed)", "share_replayed")
    _check_signature(session, tender, member, cid, share, signature)
    try:
        value = dkg.decode_scalar(share)
        dkg.check_share(_transcript(session, tender), member.position, value)
    except ValueError as error:
        raise ShareRefused(cid, "份额格式无效（应为 32 字节标量）",
                           "malformed (a 32-byte scalar is expected)", "bad_share") from error
    except custody.BadShareError as error:
        raise ShareRefused(cid, "与本人在密钥生成记录中的份额公钥不符",
                           "does not match its public share point in the ceremony transcript",
                           "bad_share") from error


def _transcript(session: Session, tender: Tender) -> dkg.Transcript:
    from bidding import ceremony  # the ceremony module builds on this one

    return ceremony.transcript_of(session, tender)


def _check_signature(session: Session, tender: Tender, member: PanelMember, cid: str,
                     share: bytes, signature: bytes) -> None:
    key = active_key(session, member.user_id)
    if key is None or key.signing_public_key is None:
        raise ShareRefused(cid, "未登记公钥", "no registered key", "no_key")
    try:
        custody.verify_share_submission(share, signature, str(tender.id), cid,
                                        key.signing_public_key)
    except custody.ShareError as error:
        raise ShareRefused(cid, error.reason_zh, error.reason_en, "bad_signature") from error


def _valid_shares(session: Session, tender_id: uuid.UUID) -> dict[int, int]:
    """Custodian index -> share, of the shares that checked on submission."""
    return {m.position: dkg.decode_scalar(m.share) for m in panel_of(session, tender_id)
            if m.share is not None and not m.share_bad}


def try_reconstruct(session: Session, actor: Actor, tender: Tender,
                    just_submitted: str | None = None) -> ShareOutcome:
    """With k valid shares (and the tender closed), rebuild the key and start the opening."""
    shares = _valid_shares(session, tender.id)
    need = tender.custody_k
    outcome = ShareOutcome(have=len(shares), need=need, reconstructed=False)
    if len(shares) < need or tender.state != TenderState.CLOSED.value:
        _waiting(session, tender, outcome)
        return outcome
    try:
        key = dkg.combine_shares(_transcript(session, tender), shares)
    except custody.BadShareError as error:
        key = _bad_shares(session, actor, tender, error, just_submitted, outcome)
        if key is None:
            return outcome
    _store_key(session, actor, tender, custody.export_opening_private_key(key))
    outcome.reconstructed = True
    outcome.message_zh, outcome.message_en = "开标私钥已重建，开始解密", "Key rebuilt; opening"
    return outcome


def _waiting(session: Session, tender: Tender, outcome: ShareOutcome) -> None:
    outcome.message_zh = f"已收到 {outcome.have}/{outcome.need} 份有效份额，等待其余保管人"
    outcome.message_en = f"{outcome.have} of {outcome.need} valid shares in; waiting"
    supervision.record(session, Actor.system("opening"), "opening.waiting_for_shares",
                       subject(tender.id), {"have": outcome.have, "need": outcome.need})


def _bad_shares(session: Session, actor: Actor, tender: Tender, error: custody.BadShareError,
                just_submitted: str | None, outcome: ShareOutcome) -> Any:
    named = list(error.custodian_ids) if error.identified else []
    if just_submitted is not None and named == [just_submitted]:
        raise ShareRefused(just_submitted, "与开标公钥不符", "does not fit the opening key",
                           "bad_share")
    for member in panel_of(session, tender.id):
        if custodian_id(member.user_id) in named:
            member.share_bad = True
    session.flush()
    outcome.bad = named
    supervision.record(session, Actor.system("opening"), "opening.alert", subject(tender.id), {
        "reason": "bad_share", "identified": error.identified,
        "custodians": list(error.custodian_ids)})
    if error.key is None:
        outcome.message_zh = f"份额无法重建开标私钥：{error.reason_zh}；等待更多份额"
        outcome.message_en = f"The shares do not rebuild the key: {error.reason_en}; waiting"
    return error.key


def _store_key(session: Session, actor: Actor, tender: Tender, private_key: bytes) -> None:
    """After the deadline only (shares are refused before it): kept for the regulator."""
    now = clock.now(session)
    session.execute(update(Tender).where(Tender.id == tender.id).values(
        opening_private_key=private_key, key_reconstructed_at=now))
    if tender.bidder_decrypts:  # the bidders' window for their key halves comes first
        from bidding import halves

        halves.open_window(session, tender, now)
    else:
        jobs.schedule(session, OPEN_JOB, job_subject(tender.id), now)
    supervision.resolve_deadline(session, SHARES_ALERT_KIND, subject(tender.id),
                                 "opening key rebuilt")
    supervision.record(session, actor, "opening.key_reconstructed", subject(tender.id), {
        "key_id": tender.opening_key_id, "at": now.isoformat()})


def share_progress(session: Session, tender_id: uuid.UUID) -> tuple[int, int]:
    tender = get_tender(session, tender_id)
    return len(_valid_shares(session, tender_id)), tender.custody_k


def check_deadline_passed(tender: Tender, now: dt.datetime) -> bool:
    return tender.deadline is not None and now >= tender.deadline


def select_memberships(user_id: uuid.UUID) -> Any:
    """The panels a custodian sits on."""
    return select(PanelMember).where(PanelMember.user_id == user_id)
