"""Draw requests and the verifiable draw (R-30..R-34; design: transparency-log.md).

A request is checked and saved (``draw.requested``); ``commit`` fixes the eligible pool after
recusal and logs its hash with H(r_platform) (``draw.committed``); the supervising officer's
typed value arrives after that (``contribute``: ``draw.contributed``), and only then are the
seed, the ranking and the result computed and logged (``draw.result``). Nobody alone controls
the committee, and ``supervision.draws`` re-runs it from the log. Replacements take the next
rank (``draw_replacement.replace``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import cast

from sqlalchemy import Table, bindparam, insert, select
from sqlalchemy.orm import Session

from expert_pool.draw_checks import Checked, check, refuse
from expert_pool.draw_checks import context_for as context_for
from expert_pool.draw_checks import preview as preview
from expert_pool.models import (
    Draw,
    DrawPick,
    DrawRequirement,
    DrawState,
    Expert,
    PickState,
    SerialCounter,
    draw_series,
)
from expert_pool.notify import (
    NO_ANSWER_JOB,
    Contact,
    Invitation,
    answer_due,
    answers_subject,
    ask_expert,
    invite,
    tell,
)
from supervision import draws as verifiable
from supervision import services as supervision
from trading import clock, counters, jobs
from trading.accounts.models import Role
from trading.accounts.services import CurrentUser
from trading.audit import Actor
from trading.errors import ConflictError, NotFoundError, UserError

ALGORITHM = verifiable.ALGORITHM_V3
NUMBER_PREFIX = "CQ"
MAX_VALUE = 200  # the supervising officer's typed value
AWAITING_SUPERVISOR = "expert_pool.awaiting_supervisor"  # alert: committed, no value yet
LATE_CANCELLATION_ALERT = "expert_pool.late_cancellation"  # alert: attendance's staff queue
MAX_REASON = 500
SEATED = (PickState.CONFIRMED.value, PickState.CHECKED_IN.value)


@dataclass(frozen=True)
class RequirementInput:
    specialty_code: str
    count: int
    backups: int = 2


@dataclass(frozen=True)
class DrawInput:
    tender_id: uuid.UUID
    section_id: uuid.UUID
    committee_size: int
    tenderee_representatives: int
    requirements: list[RequirementInput]
    evaluation_at: dt.datetime  # aware
    place: str
    supervisor_user_id: uuid.UUID
    expected_days: int = 1
    regions_include: list[str] = field(default_factory=list)
    regions_exclude: list[str] = field(default_factory=list)
    region_reason: str = ""
    min_title: int = 0
    min_years: int = 0
    cap_draws: int | None = None
    cap_days: int | None = None
    answer_minutes: int = 120


# --- reading ----------------------------------------------------------------------------------


def get_draw(session: Session, draw_id: uuid.UUID, *, lock: bool = False) -> Draw:
    query = select(Draw).where(Draw.id == draw_id)
    draw = session.scalar(query.with_for_update() if lock else query)
    if draw is None:
        raise NotFoundError("抽取", "Draw")
    return draw


def draw_by_number(session: Session, number: str) -> Draw:
    draw = session.scalar(select(Draw).where(Draw.number == number))
    if draw is None:
        raise NotFoundError("抽取", "Draw")
    return draw


def list_draws(session: Session, tender_id: uuid.UUID | None = None) -> list[Draw]:
    query = select(Draw).order_by(Draw.requested_at.desc(), Draw.number.desc())
    if tender_id is not None:
        query = query.where(Draw.tender_id == tender_id)
    return list(session.scalars(query))


def requirements_of(session: Session, draw_id: uuid.UUID) -> list[DrawRequirement]:
    """In the order they were asked for (which decides an expert matching two of them)."""
    rows = list(session.scalars(select(DrawRequirement).where(DrawRequirement.draw_id == draw_id)))
    draw = session.get(Draw, draw_id)
    order = list((draw.eligible or {}).keys()) if draw is not None else []
    return sorted(rows, key=lambda r: order.index(r.specialty_code) if r.specialty_code in order
                  else len(order))


def picks_of(session: Session, draw_id: uuid.UUID) -> list[DrawPick]:
    """Rank order per specialty."""
    return list(session.scalars(select(DrawPick).where(DrawPick.draw_id == draw_id)
                                .order_by(DrawPick.specialty_code, DrawPick.rank)))


@dataclass(frozen=True)
class Exclusion:
    expert_number: str
    reason: str  # an ExclusionReason value
    detail: str


def exclusions_of(draw: Draw) -> list[Exclusion]:
    """Who was left out and why, by expert number: regulators only (callers guard)."""
    return [Exclusion(number, reason, detail)
            for number, (reason, detail) in sorted((draw.excluded or {}).items())]


def may_see_names(user: CurrentUser, draw: Draw, own_expert_id: uuid.UUID | None) -> bool:
    """R-33: staff running draws, regulators and the draw's supervising officer see the names.

    An expert sees only its own pick (``own_expert_id``; the caller shows that one row), never
    the whole committee; bidders, tenderees and the public see none.
    """
    del own_expert_id  # an expert's own row is shown by the caller, not through this answer
    if user.has_any((Role.STAFF.value, Role.REGULATOR.value)):
        return True
    return user.id == draw.supervisor_user_id


def _next_number(session: Session, now: dt.datetime) -> str:
    """``CQ-<Beijing year>-<serial>``: the year's counter, never the highest number in use
    (text order puts "…-9999" after "…-10000"; two requests at once read the same one)."""
    year = clock.legal_day(now).year
    serial = counters.take_next(session, cast(Table, SerialCounter.__table__), draw_series(year))
    return f"{NUMBER_PREFIX}-{year}-{serial:04d}"


def parameters(draw: Draw) -> dict[str, object]:
    """What the log holds of a request: conditions only, never a name."""
    return {
        "draw": draw.number, "tender": str(draw.tender_id), "section": str(draw.section_id),
        "committee_size": draw.committee_size,
        "tenderee_representatives": draw.tenderee_representatives,
        "regions_include": list(draw.regions_include), "regions_exclude": list(draw.regions_exclude),
        "region_reason": draw.region_reason, "min_title": draw.min_title,
        "min_years": draw.min_years, "cap_draws": draw.cap_draws, "cap_days": draw.cap_days,
        "evaluation_day": draw.evaluation_on.isoformat(), "expected_days": draw.expected_days,
    }


def request_draw(session: Session, actor: Actor, requested_by: uuid.UUID, data: DrawInput, *,
                 commit_now: bool = False) -> Draw:
    """Save a request that meets R-30 and has enough eligible experts; logs ``draw.requested``.

    With ``commit_now`` (staff drawing at the session, not preparing a request in advance)
    the same check fixes the pool and logs ``draw.committed`` too: the rules are evaluated
    once, where a separate commit a moment later would evaluate them again."""
    with supervision.batch(session):  # one append for the step's entries
        # The year's counter first: its row lock, held to the end of the transaction, makes
        # requests made at the same moment wait for each other, so two for one section cannot
        # both pass the one-live-draw check (the second reads after the first committed). A
        # refused request rolls the counter back with it.
        number = _next_number(session, clock.now(session))
        checked = check(session, data, listing=commit_now)
        refuse(checked.preview)
        draw = _new_draw(requested_by, data, checked.now, number)
        if checked.found is not None:
            _fix(draw, data, checked)  # inserted with its pool: one INSERT, no UPDATE after it
        _save_request(session, actor, draw, data)
        if checked.found is not None:
            _announce_pool(session, actor, draw, data)
    return draw


def _new_draw(requested_by: uuid.UUID, data: DrawInput, now: dt.datetime, number: str) -> Draw:
    return Draw(
        number=number, tender_id=data.tender_id, section_id=data.section_id,
        state=DrawState.REQUESTED.value, committee_size=data.committee_size,
        tenderee_representatives=data.tenderee_representatives,
        regions_include=list(data.regions_include), regions_exclude=list(data.regions_exclude),
        region_reason=data.region_reason.strip(), min_title=data.min_title,
        min_years=data.min_years, cap_draws=data.cap_draws, cap_days=data.cap_days,
        evaluation_on=clock.legal_day(data.evaluation_at),
        evaluation_at=data.evaluation_at.astimezone(dt.UTC), expected_days=data.expected_days,
        place=data.place.strip(), answer_minutes=data.answer_minutes,
        supervisor_user_id=data.supervisor_user_id, requested_by=requested_by, requested_at=now,
        algorithm=ALGORITHM,
        # The requirement order is kept in ``eligible``'s key order from here on.
        eligible={r.specialty_code: [] for r in data.requirements})


def _save_request(session: Session, actor: Actor, draw: Draw, data: DrawInput) -> None:
    """The draw and its requirements written (the requirements by one Core statement: nothing
    here reads them back as objects), ``draw.requested`` logged."""
    session.add(draw)
    session.flush()
    session.connection().execute(insert(_REQUIREMENTS), [
        {"draw_id": draw.id, "specialty_code": r.specialty_code, "count": r.count,
         "backups": r.backups} for r in data.requirements])
    supervision.record(session, actor, "draw.requested", subject(draw), {
        "parameters": parameters(draw),
        "categories": {r.specialty_code: r.count for r in data.requirements},
        "backups": {r.specialty_code: r.backups for r in data.requirements}})


_REQUIREMENTS = cast(Table, DrawRequirement.__table__)


def subject(draw: Draw) -> str:
    return f"{verifiable.SUBJECT_PREFIX}{draw.number}"


def input_of(session: Session, draw: Draw) -> DrawInput:
    """A saved request as the checks read it (to re-check at commit and at a replacement)."""
    return DrawInput(
        tender_id=draw.tender_id, section_id=draw.section_id, committee_size=draw.committee_size,
        tenderee_representatives=draw.tenderee_representatives,
        requirements=[RequirementInput(r.specialty_code, r.count, r.backups)
                      for r in requirements_of(session, draw.id)],
        evaluation_at=draw.evaluation_at, place=draw.place,
        supervisor_user_id=draw.supervisor_user_id, expected_days=draw.expected_days,
        regions_include=list(draw.regions_include), regions_exclude=list(draw.regions_exclude),
        region_reason=draw.region_reason, min_title=draw.min_title, min_years=draw.min_years,
        cap_draws=draw.cap_draws, cap_days=draw.cap_days, answer_minutes=draw.answer_minutes)


# --- the verifiable draw ----------------------------------------------------------------------


def _require_state(draw: Draw, *states: DrawState) -> None:
    if draw.state not in {s.value for s in states}:
        raise ConflictError(f"抽取 {draw.number} 当前状态不允许此操作",
                            f"Draw {draw.number} is not in a state that allows this")


def commit(session: Session, actor: Actor, draw_id: uuid.UUID) -> Draw:
    """Fix the eligible pool now (recusal recomputed) and commit to H(r_platform)."""
    with supervision.batch(session):  # one append for the step's entries
        return _commit(session, actor, draw_id)


def _commit(session: Session, actor: Actor, draw_id: uuid.UUID) -> Draw:
    draw = get_draw(session, draw_id, lock=True)
    _require_state(draw, DrawState.REQUESTED)
    data = input_of(session, draw)
    checked = check(session, data, draw.id, listing=True)
    refuse(checked.preview)
    return _fix_pool(session, actor, draw, data, checked)


def _fix_pool(session: Session, actor: Actor, draw: Draw, data: DrawInput, checked: Checked) -> Draw:
    """The eligible pool of ``checked`` fixed and hashed, H(r_platform) logged (``draw.committed``)."""
    _fix(draw, data, checked)
    session.flush()
    _announce_pool(session, actor, draw, data)
    return draw


def _fix(draw: Draw, data: DrawInput, checked: Checked) -> None:
    """The pool, its hash and H(r_platform) set on ``draw`` (state committed), not yet written."""
    found = checked.found
    assert found is not None
    eligible = {r.specialty_code: list(found.eligible.get(r.specialty_code, []))
                for r in data.requirements}
    r_platform = secrets.token_bytes(32)
    draw.eligible = eligible
    draw.pool_hash = verifiable.pool_hash(eligible)
    draw.r_platform = r_platform
    draw.commitment = verifiable.commitment_of(r_platform)
    draw.committed_at = checked.now
    draw.excluded = {number: [reason, detail] for number, (reason, detail) in found.excluded.items()}
    draw.state = DrawState.COMMITTED.value


def _announce_pool(session: Session, actor: Actor, draw: Draw, data: DrawInput) -> None:
    """The supervising officer's alert and ``draw.committed``, for a draw ``_fix`` committed."""
    assert draw.committed_at is not None
    # The supervising officer is told by an alert that the draw waits for their value (taken
    # before the log entry: the log head is always the last lock).
    supervision.watch_deadline(
        session, AWAITING_SUPERVISOR, subject(draw), "regulator", draw.evaluation_at,
        f"抽取 {draw.number}：已生成承诺，等待监督人输入随机数",
        f"Draw {draw.number}: committed, waiting for the supervising officer's value",
        margin=max(draw.evaluation_at - draw.committed_at, dt.timedelta(0)),
        new_subject=True, now=draw.committed_at)  # raised once, by the commit, under the draw's lock
    supervision.record(session, actor, "draw.committed", subject(draw), {
        "algorithm": draw.algorithm,  # a draw requested before an upgrade keeps its version
        "categories": {r.specialty_code: r.count for r in data.requirements},
        "backups": {r.specialty_code: r.backups for r in data.requirements},
        "pool_hash": draw.pool_hash, "commitment": draw.commitment,
        "parameters": parameters(draw)})


def contribute(session: Session, actor: Actor, user_id: uuid.UUID, draw_id: uuid.UUID,
               value: str) -> Draw:
    """The supervising officer's value, typed at the draw: then the seed, ranking and result."""
    with supervision.batch(session):  # one append for the step's entries
        return _contribute(session, actor, user_id, draw_id, value)


def _contribute(session: Session, actor: Actor, user_id: uuid.UUID, draw_id: uuid.UUID,
               value: str) -> Draw:
    draw = get_draw(session, draw_id, lock=True)
    if user_id != draw.supervisor_user_id:
        raise UserError("只有本次抽取的监督人可以输入随机值",
                        "Only this draw's supervising officer may contribute", status=403,
                        code="forbidden")
    _require_state(draw, DrawState.COMMITTED)
    if not value.strip() or len(value) > MAX_VALUE:
        raise UserError(f"请输入 1 至 {MAX_VALUE} 个字符", f"Type 1 to {MAX_VALUE} characters",
                        field="value")
    assert draw.r_platform is not None and draw.pool_hash is not None and draw.eligible is not None
    now = clock.now(session)
    supervision.resolve_deadline(session, AWAITING_SUPERVISOR, subject(draw), "contributed",
                                 now=now)
    r_other = verifiable.r_other_of(value)
    supervision.record(session, actor, "draw.contributed", subject(draw),
                       {"value": value, "r_other": r_other})
    requirements = requirements_of(session, draw.id)
    seed = seed_of(draw, r_other)
    ranked = {r.specialty_code: list(islice(order_of(draw, r.specialty_code, seed),
                                            r.count + r.backups)) for r in requirements}
    _seat(session, draw, requirements, ranked, now)
    excluded = {number: reason for number, (reason, _detail) in (draw.excluded or {}).items()}
    # The draw's own row last, so that it is written by one UPDATE (an earlier autoflush
    # wrote r_other alone).
    draw.r_other, draw.drawn_at, draw.state = r_other, now, DrawState.DRAWN.value
    supervision.record(session, actor, "draw.result", subject(draw), {
        "r_platform": draw.r_platform.hex(), "eligible": draw.eligible, "excluded": excluded,
        "ranked": ranked,
        "selected": {r.specialty_code: ranked[r.specialty_code][: r.count] for r in requirements}})
    return draw


def _seat(session: Session, draw: Draw, requirements: list[DrawRequirement],
          ranked: dict[str, list[str]], now: dt.datetime) -> None:
    """The ranked picks stored (reserves after the seats) and the seats' experts asked.

    The picks are written by one Core statement, each row in its final state: through the
    ORM, their 13 objects' flush (with the ids read back, which nothing here needs) was the
    largest part of a contribution (pyinstrument, 100,000 experts)."""
    wanted = [n for numbers in ranked.values() for n in numbers]
    contacts = {row.number: Contact(row.id, row.mobile, row.email)
                for row in session.connection().execute(_CONTACTS, {"numbers": wanted})}
    invitation = Invitation(draw.number, draw.evaluation_at, draw.place, draw.answer_minutes)
    due = answer_due(now, invitation)
    rows, asked = [], []
    for requirement in requirements:
        for rank, number in enumerate(ranked[requirement.specialty_code], start=1):
            seated = rank <= requirement.count
            rows.append({"draw_id": draw.id, "specialty_code": requirement.specialty_code,
                         "rank": rank, "expert_id": contacts[number].id, "expert_number": number,
                         "state": (PickState.NOTIFIED if seated else PickState.RESERVE).value,
                         "notified_at": now if seated else None,
                         "answer_due": due if seated else None})
            if seated:
                asked.append((draw.id, contacts[number]))
    session.connection().execute(insert(_PICKS), rows)
    invite(session, asked, invitation, now, first=True)


_PICKS = cast(Table, DrawPick.__table__)
_CONTACTS = select(Expert.id, Expert.number, Expert.mobile, Expert.email).where(
    Expert.number.in_(bindparam("numbers", expanding=True)))  # built once


def seed_of(draw: Draw, r_other: str | None = None) -> bytes:
    """The draw's seed; ``r_other`` while the contribution has not stored it yet."""
    r_other = r_other or draw.r_other
    assert draw.r_platform is not None and draw.pool_hash is not None and r_other is not None
    return verifiable.draw_seed(draw.algorithm, draw.number, draw.pool_hash, draw.r_platform.hex(),
                                r_other)


def order_of(draw: Draw, code: str, seed: bytes | None = None) -> Iterator[str]:
    """The specialty's eligible experts in rank order, computed as far as they are read (v3;
    draws made before it keep their v2 ranking)."""
    return verifiable.draw_order(draw.algorithm, seed or seed_of(draw), code,
                                 (draw.eligible or {}).get(code, []))


def ask(session: Session, draw: Draw, pick: DrawPick, expert: Expert) -> None:
    ask_expert(session, pick, expert, evaluation_at=draw.evaluation_at, place=draw.place,
               answer_minutes=draw.answer_minutes, draw_number=draw.number)


def refresh_state(session: Session, actor: Actor, draw: Draw) -> Draw:
    """After a confirmation: every seat confirmed makes the draw completed (``draw.completed``)."""
    if draw.state != DrawState.DRAWN.value:
        return draw
    seated: dict[str, list[str]] = {}
    for pick in picks_of(session, draw.id):
        if pick.state in SEATED:
            seated.setdefault(pick.specialty_code, []).append(pick.expert_number)
    if all(len(seated.get(r.specialty_code, [])) >= r.count for r in requirements_of(session, draw.id)):
        draw.state = DrawState.COMPLETED.value
        supervision.record(session, actor, "draw.completed", subject(draw), {"seated": seated})
    return draw


def cancel(session: Session, actor: Actor, draw_id: uuid.UUID, reason: str) -> Draw:
    """Call a draw off (e.g. the evaluation is postponed); asked experts are told."""
    draw = get_draw(session, draw_id, lock=True)
    _require_state(draw, DrawState.REQUESTED, DrawState.COMMITTED, DrawState.DRAWN,
                   DrawState.COMPLETED)
    if not reason.strip() or len(reason) > MAX_REASON:
        raise UserError(f"请说明取消理由（至多 {MAX_REASON} 字）",
                        f"Give the reason (at most {MAX_REASON} characters)", field="reason")
    asked = [p for p in picks_of(session, draw.id)
             if p.state in (PickState.NOTIFIED.value, *SEATED, PickState.CANCEL_REQUESTED.value)]
    for due in {p.answer_due for p in asked if p.state == PickState.NOTIFIED.value and p.answer_due}:
        jobs.cancel(session, NO_ANSWER_JOB, answers_subject(draw.number, due))
    for pick in asked:
        expert = session.get(Expert, pick.expert_id)
        if expert is not None:
            tell(session, expert, "draw.cancelled",
                 f"抽取 {draw.number} 的评标已取消，无需到场。",
                 f"The evaluation of draw {draw.number} is called off; you need not attend.",
                 draw_id=draw.id, payload={"draw": draw.number})
    draw.state = DrawState.CANCELLED.value
    draw.cancelled_reason = reason.strip()
    for alert in (AWAITING_SUPERVISOR, LATE_CANCELLATION_ALERT):
        supervision.resolve_deadline(session, alert, subject(draw), "draw_cancelled")
    supervision.record(session, actor, "draw.cancelled", subject(draw), {"reason": draw.cancelled_reason})
    return draw


def replace(session: Session, actor: Actor, pick_id: int, reason: str) -> DrawPick | None:
    """The seat of ``pick_id`` (already in its final state) passes to the next rank (R-34)."""
    from expert_pool.draw_replacement import replace as pass_on  # it builds on this module

    return pass_on(session, actor, pick_id, reason)
