"""Progress and results (R-08, City §16, §35): the applicant's live status, history and working
days left; a public look-up by tracking number and verification code that shows no personal
data. Public look-ups (this one and the notice verification) are throttled per address: after
``MAX_FAILURES`` misses in ``WINDOW`` the address is refused (429) and the refusal counted like
any access denial (``trading.denials``), so guessing six-digit codes does not pay."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trading import clock
from trading.errors import UserError
from trading.intake import completion, decisions
from trading.intake.feedback_models import LookupFailure, Rating
from trading.intake.models import Application, Notice

WINDOW = dt.timedelta(minutes=15)
MAX_FAILURES = 10
NOT_FOUND_ZH = "没有找到与该办件编号和查询码相符的办件"
NOT_FOUND_EN = "No application matches this tracking number and code"


class LookupThrottled(UserError):
    def __init__(self, minutes: int) -> None:
        super().__init__(f"查询失败次数过多，请{minutes}分钟后再试",
                         f"Too many failed look-ups; try again in {minutes} minutes",
                         status=429, code="throttled")


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    key: str  # a message key: intake.event.<kind>
    detail: str = ""  # a notice number, never personal data


def history(session: Session, application: Application) -> list[Event]:
    """What happened, oldest first: received, every notice, counted as accepted, rated."""
    events = [Event(application.submitted_at, "intake.event.received")]
    for notice in session.scalars(select(Notice).where(
            Notice.application_id == application.id).order_by(Notice.issued_at)):
        events.append(Event(notice.issued_at, f"intake.event.notice.{notice.kind}", notice.number))
    if application.status == "deemed_accepted":
        events.append(Event(application.submitted_at, "intake.event.deemed_accepted"))
    rating = session.get(Rating, application.id)
    if rating is not None:
        events.append(Event(rating.rated_at, "intake.event.rated"))
    return sorted(events, key=lambda e: e.at)


def remaining(session: Session, application: Application) -> int | None:
    """Working days left on the limit that runs now (0 = due today, negative = overdue):
    the decision on receipt (R-03) while it is pending, then the completion limit (R-05,
    frozen while an excluded period runs); None once completed."""
    done = completion.completion_of(session, application)
    if done is not None:
        state = completion.clock_for(session, application)
        return None if done.completed_at is not None or state is None else state.remaining
    return decisions.remaining_working_days(session, application)


def _wait_minutes(session: Session, address: str, now: dt.datetime) -> int:
    row = session.execute(select(func.count(), func.min(LookupFailure.at)).where(
        LookupFailure.address == address, LookupFailure.at >= now - WINDOW)).one()
    count, oldest = int(row[0] or 0), row[1]
    if count < MAX_FAILURES or oldest is None:
        return 0
    return max(1, int(((oldest + WINDOW) - now).total_seconds() // 60) + 1)


def check_throttle(session: Session, address: str | None) -> None:
    """Refuse an address that missed too often (429; the caller counts the refusal once its
    transaction has ended)."""
    wait = _wait_minutes(session, (address or "unknown")[:64], clock.now(session))
    if wait:
        raise LookupThrottled(wait)


def record_failure(session: Session, address: str | None) -> None:
    session.add(LookupFailure(address=(address or "unknown")[:64], at=clock.now(session)))


def lookup(session: Session, address: str | None, number: str,
           code: str) -> Application | None:
    """The application with this tracking number and code, or None — the same for an unknown
    number and a wrong code; a miss is kept for the throttle (the caller commits it)."""
    found = session.scalar(select(Application).where(
        Application.tracking_number == number.strip()[:32]))
    if found is None or not secrets.compare_digest(found.verification_code.encode(),
                                                   code.strip()[:8].encode()):
        record_failure(session, address)
        return None
    return found
