"""The drawable projection (``ExpertDrawable``): the pool as a draw reads it, kept in step.

A draw's candidates are "experts of these specialties, in a drawable status, with this title,
years and region". Joining ``expert_specialty_link`` to 100,000 experts made PostgreSQL scan
the whole expert table; one narrow row per (expert, specialty) with a covering index answers
with an index-only range scan instead.

It is kept in step by session events rather than by calls in each writer, so that no write
path can forget it: every ORM flush that touches an ``Expert`` or an ``ExpertSpecialty``
notes those experts, whose rows are refreshed in the same transaction before it commits (or
before a draw reads the projection: ``sync``), and a bulk ``insert``/``update``/``delete``
statement on either (which names no instances) rebuilds the projection after it runs. Plain
Core statements on the tables bypass the ORM: code that uses them (the draw benchmark's loader)
calls ``rebuild`` itself. ``differences`` tells a stale projection (the
expert tests check it after each test).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable
from typing import Any, cast

from sqlalchemy import Connection, Table, delete, event, except_, func, insert, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from expert_pool.models import Expert, ExpertDrawable, ExpertSpecialty, ExpertStatus

# The statuses a draw considers (suspended and penalized experts are candidates that recusal
# then excludes with their reason; applied, reviewed and retired ones never match).
DRAWABLE = (ExpertStatus.IN_POOL.value, ExpertStatus.SUSPENDED.value, ExpertStatus.PENALIZED.value)
COLUMNS = ("specialty_code", "expert_id", "number", "status", "title", "years_in_specialty",
           "region", "employer_credit_code", "penalized_until")
CHUNK = 500  # ids per statement (bound parameters stay well under every backend's limit)
TABLE = cast(Table, ExpertDrawable.__table__)  # mapped classes declare it as a FromClause


def _source(ids: Collection[uuid.UUID] | None = None) -> Any:
    query = (
        select(ExpertSpecialty.specialty_code, ExpertSpecialty.expert_id, Expert.number,
               Expert.status, Expert.title, Expert.years_in_specialty, Expert.region,
               Expert.employer_credit_code, Expert.penalized_until)
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
        elif isinstance(obj, ExpertSpecialty) and obj.expert_id is not None:
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
    if mapper is None or mapper.class_ not in (Expert, ExpertSpecialty):
        return None
    result = state.invoke_statement()
    rebuild(state.session.connection())
    return result
