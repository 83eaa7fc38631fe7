"""Closing at the deadline (R-23, R-24).

``close`` (job ``bidding.close``, at the deadline): a guarded transition published → closed,
run exactly once; freezes the list of (bid, digest), logs its hash list and root; a section
with fewer than 3 bidders fails, and with every section failed the tender fails (R-24).
Otherwise custodians are notified and the opening waits for k shares (``shares``); job
``bidding.share_alert`` alerts when they are still missing long after.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bidding import lookup, rules
from bidding.lookup import get_tender, job_subject, subject, tender_id_of
from bidding.models import Bid, BidStatus, OpenStatus, PanelMember, Tender, TenderState
from bidding.opening import shares
from bidding.opening.notices import OPENING, disclose_notice, red_flags, sign_checkpoint, tenderee_name
from bidding.security import payments as security_payments
from bidding.submission import sealed_log
from bidding.tendering import documents, notifications, objections, tenders
from supervision import services as supervision
from trading import clock, jobs

SHARE_ALERT_JOB = "bidding.share_alert"
MIN_BIDDERS = 3
SHARE_ALERT_SECONDS = 1800
SHARES_ALERT_KIND = "bidding.opening_shares"


# --- closing -------------------------------------------------------------------------------


def close(session: Session, job: jobs.ScheduledJob) -> None:
    """The ``bidding.close`` handler: runs in the job's guarded transaction."""
    tender_id = tender_id_of(job.subject)
    tender = get_tender(session, tender_id)
    now = clock.now(session)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        return  # cancelled, or closed by an earlier run: nothing to do
    if now < tender.deadline:
        raise RuntimeError("closing job ran before the deadline")  # retried by the job runner
    pending = objections.open_objections(session, tender_id)
    if pending:  # R-13 (Regs §22): the procedure pauses until the objection is answered
        objections.postpone_closing(session, OPENING, tender, pending)
        return
    # The UPDATE waits for submissions holding the tender row in share mode (PostgreSQL), so
    # the list below sees every bid committed before the deadline.
    tenders.transition(session, OPENING, tender_id, TenderState.PUBLISHED, TenderState.CLOSED,
                       "tender.closed", {"deadline": tender.deadline.isoformat()}, closed_at=now)
    documents.reveal_downloads(session, OPENING, tender_id)
    sealed_log.reveal(session, OPENING, tender_id)  # who bid: public from the close on
    frozen = _freeze(session, tender_id)
    red_flags(session, tender_id, frozen, "closing")
    failed_sections = _fail_small_sections(session, tender_id, frozen)
    # Bid security: who bid is public from here on, so the sub-accounts are registered and the
    # payments held sealed until now are matched (docs/bidding.md, "Bid security").
    security_payments.register_at_close(session, OPENING, tender_id)
    root = list_root(frozen)
    session.execute(update(Tender).where(Tender.id == tender_id).values(frozen_root=root))
    supervision.record(session, OPENING, "opening.bids_frozen", subject(tender_id), {
        "root": root, "bids": [{"bid": str(b.id), "section": str(b.section_id),
                                "envelope_sha256": b.envelope_sha256} for b in frozen],
        "failed_sections": [str(s) for s in failed_sections]})
    if len(failed_sections) == len(lookup.sections_of(session, tender_id)):
        _fail(session, tender, len(frozen))
        return
    _announce_opening(session, tender)


def frozen_count(session: Session, tender_id: uuid.UUID) -> int:
    """How many bids were live at the close (a failed tender's bids stay sealed, as they are)."""
    return int(session.scalar(select(func.count()).select_from(Bid).where(
        Bid.tender_id == tender_id, Bid.status == BidStatus.SUBMITTED.value)) or 0)


def _freeze(session: Session, tender_id: uuid.UUID) -> list[Bid]:
    query = select(Bid).where(Bid.tender_id == tender_id, Bid.status == BidStatus.SUBMITTED.value)
    frozen = list(session.scalars(query.order_by(Bid.section_id, Bid.submitted_at, Bid.id)))
    for bid in frozen:
        bid.open_status = OpenStatus.PENDING.value
    session.flush()
    return frozen


def _fail_small_sections(session: Session, tender_id: uuid.UUID,
                         frozen: list[Bid]) -> list[uuid.UUID]:
    """R-24: a section with fewer than 3 bidders is not opened (its bids stay sealed)."""
    failed = []
    for section in lookup.sections_of(session, tender_id):
        bids = [b for b in frozen if b.section_id == section.id]
        if len({b.bidder_id for b in bids}) < MIN_BIDDERS:
            section.failed = True
            failed.append(section.id)
            for bid in bids:
                bid.open_status = None
    session.flush()
    return failed


def list_root(frozen: list[Bid]) -> str:
    """RFC 9162-style Merkle root over leaves "bid id : envelope digest", in frozen order."""
    leaves = [hashlib.sha256(b"\x00" + f"{b.id}:{b.envelope_sha256}".encode()).digest()
              for b in frozen]
    if not leaves:
        return hashlib.sha256(b"").hexdigest()
    while len(leaves) > 1:
        paired = [hashlib.sha256(b"\x01" + leaves[i] + leaves[i + 1]).digest()
                  for i in range(0, len(leaves) - 1, 2)]
        leaves = paired + ([leaves[-1]] if len(leaves) % 2 else [])
    return leaves[0].hex()


def failed_reason(bid_count: int) -> tuple[str, str]:
    """Why a tender failed (R-24), as the public notice and the opening page say it."""
    zh, en = rules.under("R-24")
    return (f"投标人少于 3 个（共 {bid_count} 份有效投标），{zh}不予开标，招标人将依法重新招标",
            f"Fewer than 3 bidders ({bid_count} valid bids): {en}, the bids are not opened "
            "and the tender will be run again")


def _fail(session: Session, tender: Tender, bid_count: int) -> None:
    tenders.transition(session, OPENING, tender.id, TenderState.CLOSED, TenderState.FAILED,
                       "tender.failed", {"rule": "R-24", "bids": bid_count,
                                         "reason": "fewer than 3 bidders"})
    disclose_notice(session, tender, "failed_tender", {
        "tenderee": tenderee_name(session, tender),
        "reason": failed_reason(bid_count)[0],
        "next_steps": "招标人将依法重新招标",
    })
    zh, en = failed_reason(bid_count)
    notifications.notify(session, tender.id, notifications.bidders_of(session, tender.id),
                         "opening", f"「{tender.title}」流标：{zh}", f"'{tender.title}' failed: {en}")


def _announce_opening(session: Session, tender: Tender) -> None:
    members = list(session.scalars(select(PanelMember.user_id).where(
        PanelMember.tender_id == tender.id)))
    notifications.notify(session, tender.id, members, "opening",
                         f"「{tender.title}」已截止，请解密并提交您的开标密钥份额",
                         f"'{tender.title}' closed: please open and submit your key share")
    now = clock.now(session)
    due = now + dt.timedelta(seconds=_share_alert_seconds())
    jobs.schedule(session, SHARE_ALERT_JOB, job_subject(tender.id), due)
    # e-supervision watches the shares (yellow before, red after); cleared at the key.
    supervision.watch_deadline(session, SHARES_ALERT_KIND, subject(tender.id), "custodian", due,
                               f"「{tender.title}」开标密钥份额", f"opening key shares of "
                               f"'{tender.title}'")
    sign_checkpoint(session, "closed", tender)
    # Shares may have arrived between the deadline and this job.
    shares.try_reconstruct(session, OPENING, get_tender(session, tender.id))


def _share_alert_seconds() -> int:
    import os

    return int(os.environ.get("GGZY_SHARE_ALERT_SECONDS", "") or SHARE_ALERT_SECONDS)


def share_alert(session: Session, job: jobs.ScheduledJob) -> None:
    """R-52: fewer than k shares long after closing: alert; there is no weaker path."""
    tender = get_tender(session, tender_id_of(job.subject))
    if tender.state != TenderState.CLOSED.value or tender.key_reconstructed_at is not None:
        return
    missing = [str(m.user_id) for m in session.scalars(select(PanelMember).where(
        PanelMember.tender_id == tender.id, PanelMember.share.is_(None)))]
    supervision.record(session, OPENING, "opening.alert", subject(tender.id), {
        "reason": "shares_missing", "need": tender.custody_k, "missing": missing})
    notifications.notify(session, tender.id, [uuid.UUID(m) for m in missing], "opening",
                         f"「{tender.title}」开标等待您的密钥份额", f"'{tender.title}' waits for your share")
