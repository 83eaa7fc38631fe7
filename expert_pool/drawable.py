"""The drawable projection (``ExpertDrawable``): the pool as a draw reads it, kept in step.

A draw's candidates are "experts of these specialties, in a drawable status, with this title,
years and region". Joining ``expert_specialty_link`` to 100,000 experts made PostgreSQL scan
the whole expert table; one narrow row per (expert, specialty) with a covering index answers
with an index-only range scan instead.

Each row also carries what the "poor record" rule reads (the third most recent decline and
whether the latest ratings are low), so that no draw aggregates the whole history twice a
statement.

It is kept in step by session events rather than by calls in each writer, so that no write
path can forget it: every ORM flush that touches an ``Expert``, an ``ExpertSpecialty``, an
``IntegrityRecord`` or a ``Rating`` notes those experts, whose rows are refreshed in the same
transaction before it commits (or before a draw reads the projection: ``sync``), and a bulk
``insert``/``update``/``delete`` statement on any of them (which names no instances)
rebuilds the projection after it runs. Plain Core statements on the tables bypass the ORM:
code that uses them (the draw benchmark's loader) calls ``rebuild`` itself. ``differences``
tells a stale projection (the expert tests check it after each test).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, except_, false, func, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, aliased

from expert_pool.models import (
    Expert,
    ExpertDrawable,
    ExpertSpecialty,
    ExpertStatus,
    IntegrityKind,
    IntegrityRecord,
    Rating,
)

# The statuses a draw considers (suspended and penalized experts are candidates that recusal
# then excludes with their reason; applied, reviewed and retired ones never match).
DRAWABLE = (ExpertStatus.IN_POOL.value, ExpertStatus.SUSPENDED.value, ExpertStatus.PENALIZED.value)
COLUMNS = ("specialty_code", "expert_id", "number", "status", "title", "years_in_specialty",
           "region", "employer_credit_code", "penalized_until", "poor_third_on", "low_rated")
# A poor record: POOR_COUNT declines, no answers or late cancellations within a year of
# the evaluation, or a low mean over the latest ratings.
POOR_KINDS = (IntegrityKind.DECLINE.value, IntegrityKind.NO_ANSWER.value,
              IntegrityKind.LATE_CANCELLATION.value)
POOR_COUNT = 3
RATINGS_CONSIDERED = 5
LOW_RATING = 2.5  # mean of (punctuality + quality + conduct) / 3 over the last ratings
CHUNK = 500  # ids per statement (bound parameters stay well under every backend's limit)
TABLE = cast(Table, ExpertDrawable.__table__)  # mapped classes declare it as a FromClause


def _poor_third_on() -> Any:
    """The date of the expert's POOR_COUNT-th most recent poor record (none: fewer)."""
    return (select(IntegrityRecord.occurred_on)
            .where(IntegrityRecord.expert_id == Expert.id, IntegrityRecord.kind.in_(POOR_KINDS))
            .order_by(IntegrityRecord.occurred_on.desc()).offset(POOR_COUNT - 1).limit(1)
            .correlate(Expert).scalar_subquery())


def _low_rated() -> Any:
    """Whether the mean of the expert's latest ratings is low (false without ratings)."""
    latest = aliased(Rating)
    recent = (select(latest.draw_id).where(latest.expert_id == Expert.id)
              .order_by(latest.rated_at.desc(), latest.draw_id).limit(RATINGS_CONSIDERED)
              .correlate(Expert))
    mean = (select(func.avg(Rating.punctuality + Rating.quality + Rating.conduct))
            .where(Rating.expert_id == Expert.id, Rating.draw_id.in_(recent))
            .correlate(Expert).scalar_subquery())
    return func.coalesce(mean < LOW_RATING * 3, false())


def _source(ids: Collection[uuid.UUID] | None = None) -> Any:
    query = (
        select(ExpertSpecialty.specialty_code, ExpertSpecialty.expert_id, Expert.number,
               Expert.status, Expert.title, Expert.years_in_specialty, Expert.region,
               Expert.employer_credit_code, Expert.penalized_until, _poor_third_on(),
               _low_rated())
        .join(Expert, Expert.id == ExpertSpecialty.expert_id)
        .where(Expert.status.in_(DRAWABLE))
    )
    return query if ids is None else query.where(Expert.id.in_(list(ids)))


def refresh(connection: Connection, ids: Iterable[uuid.UUID]) -> None:
    """Replace the rows of these experts by what the pool holds now."""
    pending = sorted(set(ids))
    for start in range(0, len(pending), CHUNK):
        chunk = pending[start:start + CHUNK]
        connection.execute(delete(TABLE).where(TABLE.c.expert_id.in_(chunk)))
        connection.execute(insert(TABLE).from_select(COLUMNS, _source(chunk)))


def rebuild(connection: Connection) -> None:
    """The whole projection again (after a bulk statement; at migration)."""
    connection.execute(delete(TABLE))
    connection.execute(insert(TABLE).from_select(COLUMNS, _source()))


def differences(connection: Connection) -> int:
    """Rows held but not in the pool, plus rows in the pool but not held (0 when in step)."""
    held = select(*(TABLE.c[name] for name in COLUMNS))
    source = _source()
    stale = connection.scalar(select(func.count()).select_from(except_(held, source).subquery()))
    missing = connection.scalar(select(func.count()).select_from(except_(source, held).subquery()))
    return int(stale or 0) + int(missing or 0)


def _touched(objects: Iterable[object]) -> set[uuid.UUID]:
    ids: set[uuid.UUID] = set()
    for obj in objects:
        if isinstance(obj, Expert) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, ExpertSpecialty | IntegrityRecord | Rating) and obj.expert_id is not None:
            ids.add(obj.expert_id)
    return ids


PENDING = "expert_pool.drawable.pending"  # session.info key: experts written, not yet refreshed


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, _context: UOWTransaction) -> None:
    # new/dirty/deleted still show what this flush wrote (SQLAlchemy keeps the pre-flush lists
    # until after_flush_postexec). The refresh waits for the commit or the next read, so that
    # an import of thousands of experts refreshes in a few statements, not two per expert.
    ids = _touched([*session.new, *session.dirty, *session.deleted])
    if ids:
        session.info.setdefault(PENDING, set()).update(ids)


def sync(session: Session) -> None:
    """Bring the projection up to this session's writes (before reading it)."""
    session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        refresh(session.connection(), pending)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    sync(session)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    session.info.pop(PENDING, None)


@event.listens_for(Session, "do_orm_execute")
def _after_bulk_statement(state: ORMExecuteState) -> Any:
    if not (state.is_insert or state.is_update or state.is_delete):
        return None
    mapper = state.bind_mapper
    if mapper is None or mapper.class_ not in (Expert, ExpertSpecialty, IntegrityRecord, Rating):
        return None
    result = state.invoke_statement()
    rebuild(state.session.connection())
    return result
