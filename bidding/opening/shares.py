"""The custodians' shares after the deadline, and the opening key rebuilt from them.

After the deadline each custodian derives its share from the public transcript with its own
key file, signs it and submits it (refused before the deadline, R-22); each share is checked
on its own against the custodian's public share point, and with k of them the opening private
key is rebuilt, checked against the public key, stored and the opening starts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from bidding import rules
from bidding.lookup import get_tender, job_subject, panel_of, subject
from bidding.models import PanelMember, Tender, TenderState
from bidding.opening import halves
from bidding.sealing import ceremony
from bidding.sealing.crypto import custody, dkg
from bidding.sealing.crypto.common import b64decode
from bidding.sealing.panels import active_key, custodian_id, my_membership
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import ConflictError, UserError

OPEN_JOB = "bidding.open"
SHARES_ALERT_KIND = "bidding.opening_shares"  # watched from the closing (closing.py)


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
        deadline = clock.format_local(tender.deadline) if tender.deadline else "—"
        zh, en = rules.under("R-22")
        raise UserError(
            f"{zh}，投标截止前不接受份额（截止时间 {deadline}，服务器时间 "
            f"{clock.format_local(now)}）",
            f"{en}, shares are refused before the deadline (deadline {deadline}, server time "
            f"{clock.format_local(now)})", status=409, code="before_deadline")
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
