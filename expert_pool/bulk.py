"""Set-sized SQL without one bound parameter per value, where the database can take an array.

SQLAlchemy renders ``column IN (values)`` and a multi-row ``INSERT`` with one parameter (and,
on PostgreSQL, one type cast) per value, rebuilt on every execution; for a draw's 350 bidder
codes and seat holders, and its ~600 exclusions, that rendering cost more than the statements
themselves (14 ms and 12 ms, measured with pyinstrument on 100,000 experts). PostgreSQL takes
each list as one array parameter instead; other databases keep the portable form.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import ColumnElement, String, Text, any_, bindparam, func, insert, literal, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from expert_pool.models import DrawExclusion

Among = Callable[[Any, Collection[Any]], ColumnElement[bool]]  # (column, values)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among_for(session: Session) -> Among:
    """``column IN values`` for this session's database."""
    if not is_postgres(session):
        return lambda column, values: column.in_(sorted(values))

    def among(column: Any, values: Collection[Any]) -> ColumnElement[bool]:
        array = bindparam(None, sorted(values), type_=postgresql.ARRAY(column.type), unique=True)
        found: ColumnElement[bool] = column == any_(array)
        return found

    return among


def insert_exclusions(session: Session, draw_id: uuid.UUID,
                      excluded: dict[str, tuple[str, str]]) -> None:
    """The recused experts of a draw (number -> (reason, detail)) in one statement."""
    if not excluded:
        return
    numbers = sorted(excluded)
    if not is_postgres(session):
        session.execute(insert(DrawExclusion), [
            {"draw_id": draw_id, "expert_number": n, "reason": excluded[n][0],
             "detail": excluded[n][1]} for n in numbers])
        return
    rows = func.unnest(
        bindparam(None, numbers, type_=postgresql.ARRAY(String), unique=True),
        bindparam(None, [excluded[n][0] for n in numbers], type_=postgresql.ARRAY(String),
                  unique=True),
        bindparam(None, [excluded[n][1] for n in numbers], type_=postgresql.ARRAY(Text),
                  unique=True),
    ).table_valued("expert_number", "reason", "detail").render_derived()
    session.execute(insert(DrawExclusion).from_select(
        ["draw_id", "expert_number", "reason", "detail"],
        select(literal(draw_id, DrawExclusion.draw_id.type), rows.c.expert_number, rows.c.reason,
               rows.c.detail)))


def custom_plans(session: Session) -> None:
    """Plan the draw's statements for their actual lists, for the rest of the transaction.

    psycopg prepares a statement after its fifth execution, and PostgreSQL may then settle on
    a generic plan that ignores the arrays' contents: the candidate listing went from 20 to
    33 ms (measured over repeated draws). ``SET LOCAL`` ends with the transaction."""
    if is_postgres(session):
        session.connection().exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
