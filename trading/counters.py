"""Readable serial numbers that never repeat: one counter row per series, taken by one upsert.

``INSERT … ON CONFLICT DO UPDATE … RETURNING`` takes the next value and locks the row until
the caller's transaction ends, so two requests at the same moment get distinct numbers on
PostgreSQL without a retry and without a table lock (SQLite writes one transaction at a
time). A domain keeps its own counter table (a key column and an integer ``last``); reading
the highest number in use instead is a scan, and compares text: "…-9999" sorts after
"…-10000", so the ten-thousandth number of a year would be given twice.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Integer, Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def take_next(session: Session, table: Table, key: Any, count: int = 1) -> int:
    """The next value of ``table``'s counter for ``key`` (1 for a new series), in the caller's
    transaction; with ``count``, the first of that many consecutive values, all taken (an
    import numbers its rows at once). ``table`` has a one-column primary key and an integer
    column ``last``."""
    if count < 1:
        raise ValueError("count must be at least 1")
    dialect = session.get_bind().dialect.name
    # Through the session, which flushes first: the caller's pending rows keep their place
    # before the counter's lock, as when the statement was built here.
    last: int = session.execute(_upsert(table, dialect), {"key": key, "count": count}).scalar_one()
    return last - count + 1


@lru_cache(maxsize=16)
def _upsert(table: Table, dialect: str) -> Any:
    """The counter's upsert, built once per table and database kind with the key and the count
    bound (building it for every number cost more Python than running it)."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    (key_column,) = table.primary_key.columns
    statement = insert(table).values({key_column.name: bindparam("key"),
                                      "last": bindparam("count", type_=Integer)})
    return statement.on_conflict_do_update(
        index_elements=[key_column], set_={"last": table.c.last + bindparam("count", type_=Integer)},
    ).returning(table.c.last)
