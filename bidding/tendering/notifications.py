"""Notifications to users about a tender (clarifications, the opening, the key halves)."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bidding.models import Bid, BidStatus, Notification
from trading import clock


def notify(session: Session, tender_id: uuid.UUID, user_ids: list[uuid.UUID], kind: str,
           zh: str, en: str) -> None:
    now = clock.now(session)
    for user_id in user_ids:
        session.add(Notification(tender_id=tender_id, user_id=user_id, kind=kind,
                                 message_zh=zh, message_en=en, created_at=now))
    session.flush()


def notifications_for(session: Session, user_id: uuid.UUID) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user_id)
    return list(session.scalars(query.order_by(Notification.id.desc()).limit(100)))


def count_notifications(session: Session, tender_id: uuid.UUID, kind: str) -> int:
    query = select(func.count()).select_from(Notification).where(
        Notification.tender_id == tender_id, Notification.kind == kind)
    return int(session.scalar(query) or 0)


def bidders_of(session: Session, tender_id: uuid.UUID) -> list[uuid.UUID]:
    """The users who submitted the tender's live bids (those frozen at the close)."""
    query = select(Bid.submitted_by).where(Bid.tender_id == tender_id,
                                           Bid.status == BidStatus.SUBMITTED.value)
    return sorted(set(session.scalars(query)))
