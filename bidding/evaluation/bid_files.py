"""An opened bid's full file for the committee: decrypted segment by segment into a temporary
file (``open_stream`` authenticates each segment before writing it), then streamed from disk
and removed. Nothing holds the whole file in memory; a failure leaves no partial file behind."""

from __future__ import annotations

import os
import tempfile
import uuid
from pathlib import Path

from sqlalchemy.orm import Session

from bidding import config
from bidding.evaluation import room as rooms
from bidding.lookup import subject
from bidding.models import Bid
from bidding.opening.decryption import expected_ids
from bidding.sealing.crypto import custody
from bidding.sealing.crypto.envelope import EnvelopeError, open_stream
from supervision import services as supervision
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError


def decrypt_to_file(session: Session, actor: Actor, member: uuid.UUID, tender_id: uuid.UUID,
                    section_id: uuid.UUID, bid_id: uuid.UUID) -> tuple[Path, str]:
    """A ready member's copy of a valid bid's plaintext (path to remove after sending, name);
    the reading is logged."""
    tender, _section, _method = rooms.evaluable(session, tender_id, section_id)
    rooms.ready_member(session, member, tender_id, section_id)
    bid = session.get(Bid, bid_id)
    if bid is None or bid.section_id != section_id or bid.open_status != "opened":
        raise NotFoundError("投标文件", "Bid file")
    if tender.opening_private_key is None:
        raise ConflictError("开标密钥不可用", "The opening key is not available")
    key = custody.import_opening_private_key(tender.opening_private_key)
    handle, name = tempfile.mkstemp(prefix="ggzy-bid-", suffix=".bin")
    path = Path(name)
    try:
        with open(config.storage_root() / bid.storage_key, "rb") as source, \
                os.fdopen(handle, "wb") as sink:
            open_stream(source, sink, opening_private_key=key,
                        expected=expected_ids(bid, tender), bidder_half=bid.bidder_half)
    except (OSError, EnvelopeError) as error:
        path.unlink(missing_ok=True)
        raise ConflictError("投标文件无法读取", "The bid file cannot be read") from error
    supervision.record(session, actor, "evaluation.bid_file_read", subject(tender_id), {
        "section": str(section_id), "bid": str(bid_id)})
    return path, f"bid-{bid.envelope_sha256[:12]}.bin"
