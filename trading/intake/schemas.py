"""The intake's JSON API structures (msgspec): the public catalog and service guides."""

from __future__ import annotations

import datetime as dt

import msgspec


class MaterialOut(msgspec.Struct):
    name: str
    required: bool
    form: str  # paper, electronic or both
    copies: int
    validity_needed: bool
    note: str
    template_url: str | None


class ItemSummary(msgspec.Struct):
    code: str
    name: str
    department: str
    department_name: str
    region: str  # the department's region (administrative division code)
    region_name: str
    kind: str  # immediate (即办件) or promised (承诺件)
    promised_days: int
    online: bool
    guide_url: str


class ItemList(msgspec.Struct):
    items: list[ItemSummary]


class ItemGuide(msgspec.Struct):
    code: str
    name: str
    department: str
    department_name: str
    region: str  # the department's region (administrative division code)
    region_name: str
    kind: str
    legal_basis: str
    conditions: str
    fee_basis: str | None
    fee_fen: int | None
    promised_days: int
    statutory_days: int
    excluded_kinds: list[str]
    online: bool
    participants: list[str]
    collection: str
    materials: list[MaterialOut]
    version: int
    updated_at: dt.datetime
