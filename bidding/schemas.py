"""Request and response structs of the bidding JSON API (msgspec)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from bidding.tendering import limits
from trading.params import Fen, IdText, Label, Name, SmallCount
from trading.params import text_length as bounded


class SectionIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    estimated_price_fen: Fen
    bid_security_fen: Fen
    max_price_fen: Fen | None = None


class AnnouncementIn(msgspec.Struct, forbid_unknown_fields=True):
    """R-41: the tender announcement's items (all required; checked with the item named)."""

    project_scope: Annotated[str, bounded(1000)] = ""
    project_scale: Annotated[str, bounded(1000)] = ""
    funding_source: Annotated[str, bounded(200)] = ""
    technical_requirements: Annotated[str, bounded(5000)] = ""
    qualification: Annotated[str, bounded(5000)] = ""
    opening_place: Annotated[str, bounded(200)] = ""
    contact: Annotated[str, bounded(200)] = ""


class TenderIn(msgspec.Struct, forbid_unknown_fields=True):
    title: Name
    category: Label
    region: Label
    evaluation_method: Label
    custody_k: SmallCount
    custodian_ids: Annotated[list[IdText], msgspec.Meta(max_length=limits.MAX_CUSTODIANS)]
    sections: Annotated[list[SectionIn], msgspec.Meta(max_length=limits.MAX_SECTIONS)]
    description: Annotated[str, bounded(limits.MAX_DESCRIPTION)] = ""
    bidder_decrypts: bool = False
    # Staff name the tenderee's organization; a tenderee's own is taken from its account.
    tenderee_org_id: IdText | None = None
    agent_org_id: IdText | None = None
    # 行政监督部门: a regulator organisation; required when there are several.
    supervisor_org_id: IdText | None = None
    announcement: AnnouncementIn = msgspec.field(default_factory=AnnouncementIn)


class PublishIn(msgspec.Struct, forbid_unknown_fields=True):
    deadline: dt.datetime
    sale_ends_on: dt.date


class DocumentIn(msgspec.Struct, forbid_unknown_fields=True):
    filename: Annotated[str, bounded(255)]
    content_b64: str  # bounded by the route's body limit (config.MAX_DOCUMENT_BYTES)
    # Informational only: the stored type is decided by sniffing the content (bidding.tendering.sniff).
    content_type: Annotated[str, bounded(100)] = "application/octet-stream"


class ClarificationIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, bounded(limits.MAX_CLARIFICATION_TEXT)]
    affects_preparation: bool = True
    new_deadline: dt.datetime | None = None


class ObjectionIn(msgspec.Struct, forbid_unknown_fields=True):
    text: Annotated[str, bounded(limits.MAX_OBJECTION_TEXT)]


class AnswerIn(msgspec.Struct, forbid_unknown_fields=True):
    answer: Annotated[str, bounded(limits.MAX_ANSWER_TEXT)]
    # the answer amends the tender documents (issued as a clarification).
    amends_documents: bool = False


class CancelIn(msgspec.Struct, forbid_unknown_fields=True):
    reason: Annotated[str, bounded(limits.MAX_CANCEL_REASON)]


class ShareIn(msgspec.Struct):
    share_b64: str
    signature_b64: str
    custodian_id: str | None = None


class SectionOut(msgspec.Struct):
    id: str
    number: int
    name: str
    estimated_price_fen: int
    max_price_fen: int | None
    bid_security_fen: int
    failed: bool


class OpeningKeyOut(msgspec.Struct):
    public_key_b64: str
    key_id: str
    k: int
    n: int
    transcript_hash: str | None  # SHA-256 of the key ceremony's transcript (docs/dkg.md)


class DocumentOut(msgspec.Struct):
    id: str
    kind: str
    filename: str
    sha256: str
    size: int
    url: str


class TenderOut(msgspec.Struct):
    id: str
    code: str  # 项目编号, the readable project number
    title: str
    category: str
    region: str
    evaluation_method: str
    description: str
    state: str
    bidder_decrypts: bool
    deadline: dt.datetime | None
    documents_issued_at: dt.datetime | None
    sale_ends_at: dt.datetime | None
    sections: list[SectionOut]
    documents: list[DocumentOut]
    opening: OpeningKeyOut | None
    server_time: dt.datetime
    bidder_id: str | None = None
    # The evaluation method as data (bidding/evaluation/presets.py), published with the tender.
    evaluation_plan: dict[str, Any] | None = None


class TenderSummary(msgspec.Struct):
    id: str
    code: str
    title: str
    state: str
    deadline: dt.datetime | None
    region: str
    category: str


class BidOut(msgspec.Struct):
    id: str
    section_id: str
    status: str
    envelope_sha256: str
    size: int
    submitted_at: dt.datetime
    log_promise: int | None
    log_index: int | None  # once the promise is kept (at the latest at the close)
    receipt: dict[str, Any]


class ShareResultOut(msgspec.Struct):
    have: int
    need: int
    reconstructed: bool
    bad_custodians: list[str]
    message: str


class ProgressOut(msgspec.Struct):
    state: str
    shares: int
    need: int
    total: int
    done: int
    key_rebuilt: bool
    record: dict[str, Any] | None
    record_sha256: str | None


class KeyOut(msgspec.Struct):
    key_id: str | None
    opening_private_key_b64: str
    opening_public_key_b64: str


class DownloadOut(msgspec.Struct):
    document_id: str
    user_id: str | None
    contact: str | None
    ip: str | None
    at: dt.datetime


class HalfIn(msgspec.Struct):
    """Bidder-decrypts mode: the bidder's unsealed half of its file key (32 bytes, base64)."""

    section_id: str
    half_b64: str
