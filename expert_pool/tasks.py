"""Timed work of the expert pool (``@job_handler``s; imported by the worker).

- job ``expert_pool.no_answer`` (subject ``draw-answers:<draw number>:<due>``, one per batch of
  experts asked together): a drawn expert who has not answered by the due time loses the seat
  to the next in rank (``attendance.expire_due``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from expert_pool import attendance, notify
from trading import jobs
from trading.jobs import ScheduledJob


@jobs.job_handler(notify.NO_ANSWER_JOB)
def no_answer(session: Session, job: ScheduledJob) -> None:
    attendance.expire_due(session, notify.draw_of_answers_subject(job.subject))
