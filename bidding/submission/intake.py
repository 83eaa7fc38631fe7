"""Bid submission (R-20..R-22, R-26): checked before and while the bytes stream in.

The upload is written to a temporary file under the storage directory while it is hashed and
structurally checked (``EnvelopeChecker``), so memory stays bounded. Only when the envelope is
well-formed *and* the database clock, read in the very transaction that stores the bid and
after the bytes are all in, is before the deadline, is the file moved into place and the row
committed (``storing``). This module also withdraws and reads bids.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import os
import uuid
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bidding import config, rules
from bidding.lookup import get_section, get_tender
from bidding.models import LIVE_BID, Bid, BidStatus, Section, Tender, TenderState
from bidding.sealing import ceremony
from bidding.sealing.crypto.envelope import (
    EnvelopeChecker,
    EnvelopeError,
    EnvelopeInfo,
    ExpectedIds,
)
from bidding.security import refunds as security_refunds
from bidding.submission import sealed_log
from supervision import services as supervision
from trading import clock, files
from trading.accounts.models import Organization, OrganizationKind, Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

SECURITY_ACTOR = Actor.system("bid-security")


def late_error(deadline: dt.datetime, now: dt.datetime) -> UserError:
    zh, en = rules.under("R-21")
    return UserError(
        f"{zh}，投标截止时间 {clock.format_local(deadline)} 已过（服务器时间 "
        f"{clock.format_local(now)}），投标未被接收",
        f"{en}: the bid deadline {clock.format_local(deadline)} has passed (server time "
        f"{clock.format_local(now)}); the bid was not accepted", status=409, code="deadline_passed",
    )


def envelope_refused(error: EnvelopeError) -> UserError:
    zh, en = rules.under("R-20")
    return UserError(f"{zh}，投标文件被拒绝：{error.reason_zh}",
                     f"{en}, the bid is refused: {error.reason_en}",
                     status=413 if error.code == "too_large" else 422,
                     field="envelope", code=f"envelope_{error.code}")


@dataclass(frozen=True)
class Target:
    """What the pre-check established: who bids for what, under which key, until when."""

    tender_id: uuid.UUID
    section_id: uuid.UUID
    bidder_id: uuid.UUID
    user_id: uuid.UUID
    key_id: str
    deadline: dt.datetime
    bidder_decrypts: bool = False  # the tender's mode decides the suite it accepts

    def expected(self) -> ExpectedIds:
        return ExpectedIds(tender_id=str(self.tender_id), section_id=str(self.section_id),
                           bidder_id=str(self.bidder_id), key_id=self.key_id,
                           bidder_decrypts=self.bidder_decrypts)


def bidder_org(session: Session, user: CurrentUser) -> Organization:
    """The organization a user bids for; R-26: never the platform operator's."""
    _require_bidder(user)
    org = session.get(Organization, user.organization_id) if user.organization_id else None
    _check_organization(org.kind if org is not None else None)
    assert org is not None
    return org


_ORG_KIND = (select(Organization.__table__.c.kind)
             .where(Organization.__table__.c.id == bindparam("org")))


def check_bidder(session: Session, user: CurrentUser) -> uuid.UUID:
    """``bidder_org``'s checks in one Core statement (the upload's pre-check); its id."""
    _require_bidder(user)
    kind = (session.connection().execute(_ORG_KIND, {"org": user.organization_id}).scalar()
            if user.organization_id else None)
    _check_organization(kind)
    assert user.organization_id is not None
    return user.organization_id


def _require_bidder(user: CurrentUser) -> None:
    if Role.BIDDER.value not in user.roles:
        raise UserError("只有投标人可以投标", "Only bidders may bid", status=403, code="forbidden")


def _check_organization(kind: str | None) -> None:
    if kind is None:
        raise UserError("投标须以单位名义进行，请先关联单位",
                        "A bid is made by an organization; this user has none", status=403,
                        code="no_organization")
    if kind == OrganizationKind.TRADING_CENTER.value:
        zh, en = rules.under("R-26")
        raise UserError(f"{zh}，交易平台运营机构及其控制的单位不得在本平台投标",
                        f"{en}, the platform operator and those it controls may not bid",
                        status=403, code="R-26")


def open_for_bids(session: Session, tender: Tender) -> dt.datetime:
    """Refuse unless the tender takes bids now (database clock); return now. A change takes
    the tender with ``get_tender(..., share_lock=True)`` first: FOR SHARE lets submissions
    proceed together while the closing's UPDATE waits for them (SQLite's BEGIN IMMEDIATE
    already serialises all writers)."""
    now = clock.now(session)
    if tender.deadline is not None and now >= tender.deadline:
        raise late_error(tender.deadline, now)
    if tender.state != TenderState.PUBLISHED.value or tender.deadline is None:
        raise ConflictError("该项目当前不接受投标", "This tender does not accept bids now")
    return now


def precheck(session: Session, user: CurrentUser, tender_id: uuid.UUID,
             section_id: uuid.UUID) -> Target:
    """Cheap checks before receiving a byte, so a late or unauthorised upload is not streamed."""
    return precheck_timed(session, user, tender_id, section_id)[0]


def precheck_timed(session: Session, user: CurrentUser, tender_id: uuid.UUID,
                   section_id: uuid.UUID) -> tuple[Target, float]:
    """``precheck``, with the seconds left before the deadline on the database clock."""
    org = bidder_org(session, user)
    tender = get_tender(session, tender_id)
    section = get_section(session, tender_id, section_id)
    now = open_for_bids(session, tender)
    # The key the envelope must be sealed to is the one the logged ceremony made, not the
    # tender row's (a DBA could swap that; the log's signed checkpoints would show an edit).
    key_id = ceremony.logged_key_id(session, tender.id)
    if key_id is None:
        raise ConflictError("该项目没有开标密钥生成记录，不能投标",
                            "This tender has no logged key ceremony; bids are refused")
    assert tender.deadline is not None
    target = Target(tender_id=tender.id, section_id=section.id, bidder_id=org.id,
                    user_id=user.id, key_id=key_id, deadline=tender.deadline,
                    bidder_decrypts=tender.bidder_decrypts)
    return target, (tender.deadline - now).total_seconds()


class IncomingBid:
    """An upload in progress: a temporary file and the structural checker, which also computes
    the envelope's SHA-256 (one pass over the bytes: hashing them twice cost a 10–50 MB upload
    a fifth of its time, ``make bench`` (b))."""

    def __init__(self, target: Target, max_size: int | None = None) -> None:
        self.target = target
        self.max_size = max_size if max_size is not None else config.max_bid_bytes()
        self.checker = EnvelopeChecker(max_size=self.max_size, expected=target.expected())
        self.size = 0
        directory = files.private_dir(config.incoming_dir())
        self.path = directory / f"{uuid.uuid4().hex}.part"
        self.info: EnvelopeInfo | None = None
        self._file: BinaryIO | None = files.open_private(self.path, exclusive=True)

    def write(self, chunk: bytes) -> None:
        """Check, hash and store one chunk; raises UserError (R-20) at the first bad byte."""
        if not chunk:
            return
        self.size += len(chunk)
        try:
            self.checker.feed(chunk)
        except EnvelopeError as error:
            self.discard()
            raise envelope_refused(error) from error
        assert self._file is not None
        self._file.write(chunk)

    def finish(self) -> EnvelopeInfo:
        if self.info is not None:
            return self.info
        try:
            info = self.checker.finish()
        except EnvelopeError as error:
            self.discard()
            raise envelope_refused(error) from error
        assert self._file is not None
        self._file.flush()
        os.fsync(self._file.fileno())  # durable before anything is receipted
        self._file.close()
        self._file = None
        self.info = info
        return info

    @property
    def digest(self) -> str:
        """The envelope's SHA-256 (hex); known once ``finish`` has checked the whole of it."""
        if self.info is None:
            raise RuntimeError("the upload is not finished: its digest is not known yet")
        return self.info.envelope_sha256

    def discard(self) -> None:
        """Forget the upload: nothing of a refused bid stays on disk."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self.path.unlink(missing_ok=True)


def decode_signature(value: str | None) -> bytes | None:
    if not value:
        return None
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise UserError("签名须为 Base64", "The signature must be base64", field="signature",
                        code="bad_signature") from error


def log_positions(session: Session, bids: list[Bid]) -> dict[uuid.UUID, int]:
    """Bid id -> index of its ``bid.submitted`` entry, for the bids whose entry is appended."""
    kept = supervision.kept_promises(
        session, [b.log_promise for b in bids if b.log_index is None and b.log_promise])
    positions = {b.id: b.log_index for b in bids if b.log_index is not None}
    positions.update({b.id: kept[b.log_promise] for b in bids
                      if b.log_promise is not None and b.log_promise in kept})
    return positions


# --- withdrawal and reading ----------------------------------------------------------------


def withdraw(session: Session, actor: Actor, user: CurrentUser, tender_id: uuid.UUID,
             section_id: uuid.UUID) -> Bid:
    """Withdraw the bidder's live bid before the deadline (R-22 allows only the bidder)."""
    org = bidder_org(session, user)
    tender = get_tender(session, tender_id, share_lock=True)
    get_section(session, tender_id, section_id)
    open_for_bids(session, tender)
    bid = live_bid(session, section_id, org.id)
    if bid is None:
        raise NotFoundError("有效投标", "Live bid")
    now = clock.now(session)
    bid.status, bid.ended_at = BidStatus.WITHDRAWN.value, now
    session.flush()
    sealed_log.record_sealed(session, actor, sealed_log.SealedEntry(
        "bid.withdrawn", tender_id, bid.id, org.id, bid.envelope_sha256,
        {"section": str(section_id)}))
    assert tender.deadline is not None
    if clock.now(session) >= tender.deadline:
        raise late_error(tender.deadline, clock.now(session))
    # its security is owed back within 5 days; logged by the platform, not the bidder
    # (the refund must not tell who withdrew from what before the deadline).
    security_refunds.after_withdrawal(session, SECURITY_ACTOR, section_id, org.id)
    return bid


def live_bid(session: Session, section_id: uuid.UUID, bidder_id: uuid.UUID) -> Bid | None:
    # The status as the live bids' index names it (``LIVE_BID``), so any plan can use it.
    query = select(Bid).where(Bid.section_id == section_id, Bid.bidder_id == bidder_id,
                              LIVE_BID)
    return session.scalars(query).one_or_none()


def bids_of_bidder(session: Session, tender_id: uuid.UUID, bidder_id: uuid.UUID) -> list[Bid]:
    """A bidder sees only its own bids (every version, newest first)."""
    query = select(Bid).where(Bid.tender_id == tender_id, Bid.bidder_id == bidder_id)
    return list(session.scalars(query.order_by(Bid.submitted_at.desc())))


def receipt_of(session: Session, bid_id: uuid.UUID, bidder_id: uuid.UUID) -> dict[str, Any]:
    bid = session.get(Bid, bid_id)
    if bid is None or bid.bidder_id != bidder_id:
        raise NotFoundError("投标", "Bid")
    parsed: dict[str, Any] = json.loads(bid.receipt)
    return parsed


def section_names(session: Session, tender_id: uuid.UUID) -> dict[uuid.UUID, str]:
    query = select(Section.id, Section.name).where(Section.tender_id == tender_id)
    return {row.id: row.name for row in session.execute(query)}
