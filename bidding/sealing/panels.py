"""Custodians on the platform side: their long-term public keys and the tender panels.

The platform only ever holds public data before the deadline: the opening key is made by the
custodians together (``bidding.sealing.ceremony``, docs/dkg.md) and nobody holds its private
half. Their shares after the deadline are ``bidding.opening.shares``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bidding.lookup import panel_of
from bidding.models import CustodianKey, PanelMember
from bidding.sealing.crypto import custody
from supervision import services as supervision
from trading import clock
from trading.accounts import services as accounts
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import UserError


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


def select_memberships(user_id: uuid.UUID) -> Any:
    """The panels a custodian sits on."""
    return select(PanelMember).where(PanelMember.user_id == user_id)
