"""The committee of the ``make run`` demo tender at the evaluation stage (bidding/demo_evaluation.py).

DEMO BEHAVIOUR: job ``expert_pool.demo_draw``, scheduled by the expert pool's demo seed a few
seconds after that tender's deadline, draws its committee through the real draw services, each
step in the name of the demo account that takes it on a real project:

- demo-staff requests a committee of five experts, no tenderee representative (so that five
  demo expert accounts sit in the room): 4 × 城市道路 (A0201, one backup) and 1 × 市政工程造价
  (A1503, two backups), on the Beijing day of start-up, and commits the eligible pool;
- demo-regulator, the supervising officer, contributes a random value; the draw ranks the
  eligible experts and asks the first of each specialty (all of them demo experts who can sign
  in: expert_pool/demo.py);
- each drawn demo expert confirms.

Every step is logged by the service as it always is; one more entry, ``draw.demo_seeded``, says
that the demo seed took these steps for the demo accounts. Check-in, the pledge and everything
in the room are left to the person trying the demo. Before the tender has closed the job fails
and is retried (a few seconds apart); a tender that failed or already has a draw is left alone.

The seats are the experts' for that day: a draw for the other demo tender on the same day finds
them busy (one committee a day), so draw for that one on another day.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from bidding import services as bidding
from expert_pool import attendance, drawing
from expert_pool.drawing import DrawInput, RequirementInput
from expert_pool.models import Draw, DrawState, Expert, PickState
from supervision import services as supervision
from trading import clock, jobs
from trading.accounts.models import User
from trading.audit import Actor

DEMO_DRAW_JOB = "expert_pool.demo_draw"
AFTER_DEADLINE = dt.timedelta(seconds=3)
REQUIREMENTS = (RequirementInput("A0201", 4, backups=1), RequirementInput("A1503", 1, backups=2))
PLACE = "阳泉市公共资源交易中心 1 号评标室（演示）"
#: The evaluation starts this long after the draw, unless the Beijing day ends first.
LEAD = dt.timedelta(minutes=30)
WAITING_STATES = ("published",)  # not closed yet: who bid is still sealed, no draw possible
NOTE = "演示数据：由演示种子代演示账号完成抽取申请、监督人随机数和专家确认"


def job_subject(tender_id: uuid.UUID) -> str:
    return f"tender:{tender_id}"


def schedule_draw(session: Session) -> None:
    """From the demo seed: the draw job for today's demo evaluation tender, once."""
    found = bidding.demo_evaluation_tender(session)
    if found is None:
        return
    tender_id, deadline = found
    if jobs.get_job(session, DEMO_DRAW_JOB, job_subject(tender_id)) is None:
        jobs.schedule(session, DEMO_DRAW_JOB, job_subject(tender_id), deadline + AFTER_DEADLINE)


def evaluation_moment(now: dt.datetime, day: dt.date) -> dt.datetime:
    """``LEAD`` from now on ``day`` (the day of start-up), or that day's last minute; when the
    day is over already (a start-up a moment before midnight), ``LEAD`` from now."""
    last_minute = clock.legal_end_of_day_utc(day) - dt.timedelta(minutes=1)
    wanted = now + LEAD
    if wanted <= last_minute:
        return wanted
    return last_minute if last_minute > now + dt.timedelta(minutes=1) else wanted


def _user_id(session: Session, username: str) -> uuid.UUID:
    found = session.scalar(select(User.id).where(User.username == username))
    assert found is not None, f"demo user {username} is missing"
    return found


def draw_for_demo(session: Session, job: jobs.ScheduledJob) -> None:
    """The ``expert_pool.demo_draw`` handler: see the module docstring."""
    tender_id = uuid.UUID(job.subject.split(":", 1)[1])
    tender = bidding.get_tender(session, tender_id)
    if tender.state in WAITING_STATES:
        raise RuntimeError("the demo tender has not closed yet")  # retried by the job runner
    facts = bidding.section_facts(session, tender_id, bidding.sections_of(session, tender_id)[0].id)
    if facts.state not in ("closed", "opened"):
        return  # failed or cancelled: nothing to evaluate
    live = session.scalar(select(Draw.id).where(Draw.tender_id == tender_id,
                                                Draw.section_id == facts.section_id,
                                                Draw.state != DrawState.CANCELLED.value))
    if live is not None:
        return
    staff, regulator = _user_id(session, "demo-staff"), _user_id(session, "demo-regulator")
    staff_actor, regulator_actor = Actor(str(staff), "staff"), Actor(str(regulator), "regulator")
    now = clock.now(session)
    data = DrawInput(
        tender_id=tender_id, section_id=facts.section_id, committee_size=5,
        tenderee_representatives=0, requirements=list(REQUIREMENTS),
        evaluation_at=evaluation_moment(now, clock.legal_day(tender.created_at)), place=PLACE,
        supervisor_user_id=regulator)
    draw = drawing.request_draw(session, staff_actor, staff, data)
    supervision.record(session, Actor.system("demo-seed"), "draw.demo_seeded", drawing.subject(draw),
                       {"draw": draw.number, "demo": True, "note": NOTE})
    drawing.commit(session, staff_actor, draw.id)
    drawing.contribute(session, regulator_actor, regulator, draw.id,
                       f"演示监督人 陈处长 {secrets.randbelow(10_000):04d}")
    for pick in drawing.picks_of(session, draw.id):
        if pick.state != PickState.NOTIFIED.value:
            continue
        expert = session.get(Expert, pick.expert_id)
        assert expert is not None and expert.user_id is not None, "a demo seat without an account"
        attendance.confirm(session, Actor(str(expert.user_id), "expert"), expert.user_id, pick.id)
