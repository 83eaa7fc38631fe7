"""Checking a draw request (R-30..R-32) before anything is saved or logged: its problems and,
live, how many experts are eligible per specialty; with the listing, the eligible pool itself.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bidding import services as bidding
from expert_pool import draw_rules, recusal
from expert_pool.models import Draw, DrawState
from trading import clock
from trading.errors import UserError

if TYPE_CHECKING:
    from expert_pool.drawing import DrawInput


@dataclass
class SpecialtyCount:
    code: str
    name_zh: str
    name_en: str
    needed: int
    eligible: int


@dataclass
class Preview:
    counts: list[SpecialtyCount]
    problems: list[UserError]

    @property
    def ok(self) -> bool:
        return not self.problems


# --- checking a request ----------------------------------------------------------------------


def context_for(session: Session, data: DrawInput, facts: bidding.SectionFacts, now: dt.datetime,
                draw_id: uuid.UUID | None = None,
                supervisor: tuple[str | None] | None = None,
                specialties: recusal.SpecialtyTree | None = None) -> recusal.Context:
    first = clock.legal_day(data.evaluation_at)
    if supervisor is None:
        supervisor = draw_rules.supervisor_code(session, data.supervisor_user_id)
    return recusal.Context(
        requirement_codes=[r.specialty_code for r in data.requirements],
        first_day=first, last_day=first + dt.timedelta(days=max(data.expected_days, 1) - 1),
        now=now, bidder_codes=frozenset(b.credit_code for b in facts.bidders if b.credit_code),
        tenderee_code=facts.tenderee_credit_code,
        supervising_code=supervisor[0] if supervisor else None,
        government_procurement=facts.government_procurement,
        regions_include=tuple(data.regions_include), regions_exclude=tuple(data.regions_exclude),
        min_title=data.min_title, min_years=data.min_years, cap_draws=data.cap_draws,
        cap_days=data.cap_days, draw_id=draw_id, specialties=specialties)


def _counts(data: DrawInput, eligible: dict[str, int],
            specialties: recusal.SpecialtyTree) -> list[SpecialtyCount]:
    counts = []
    for requirement in data.requirements:
        name_zh, name_en = specialties.names.get(requirement.specialty_code, ("", ""))
        counts.append(SpecialtyCount(requirement.specialty_code, name_zh, name_en,
                                     requirement.count, eligible.get(requirement.specialty_code, 0)))
    return counts


def _shortages(counts: list[SpecialtyCount]) -> list[UserError]:
    return [UserError(f"专业 {c.code} 需要 {c.needed} 名，符合条件的只有 {c.eligible} 名",
                      f"Specialty {c.code} needs {c.needed} experts; only {c.eligible} are eligible",
                      field="requirements", code="too_few_experts")
            for c in counts if c.eligible < c.needed]


@dataclass
class Checked:
    preview: Preview
    found: recusal.Assessment | None  # with ``listing``: the eligible pool and the recused
    now: dt.datetime  # the database time the rules were evaluated at


def check(session: Session, data: DrawInput, draw_id: uuid.UUID | None = None, *,
          listing: bool = False) -> Checked:
    """The request's problems and live counts; with ``listing`` also the eligible pool itself
    (the commit needs it; a request only needs the counts, which the database adds up)."""
    now = clock.now(session)
    facts = bidding.section_facts(session, data.tender_id, data.section_id)
    supervisor = draw_rules.supervisor_code(session, data.supervisor_user_id)
    codes = [r.specialty_code for r in data.requirements]
    specialties = recusal.read_tree(session, codes)
    problems = draw_rules.committee_problems(data, facts) + draw_rules.request_problems(
        data, now, supervisor, specialties.active)
    if draw_id is None:
        problems += _live_draw_problems(session, data)
    if not codes or not set(codes) <= specialties.active:
        return Checked(Preview([], problems), None, now)
    context = context_for(session, data, facts, now, draw_id, supervisor, specialties)
    found = recusal.assess(session, context) if listing else None
    eligible = ({code: found.count(code) for code in codes} if found is not None
                else recusal.count_eligible(session, context))
    counts = _counts(data, eligible, specialties)
    return Checked(Preview(counts, problems + _shortages(counts)), found, now)


def _live_draw_problems(session: Session, data: DrawInput) -> list[UserError]:
    """One committee per section: a new draw only once the earlier one is cancelled (with its
    reason logged), so a disliked result cannot be quietly drawn again beside it."""
    live = session.connection().execute(_LIVE_DRAW, {
        "tender_id": data.tender_id, "section_id": data.section_id}).scalar()
    if live is None:
        return []
    return [UserError(f"该标段已有抽取 {live}；如需重新抽取，请先取消该抽取并说明理由",
                      f"This section already has draw {live}; cancel it, with the reason, "
                      "before drawing again", field="section_id", status=409, code="draw_exists")]


_LIVE_DRAW = select(Draw.number).where(  # built once (Core: no ORM execution for one value)
    Draw.tender_id == bindparam("tender_id"), Draw.section_id == bindparam("section_id"),
    Draw.state != DrawState.CANCELLED.value).limit(1)


def preview(session: Session, data: DrawInput) -> Preview:
    """The live count the request form shows: nothing written, nothing logged."""
    return check(session, data).preview


def refuse(result: Preview) -> None:
    """Raise the first problem of a checked request, if it has any."""
    if result.problems:
        raise result.problems[0]
