"""Ratings of the service (好差评, City §41): once the application is decided the applicant
rates it once, on five levels from 非常满意 to 非常不满意, with a comment. A bad rating
(不满意, 非常不满意) is followed up by staff within ``FOLLOW_UP_DAYS`` working days, watched by
an e-supervision alert (yellow before the limit, red after)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from trading import audit, calendar, calendar_years, clock
from trading.accounts.services import CurrentUser
from trading.errors import NotFoundError, UserError
from trading.intake import applications, regions
from trading.intake.feedback_models import BAD_LEVELS, Rating, RatingLevel
from trading.intake.models import Application

FOLLOW_UP_DAYS = 3  # working days to contact the applicant after a bad rating
ALERT_KIND = "intake.rating_follow_up"
MAX_COMMENT = 1000
MAX_NOTE = 2000
# A decision on the application ends the part of the service the applicant can judge; the
# completion states of the approval itself, when they exist, count as well.
RATABLE = frozenset({"accepted", "deemed_accepted", "refused", "completed", "approved",
                     "rejected"})


def subject_of(application: Application) -> str:
    return f"intake-rating:{application.tracking_number}"


def rating_of(session: Session, application: Application) -> Rating | None:
    return session.get(Rating, application.id)


def may_rate(user: CurrentUser, application: Application) -> bool:
    """Only the applicant (or its organisation) rates, never the staff who served it."""
    return application.applicant_user_id == user.id or (
        application.applicant_org_id is not None
        and application.applicant_org_id == user.organization_id)


def rate(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
         level: RatingLevel, comment: str) -> Rating:
    application = applications.application_for(session, user, tracking_number)
    if not may_rate(user, application):
        raise UserError("只有申请人可以评价", "Only the applicant may rate", status=403,
                        code="forbidden")
    if application.status not in RATABLE:
        raise UserError("办件尚未办结，暂不能评价", "The application is not decided yet; it "
                            "cannot be rated", status=409,
                        code="not_ratable")
    if rating_of(session, application) is not None:
        raise UserError("该办件已评价，每个办件只能评价一次", "This application is already "
                            "rated; it can be rated once", status=409,
                        code="already_rated")
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise UserError(f"评价内容不超过{MAX_COMMENT}字", f"The comment takes at most "
                        f"{MAX_COMMENT} characters", field="comment")
    bad = level.value in BAD_LEVELS
    if bad and not comment:
        raise UserError("不满意的评价请写明原因，以便工作人员回访整改", "Say why you are "
                        "dissatisfied, so that staff can follow it up", field="comment")
    now = clock.now(session)
    rating = Rating(application_id=application.id, level=level.value, comment=comment,
                    rated_by=user.id, rated_at=now)
    if bad:
        end = calendar_years.period_end(session, calendar_years.Period(
            "City §41", clock.legal_day(now), FOLLOW_UP_DAYS, working_days=True))
        rating.follow_up_due_day = end.end
        audit.watch_deadline(session, ALERT_KIND, subject_of(application), "staff",
                             clock.legal_end_of_day_utc(end.end),
                             f"差评回访整改时限：{application.tracking_number}",
                             f"Bad rating to follow up: {application.tracking_number}")
    session.add(rating)
    session.flush()
    audit.record(session, actor, "intake.rated", subject_of(application), {
        "tracking_number": application.tracking_number, "level": level.value,
        "follow_up_due_day": rating.follow_up_due_day.isoformat()
        if rating.follow_up_due_day else None})
    return rating


def follow_up(session: Session, actor: audit.Actor, user: CurrentUser, tracking_number: str,
              note: str) -> Rating:
    """Staff record how a bad rating was followed up; the alert is cleared."""
    application = applications.application_for(session, user, tracking_number)
    rating = rating_of(session, application)
    if rating is None or rating.level not in BAD_LEVELS:
        raise NotFoundError("待回访的差评", "Bad rating to follow up")
    if rating.followed_up_at is not None:
        raise UserError("该差评已回访", "This bad rating is already followed up",
                            status=409, code="already_followed_up")
    note = note.strip()
    if not note or len(note) > MAX_NOTE:
        raise UserError(f"请填写回访整改情况（不超过{MAX_NOTE}字）", "Enter how it was followed "
                        f"up (at most {MAX_NOTE} characters)", field="note")
    rating.followed_up_at = clock.now(session)
    rating.followed_up_by = user.id
    rating.follow_up_note = note
    overdue = rating.follow_up_due_day is not None and \
        clock.legal_day(rating.followed_up_at) > rating.follow_up_due_day
    audit.resolve_deadline(session, ALERT_KIND, subject_of(application), "followed up")
    audit.record(session, actor, "intake.rating_followed_up", subject_of(application), {
        "tracking_number": application.tracking_number, "overdue": overdue})
    return rating


def open_follow_ups(session: Session, user: CurrentUser) -> list[tuple[Rating, Application]]:
    """Bad ratings of the user's regions not yet followed up, the most urgent first."""
    query = select(Rating, Application).join(
        Application, Application.id == Rating.application_id).where(
        Rating.level.in_(sorted(BAD_LEVELS)), Rating.followed_up_at.is_(None))
    seen = regions.seen_by(session, user)
    if seen is not None:
        query = query.where(regions.of_applications(seen))
    rows = session.execute(query.order_by(Rating.follow_up_due_day).limit(200))
    return [(r, a) for r, a in rows.tuples()]


def days_left(session: Session, due: dt.date | None) -> int | None:
    if due is None:
        return None
    return calendar.working_days_between(session, clock.legal_day(clock.now(session)), due)
