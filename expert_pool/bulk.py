"""Set-sized SQL without one bound parameter per value, where the database can take an array.

SQLAlchemy renders ``column IN (values)`` with one parameter (and, on PostgreSQL, one type
cast) per value, rebuilt on every execution; for a draw's 350 bidder codes and seat holders,
that rendering cost more than the statement itself (14 ms, measured with pyinstrument on
100,000 experts). PostgreSQL takes each list as one array parameter instead; other databases
keep the portable form.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import ColumnElement, any_, bindparam
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

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


def custom_plans(session: Session) -> None:
    """Plan the draw's statements for their actual lists, without JIT compilation, for the rest
    of the transaction.

    psycopg prepares a statement after its fifth execution, and PostgreSQL may then settle on
    a generic plan that ignores the arrays' contents: the candidate listing went from 20 to
    33 ms (measured over repeated draws). The listing's per-row subqueries (the regulator's
    details) are estimated above ``jit_above_cost`` for the hard case, and compiling the
    statement took 54 ms of its 73 (``EXPLAIN ANALYZE``); it runs once per draw, so compiled
    code never pays back. ``SET LOCAL`` ends with the transaction."""
    if is_postgres(session):
        session.connection().exec_driver_sql(
            "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL jit = off")
