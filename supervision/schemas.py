"""Request and response structs of the supervision JSON API (hashes are base64)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from trading.params import Int64


class LogKeyOut(msgspec.Struct):
    origin: str
    vkey: str


class CheckpointOut(msgspec.Struct):
    size: int
    root: str
    note: str
    reason: str
    created_at: dt.datetime
    cosignatures: int


class ConsistencyOut(msgspec.Struct):
    first: int
    second: int
    proof: list[str]


class InclusionOut(msgspec.Struct):
    index: int
    size: int
    leaf_hash: str
    proof: list[str]


class CosignatureIn(msgspec.Struct, forbid_unknown_fields=True):
    size: Int64
    cosignature: Annotated[str, msgspec.Meta(max_length=4096)]


class WitnessKeyIn(msgspec.Struct, forbid_unknown_fields=True):
    username: Annotated[str, msgspec.Meta(max_length=64)]
    vkey: Annotated[str, msgspec.Meta(max_length=400)]


class WitnessKeyOut(msgspec.Struct):
    id: int
    name: str
    vkey: str


class EntryOut(msgspec.Struct):
    seq: int
    time: dt.datetime
    actor_user_id: str | None
    actor_role: str
    actor_ip: str | None
    action: str
    subject: str
    body: dict[str, Any]
    canonical: str
    leaf_hash: str


class EntryPage(msgspec.Struct):
    entries: list[EntryOut]
    next_after: int | None


class ProvenEntryOut(msgspec.Struct):
    entry: EntryOut
    checkpoint: CheckpointOut | None
    inclusion_proof: list[str]


class CheckpointPage(msgspec.Struct):
    checkpoints: list[CheckpointOut]
    next_after: int | None


class AlertOut(msgspec.Struct):
    id: int
    kind: str
    subject: str
    responsible_role: str
    label_zh: str
    label_en: str
    due_at: dt.datetime
    yellow_at: dt.datetime
    state: str
    cleared_at: dt.datetime | None
    resolution: str | None


class RedFlagOut(msgspec.Struct):
    id: int
    tender_subject: str
    stage: str
    rule: str
    bidders: list[str]
    evidence: dict[str, Any]
    log_seq: int
    created_at: dt.datetime
