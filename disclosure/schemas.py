"""Request and response structs of the disclosure API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any

import msgspec

from trading.params import text_length

FieldList = Annotated[list[Annotated[str, text_length(200)]], msgspec.Meta(max_length=200)]


class NoticeOut(msgspec.Struct):
    id: uuid.UUID
    url: str
    notice_type: str
    tender_ref: str
    ocid: str
    title: str
    region: str
    category: str
    published_at: dt.datetime
    content_hash: str
    log_index: int
    feed_seq: int
    corrects: uuid.UUID | None
    data: dict[str, Any]
    publicity_ends_at: dt.datetime | None = None


class NoticePage(msgspec.Struct):
    items: list[NoticeOut]
    next_cursor: str | None


class ChangeFeed(msgspec.Struct):
    items: list[NoticeOut]
    # Pass it back as ?cursor= to get what became public since; equal to the input when empty.
    next_cursor: int


class VerificationOut(msgspec.Struct):
    ok: bool
    problems: list[str]
    computed_hash: str


class ProofOut(msgspec.Struct):
    notice_id: uuid.UUID
    log_index: int
    tree_size: int
    root: str
    leaf_hash: str
    audit_path: list[str]
    canonical_entry: str
    content_hash: str
    verification: VerificationOut


class PublishIn(msgspec.Struct):
    notice_type: Annotated[str, text_length(32)]
    tender_ref: Annotated[str, text_length(64)]
    title: Annotated[str, text_length(300)]
    data: dict[str, Any]
    region: Annotated[str, text_length(32)]
    category: Annotated[str, text_length(32)]
    publish_at: dt.datetime | None = None
    corrects: uuid.UUID | None = None
    secret_fields: FieldList = msgspec.field(default_factory=list)


class PublishOut(msgspec.Struct):
    id: uuid.UUID
    url: str
    content_hash: str
    log_index: int
    status: str
    publish_at: dt.datetime


class PreviewIn(msgspec.Struct):
    notice_type: Annotated[str, text_length(32)]
    title: Annotated[str, text_length(300)]
    data: dict[str, Any]
    secret_fields: FieldList = msgspec.field(default_factory=list)


class PreviewOut(msgspec.Struct):
    title: str
    data: dict[str, Any]
    masked: list[str]


class UnredactedOut(msgspec.Struct):
    id: uuid.UUID
    title: str
    data: dict[str, Any]
    secret_fields: list[str]
