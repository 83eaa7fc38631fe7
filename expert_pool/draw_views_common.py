"""What the draw pages share: who may do what, and a draw as its pages show it (names resolved,
states by label key, nothing internal)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from litestar import Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import services as bidding
from expert_pool import drawing
from expert_pool.models import Draw, DrawPick, DrawRequirement, DrawState, Expert, PickState, Specialty
from supervision import services as log
from trading.accounts import services as accounts
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.errors import UserError
from trading.web import current_user, requires_role

STAFF = requires_role(Role.STAFF)
VIEWERS = requires_role(Role.STAFF, Role.REGULATOR)
SUPERVISORS = requires_role(Role.REGULATOR)
# The draw's own page is the only place the success message keys come from: an allow-list.
DONE = frozenset({"requested", "committed", "drawn", "cancelled", "approved", "refused", "rated"})
REVEALED = frozenset({DrawState.DRAWN.value, DrawState.COMPLETED.value})
LAW_KEY = {True: "drawpage.law_text_gp", False: "drawpage.law_text"}


def user_of(request: Request[Any, Any, Any]) -> CurrentUser:
    user = current_user(request)
    assert user is not None  # every draw page is guarded
    return user


def is_staff(user: CurrentUser | None) -> bool:
    return user is not None and Role.STAFF.value in user.roles


def is_regulator(user: CurrentUser | None) -> bool:
    return user is not None and Role.REGULATOR.value in user.roles


def done_key(done: str | None) -> str | None:
    return f"drawpage.done.{done}" if done in DONE else None


def find_draw(session: Session, number: str) -> Draw:
    return drawing.draw_by_number(session, number)


@dataclass(frozen=True)
class SectionLabel:
    tender_title: str
    section_name: str
    government_procurement: bool = False


def section_label(session: Session, tender_id: uuid.UUID, section_id: uuid.UUID) -> SectionLabel:
    try:
        facts = bidding.section_facts(session, tender_id, section_id)
    except UserError:  # e.g. the tender was cancelled afterwards: names are still wanted
        return SectionLabel("—", "—")
    return SectionLabel(facts.tender_title, facts.section_name, facts.government_procurement)


def section_labels(session: Session, draws: Iterable[Draw]) -> dict[uuid.UUID, SectionLabel]:
    known = {(s.tender_id, s.section_id): SectionLabel(s.tender_title, s.section_name)
             for s in bidding.sections_for_draw(session)}
    return {d.id: known.get((d.tender_id, d.section_id))
            or section_label(session, d.tender_id, d.section_id) for d in draws}


def user_name(session: Session, user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return "—"
    try:
        return accounts.get_user(session, user_id).display_name
    except UserError:
        return "—"


def specialty_names(session: Session, codes: Iterable[str]) -> dict[str, Specialty]:
    wanted = set(codes)
    if not wanted:
        return {}
    return {s.code: s for s in session.scalars(select(Specialty).where(Specialty.code.in_(wanted)))}


def own_expert_id(session: Session, user: CurrentUser | None) -> uuid.UUID | None:
    if user is None or Role.EXPERT.value not in user.roles:
        return None
    return session.scalar(select(Expert.id).where(Expert.user_id == user.id))


def committer(session: Session, draw: Draw) -> str:
    """Who made the commitment: read from the log (the draw row keeps only who requested)."""
    for entry in log.entries(session, subject=drawing.subject(draw), limit=50):
        if "commit" in entry.action and entry.actor.user_id:
            return user_name(session, uuid.UUID(entry.actor.user_id))
    return "—"


@dataclass
class PickRow:
    pick: DrawPick
    name: str | None  # None: sealed for this viewer
    mobile: str | None
    state_key: str


@dataclass
class SpecialtyBlock:
    code: str
    name: str
    count: int
    backups: int
    picks: list[PickRow] = field(default_factory=list)


def committee(session: Session, draw: Draw, show_names: bool, lang: str) -> list[SpecialtyBlock]:
    """The ranked result by specialty; names only when the viewer may see them (R-33)."""
    requirements = requirements_of(session, draw)
    picks = drawing.picks_of(session, draw.id)
    names = specialty_names(session, {p.specialty_code for p in picks}
                            | {r.specialty_code for r in requirements})
    experts = {e.id: e for e in session.scalars(
        select(Expert).where(Expert.id.in_({p.expert_id for p in picks})))} if show_names else {}
    blocks: dict[str, SpecialtyBlock] = {}
    for requirement in requirements:
        blocks[requirement.specialty_code] = SpecialtyBlock(
            requirement.specialty_code, specialty_name(names, requirement.specialty_code, lang),
            requirement.count, requirement.backups)
    for pick in sorted(picks, key=lambda p: (p.specialty_code, p.rank)):
        block = blocks.setdefault(pick.specialty_code, SpecialtyBlock(
            pick.specialty_code, specialty_name(names, pick.specialty_code, lang), 0, 0))
        expert = experts.get(pick.expert_id)
        block.picks.append(PickRow(pick, expert.name if expert else None,
                                   expert.mobile if expert else None, pick_state_key(pick.state)))
    return list(blocks.values())


def specialty_name(names: dict[str, Specialty], code: str, lang: str) -> str:
    found = names.get(code)
    if found is None:
        return code
    return found.name_en if lang == "en" and found.name_en else found.name_zh


def pick_state_key(state: str) -> str:
    return f"drawpage.pick.{state}" if state in {s.value for s in PickState} else "drawpage.pick.reserve"


def draw_state_key(state: str) -> str:
    return f"drawpage.state.{state}" if state in {s.value for s in DrawState} else "drawpage.state.requested"


def requirements_of(session: Session, draw: Draw) -> list[DrawRequirement]:
    return list(session.scalars(select(DrawRequirement).where(DrawRequirement.draw_id == draw.id)
                                .order_by(DrawRequirement.specialty_code)))


def hex_value(value: bytes | None) -> str | None:
    return value.hex() if value is not None else None
