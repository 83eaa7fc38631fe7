"""A whole key ceremony in one process, each custodian's step done with its own key file.

For the demo (whose custodians' key files are all under ``var/demo/``: whoever can read that
folder can open the demo tenders early, which is why the README and the demo tender's page say
so) and for tests. Every step goes through the same service functions, checks and log entries
as the API; only the machines are one.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from bidding.models import KeyCeremony
from bidding.sealing import ceremony
from bidding.sealing.crypto import custody, dkg, dkg_custodian
from trading.accounts.services import CurrentUser
from trading.audit import Actor


def actor_of(user: CurrentUser, role: str) -> Actor:
    return Actor(user_id=str(user.id), role=role, ip=None)


def hold(session: Session, starter: CurrentUser, tender_id: uuid.UUID,
         custodians: Sequence[tuple[CurrentUser, custody.CustodianKeys]]) -> KeyCeremony:
    """Start a round and let every custodian deal, then check (no complaints when honest)."""
    round_ = ceremony.start(session, actor_of(starter, "staff"), starter, tender_id)
    document = ceremony.document_of(round_)
    for user, keys in custodians:
        contribution, _ = dkg_custodian.deal(document, keys)
        ceremony.contribute(session, actor_of(user, "custodian"), user, tender_id,
                            contribution.to_document())
    contributions = [dkg.Contribution.from_document(step.document)
                     for step in ceremony.steps(session, round_, "contribution")]
    for user, keys in custodians:
        complaints = dkg_custodian.check_dealt_shares(document, contributions, keys)
        ceremony.check(session, actor_of(user, "custodian"), user, tender_id,
                       [c.to_document() for c in complaints])
    return round_
