"""The opening record: written when the last bid is decrypted, logged and disclosed (R-41);
the opening's progress read back."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding import lookup
from bidding.lookup import get_tender, subject
from bidding.models import Bid, OpeningRecord, OpenStatus, PanelMember, Section, Tender, TenderState
from bidding.opening.notices import (
    OPENING,
    disclose_notice,
    org_names,
    red_flags,
    sign_checkpoint,
    tenderee_name,
)
from bidding.security import status as security_status
from bidding.tendering import announcement, notifications, tenders
from supervision import services as supervision
from trading import clock

STATUS_ZH = {OpenStatus.OPENED.value: "已开启", OpenStatus.REVOKED.value: "撤销（投标人原因）",
             OpenStatus.WITHDRAWN.value: "撤回（非投标人原因）", OpenStatus.PENDING.value: "待解密"}


# --- the record ----------------------------------------------------------------------------


def build_record(session: Session, tender: Tender) -> dict[str, Any]:
    bids = list(session.scalars(select(Bid).where(
        Bid.tender_id == tender.id, Bid.open_status.is_not(None))))
    names = org_names(session, {b.bidder_id for b in bids})
    sections = []
    for section in lookup.sections_of(session, tender.id):
        own = [b for b in bids if b.section_id == section.id]
        paid = security_status.of_section(session, tender, section, {b.bidder_id for b in own})
        entries = sorted((_entry(b, names) | {"security": paid[b.bidder_id].as_dict()}
                          for b in own), key=lambda e: (e["bidder_name"], e["bid_id"]))
        sections.append({"section_id": str(section.id), "number": section.number,
                         "name": section.name, "max_price_fen": section.max_price_fen,
                         "bid_security_fen": section.bid_security_fen,
                         "failed": section.failed, "bids": entries})
    return {"format": "ggzy-opening-record/1", "tender_id": str(tender.id),
            "title": tender.title, "key_id": tender.opening_key_id,
            "deadline": tender.deadline.isoformat() if tender.deadline else None,
            "frozen_root": tender.frozen_root, "sections": sections}


def _entry(bid: Bid, names: dict[uuid.UUID, str]) -> dict[str, Any]:
    announced = bid.announced or {}
    return {"bid_id": str(bid.id), "bidder_id": str(bid.bidder_id),
            "bidder_name": names.get(bid.bidder_id, str(bid.bidder_id)),
            "envelope_sha256": bid.envelope_sha256, "status": bid.open_status,
            "price_fen": bid.price_fen, "duration_days": announced.get("duration_days"),
            "quality": announced.get("quality"), "items": announced.get("items"),
            "reason": bid.open_reason}


def finalize(session: Session, tender: Tender) -> None:
    now = clock.now(session)
    record = build_record(session, tender)
    record["opened_at"] = now.isoformat()
    digest = hashlib.sha256(json.dumps(record, sort_keys=True, ensure_ascii=False)
                            .encode()).hexdigest()
    tenders.transition(session, OPENING, tender.id, TenderState.CLOSED, TenderState.OPENED,
                       "tender.opened", {"record_sha256": digest}, opened_at=now)
    index = supervision.record(session, OPENING, "opening.record", subject(tender.id),
                               {"sha256": digest, "record": record})
    session.add(OpeningRecord(tender_id=tender.id, record=record, sha256=digest,
                              log_index=index, created_at=now))
    session.flush()
    sign_checkpoint(session, "opened", tender)
    disclose_notice(session, tender, "opening_record", _notice_data(session, tender, record, now))
    opened = list(session.scalars(select(Bid).where(
        Bid.tender_id == tender.id, Bid.open_status == OpenStatus.OPENED.value)))
    red_flags(session, tender.id, opened, "opening")
    # Issue 13: the bidders hear of the opening too, not only the custodians.
    notifications.notify(session, tender.id, notifications.bidders_of(session, tender.id),
                         "opening", f"「{tender.title}」已开标，开标记录已公布，请查看开标结果",
                         f"'{tender.title}' was opened: the opening record is published")


def _security_remark(security: dict[str, Any] | None) -> str:
    """The opening record's bid security column, in the notice's words."""
    if not security:
        return ""
    state = "保函" if security["guarantee"] else "已缴" if security["paid"] else "未缴足"
    received, due = (announcement.yuan_text(security[k]) for k in ("received_fen", "due_fen"))
    return f"；投标保证金：{state}（到账 {received} / 应缴 {due}）"


def _notice_data(session: Session, tender: Tender, record: dict[str, Any],
                 now: dt.datetime) -> dict[str, Any]:
    bids = []
    for section in record["sections"]:
        for entry in section["bids"]:
            bids.append({
                "bidder": entry["bidder_name"], "price": announcement.yuan_text(entry["price_fen"] or 0),
                "duration": str(entry["duration_days"] or ""),
                "quality": str(entry["quality"] or ""),
                "status": STATUS_ZH.get(entry["status"], entry["status"]),
                "remarks": f"标段 {section['number']} {section['name']}"
                           f"{_security_remark(entry.get('security'))}",
            })
    return {"tenderee": tenderee_name(session, tender), "opening_time": now.isoformat(),
            "opening_place": "电子交易平台线上开标", "bids": bids}


# --- reading -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    state: str
    shares: int
    need: int
    total: int
    done: int
    key_rebuilt: bool

    def as_dict(self) -> dict[str, Any]:
        return {"state": self.state, "shares": self.shares, "need": self.need,
                "total": self.total, "done": self.done, "key_rebuilt": self.key_rebuilt}


def progress(session: Session, tender_id: uuid.UUID) -> Progress:
    tender = get_tender(session, tender_id)
    counts = dict(session.execute(
        select(Bid.open_status, func.count()).where(
            Bid.tender_id == tender_id, Bid.open_status.is_not(None))
        .group_by(Bid.open_status)).all())
    shares = session.scalar(select(func.count()).select_from(PanelMember).where(
        PanelMember.tender_id == tender_id, PanelMember.share.is_not(None),
        PanelMember.share_bad.is_(False))) or 0
    total = sum(counts.values())
    return Progress(tender.state, int(shares), tender.custody_k, total,
                    total - counts.get(OpenStatus.PENDING.value, 0),
                    tender.key_reconstructed_at is not None)


def record_of(session: Session, tender_id: uuid.UUID) -> OpeningRecord | None:
    return session.get(OpeningRecord, tender_id)


def sections_failed(session: Session, tender_id: uuid.UUID) -> list[Section]:
    return [s for s in lookup.sections_of(session, tender_id) if s.failed]
