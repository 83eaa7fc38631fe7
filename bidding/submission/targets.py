"""The submission pre-check's answer, remembered per process for at most a second.

A bidder at the deadline uploads again and again (replacing its bid) and every upload's
pre-check read the organization, the tender, the section, the database clock and the logged
key ceremony: five statements before a byte is received. Nothing the pre-check decides is
final: it only spares streaming an upload that will be refused. The decisive checks run again
in the storing transaction (``storing.store_in``: the tender share-locked, its state and deadline
re-read, the database clock after every lock), so a remembered pass can at worst let an upload
be streamed that the store then refuses. Hence:

- only passes are remembered, never a refusal: a refusal always comes from the database (an
  extended deadline is never refused from memory);
- for at most ``TTL_SECONDS``, and never past the deadline the pre-check read, measured on the
  database clock when it was read (a bid after the deadline goes back to the database);
- in two parts, each with its own key: what the tender and section gave (the logged key id,
  the deadline, the mode), per tender and section; and that the bidder's organization may bid
  (it exists and is not the platform operator's, R-26), per organization, unless the request's
  user came with its organization's kind (then that is checked). The user's role and
  organization come with the request (``CurrentUser``) and are checked every time.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
import uuid
from dataclasses import dataclass

from bidding.submission.intake import Target
from trading.accounts.models import OrganizationKind, Role
from trading.accounts.services import CurrentUser

TTL_SECONDS = 1.0
LIMIT = 10_000  # entries of each kind; beyond it, start again rather than grow


@dataclass(frozen=True)
class _TenderFacts:
    key_id: str
    deadline: dt.datetime
    bidder_decrypts: bool


_lock = threading.Lock()
_tenders: dict[tuple[uuid.UUID, uuid.UUID], tuple[float, _TenderFacts]] = {}
_organizations: dict[uuid.UUID, float] = {}  # organization id -> until (it may bid)


def recall(user: CurrentUser, tender_id: uuid.UUID, section_id: uuid.UUID) -> Target | None:
    """The pre-check's pass for this request from memory, or None (then ask the database)."""
    org_id = user.organization_id
    if org_id is None or Role.BIDDER.value not in user.roles:
        return None
    kind = user.organization_kind  # read with the user (as old as the user: token_cache)
    if kind == OrganizationKind.TRADING_CENTER.value:
        return None  # refused by the database path, with its message
    if kind is None and _organizations.get(org_id, 0.0) <= time.monotonic():
        return None
    return tender_part(user, tender_id, section_id)


def tender_part(user: CurrentUser, tender_id: uuid.UUID, section_id: uuid.UUID) -> Target | None:
    """The pass as far as the tender and section are concerned, for ``user``'s organization
    (not checked here: ``intake.check_bidder`` then ``remember_organization``), or None."""
    found = _tenders.get((tender_id, section_id))
    if found is None or found[0] <= time.monotonic() or user.organization_id is None:
        return None
    facts = found[1]
    return Target(tender_id=tender_id, section_id=section_id, bidder_id=user.organization_id,
                  user_id=user.id, key_id=facts.key_id, deadline=facts.deadline,
                  bidder_decrypts=facts.bidder_decrypts)


def remember_organization(org_id: uuid.UUID) -> None:
    """The organization passed ``intake.check_bidder`` (it exists and may bid)."""
    with _lock:
        _organizations[org_id] = time.monotonic() + TTL_SECONDS


def remember(target: Target, seconds_to_deadline: float) -> None:
    """Remember a passed pre-check; ``seconds_to_deadline`` on the database clock, as read."""
    moment = time.monotonic()
    with _lock:
        if len(_tenders) > LIMIT or len(_organizations) > LIMIT:
            _tenders.clear()
            _organizations.clear()
        _organizations[target.bidder_id] = moment + TTL_SECONDS
        seconds = min(TTL_SECONDS, seconds_to_deadline)
        if seconds > 0:
            _tenders[(target.tender_id, target.section_id)] = (moment + seconds, _TenderFacts(
                target.key_id, target.deadline, target.bidder_decrypts))


def forget_all() -> None:
    with _lock:
        _tenders.clear()
        _organizations.clear()
