"""The evaluation method a tender carries: set from a preset at creation, adjusted while the
tender is a draft, frozen once published (the bidders prepared their bids against it)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from bidding.evaluation import presets
from bidding.evaluation.methods import Method, check
from bidding.lookup import get_tender, subject
from bidding.models import Tender, TenderState
from supervision import services as supervision
from trading import clock
from trading.audit import Actor
from trading.errors import ConflictError


def initial(name: str, category: str, data: dict[str, Any] | None = None) -> tuple[str, Method]:
    """The method a new tender starts with: its preset's name, and the preset (or the submitted
    method data, checked)."""
    key = presets.preset_for(name, category)
    method = check(presets.from_data(data)) if data is not None else presets.preset(key)
    return presets.PRESETS[key].zh, method


def method_of(tender: Tender) -> Method | None:
    """The tender's method (None only for tenders made before methods were data)."""
    return presets.from_data(tender.evaluation_plan) if tender.evaluation_plan else None


def set_method(session: Session, actor: Actor, tender_id: uuid.UUID, preset_key: str,
               points: dict[str, str] | None = None,
               price: dict[str, str] | None = None) -> Method:
    """Replace a draft's method by a preset, adjusted by ``points`` (criterion code → points)
    and ``price`` (``points``, ``coefficient``); refused after publication."""
    tender = get_tender(session, tender_id, lock=True)
    if tender.state != TenderState.DRAFT.value:
        raise ConflictError("招标项目发布后不能修改评标办法（评标办法随招标文件公布）",
                            "The evaluation method is published with the tender and cannot "
                            "change after publication")
    base = presets.preset(preset_key)
    method = presets.adjusted(base, points or {}, price or {})
    tender.evaluation_method = presets.PRESETS[preset_key].zh
    tender.evaluation_plan = presets.to_data(method)
    tender.updated_at = clock.now(session)
    tender.version += 1
    supervision.record(session, actor, "tender.evaluation_method_set", subject(tender_id),
                       {"preset": preset_key, "method": tender.evaluation_plan})
    return method
