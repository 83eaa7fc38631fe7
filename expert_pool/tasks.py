"""Timed work of the expert pool (``@job_handler``s; imported by the worker).

- job ``expert_pool.no_answer`` (subject ``draw-answers:<draw number>:<due>``, one per batch of
  experts asked together): a drawn expert who has not answered by the due time loses the seat
  to the next in rank (``attendance.expire_due``).
- job ``expert_pool.penalty_ends`` (subject ``expert:<number>``, due at 24:00 Beijing time of the
  penalty's last day): the expert is back in the pool, logged (``pool_lifecycle.end_penalty``).
- job ``expert_pool.demo_draw`` (subject ``tender:<id>``): demo only — the committee of the demo
  tender at the evaluation stage, drawn and confirmed (``demo_evaluation.draw_for_demo``);
  retried a few seconds apart until that tender has closed.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from expert_pool import attendance, demo_evaluation, notify, pool, pool_lifecycle
from trading import jobs
from trading.audit import Actor
from trading.errors import NotFoundError
from trading.jobs import ScheduledJob

jobs.job_handler(demo_evaluation.DEMO_DRAW_JOB, max_attempts=8, backoff_seconds=2.0)(
    demo_evaluation.draw_for_demo)


@jobs.job_handler(notify.NO_ANSWER_JOB)
def no_answer(session: Session, job: ScheduledJob) -> None:
    attendance.expire_due(session, notify.draw_of_answers_subject(job.subject))


@jobs.job_handler(pool_lifecycle.PENALTY_ENDS_JOB)
def penalty_ends(session: Session, job: ScheduledJob) -> None:
    try:
        expert = pool.expert_by_number(session, job.subject.removeprefix("expert:"))
    except NotFoundError:
        return
    pool_lifecycle.end_penalty(session, Actor.system("expert_pool"), expert)
