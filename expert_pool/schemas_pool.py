"""msgspec structs of the pool's JSON API (bounded like the columns they fill)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec

from trading.params import text_length

Code = Annotated[str, text_length(16, 1)]
Text200 = Annotated[str, text_length(200)]
Years = Annotated[int, msgspec.Meta(ge=0, le=80)]
TitleLevel = Annotated[int, msgspec.Meta(ge=0, le=4)]


class QualificationIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, text_length(100)]
    certificate_number: Annotated[str, text_length(64)] = ""
    issued_on: dt.date | None = None
    valid_until: dt.date | None = None


class ExpertIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, text_length(50)]
    id_number: Annotated[str, text_length(18)]
    sex: Annotated[str, text_length(8)]
    mobile: Annotated[str, text_length(20)]
    employer_name: Text200
    region: Annotated[str, text_length(64)]
    education: Annotated[str, text_length(16)]
    expert_type: Annotated[str, text_length(16)]
    specialties: Annotated[list[Code], msgspec.Meta(max_length=10)]
    main_specialty: Code
    email: Annotated[str, text_length(120)] = ""
    employer_credit_code: Annotated[str, text_length(18)] | None = None
    title: TitleLevel = 0
    title_name: Annotated[str, text_length(100)] = ""
    title_date: dt.date | None = None
    years_in_specialty: Years = 0
    pool: Annotated[str, text_length(16)] = "platform"
    qualifications: Annotated[list[QualificationIn], msgspec.Meta(max_length=20)] = []


class StatusIn(msgspec.Struct, forbid_unknown_fields=True):
    action: Annotated[str, text_length(16)]
    reason: Annotated[str, text_length(500)]
    basis: Text200 = ""
    until: dt.date | None = None
    period_from: dt.date | None = None


class UnavailabilityIn(msgspec.Struct, forbid_unknown_fields=True):
    starts_on: dt.date
    ends_on: dt.date
    reason: Text200 = ""


class ConflictIn(msgspec.Struct, forbid_unknown_fields=True):
    kind: Annotated[str, text_length(24)]
    organization_name: Text200
    credit_code: Annotated[str, text_length(18)]
    started_on: dt.date | None = None
    ended_on: dt.date | None = None
    detail: Text200 = ""


class DecisionIn(msgspec.Struct, forbid_unknown_fields=True):
    approve: bool
    reason: Annotated[str, text_length(500)] = ""


class ImportIn(msgspec.Struct, forbid_unknown_fields=True):
    filename: Annotated[str, text_length(200)]
    content_b64: Annotated[str, text_length(7_000_000)]
    admit: bool = False


class SpecialtyIn(msgspec.Struct, forbid_unknown_fields=True):
    parent_code: Code
    name_zh: Annotated[str, text_length(100, 1)]
    name_en: Text200 = ""


class SpecialtyOut(msgspec.Struct):
    code: str
    parent_code: str | None
    level: int
    name_zh: str
    name_en: str
    active: bool


class ExpertSummary(msgspec.Struct):
    number: str
    name: str
    id_number_masked: str
    employer_name: str
    region: str
    status: str
    status_label: str
    title: int
    main_specialty: str


class ExpertPage(msgspec.Struct):
    items: list[ExpertSummary]
    total: int
    page: int
    pages: int


class DatedRow(msgspec.Struct):
    id: int
    starts_on: dt.date
    ends_on: dt.date
    reason: str


class ConflictOut(msgspec.Struct):
    id: int
    kind: str
    organization_name: str
    credit_code: str
    started_on: dt.date | None
    ended_on: dt.date | None
    detail: str


class IntegrityOut(msgspec.Struct):
    kind: str
    occurred_on: dt.date
    until: dt.date | None
    basis: str
    detail: str


class ExpertOut(msgspec.Struct):
    number: str
    name: str
    id_number_masked: str
    sex: str
    mobile_masked: str
    email: str
    employer_name: str
    employer_credit_code: str | None
    region: str
    education: str
    title: int
    title_name: str
    title_date: dt.date | None
    years_in_specialty: int
    expert_type: str
    pool: str
    status: str
    status_label: str
    status_reason: str
    status_basis: str
    penalized_until: dt.date | None
    specialties: list[str]
    main_specialty: str
    qualifications: list[QualificationIn]
    unavailability: list[DatedRow]
    conflicts: list[ConflictOut]
    integrity: list[IntegrityOut]
    pending_change: bool


class UpdateOut(msgspec.Struct):
    applied: list[str]
    requested: list[str]


class ChangeOut(msgspec.Struct):
    id: int
    expert_number: str
    fields: list[str]
    state: str
    submitted_at: dt.datetime


class ProblemOut(msgspec.Struct):
    row: int
    column: str
    reason: str


class ImportOut(msgspec.Struct):
    rows: int
    imported: bool
    created: list[str]
    problems: list[ProblemOut]
