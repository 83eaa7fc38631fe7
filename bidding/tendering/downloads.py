"""Who downloaded a tender's documents (R-14): phones, e-mails and addresses of bidders.

Refused until the deadline (``documents.downloads_of``), and at any time to anyone but staff,
regulators and the tender's own tenderee organization: a tenderee of another organization
gets 403 (issue 10, item 4).
"""

from __future__ import annotations

import uuid

from bidding import lookup
from bidding.models import Tender
from bidding.schemas import DownloadOut
from bidding.tendering import documents
from trading import db
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError


def may_read(user: CurrentUser, tender: Tender) -> None:
    """Staff and regulators read every tender's list; a tenderee only its own organization's."""
    if user.has_any({Role.STAFF.value, Role.REGULATOR.value}):
        return
    if (Role.TENDEREE.value in user.roles and tender.tenderee_org_id is not None
            and tender.tenderee_org_id == user.organization_id):
        return
    raise UserError("您无权查看该招标项目的下载人名单",
                    "You may not read the downloaders of this tender", status=403,
                    code="forbidden")


def list_for(user: CurrentUser, tender_id: uuid.UUID) -> list[DownloadOut]:
    with db.read_only() as session:
        tender = lookup.get_tender(session, tender_id)
        may_read(user, tender)
        rows = documents.downloads_of(session, tender_id)
        return [DownloadOut(str(r.document_id), str(r.user_id) if r.user_id else None,
                            r.contact, r.ip, r.at) for r in rows]
