"""What a pooled connection may settle on for a prepared statement, made deterministic.

After five executions psycopg prepares a statement, and PostgreSQL may then run one generic plan
for every parameter value. Such a plan cannot use a partial index whose predicate depends on a
parameter, nor see that a value is rare. Forcing generic plans, with sequential scans priced
out, shows whether an index can serve a statement whatever plan a connection chose.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

_SETTINGS = ("SET LOCAL plan_cache_mode = force_generic_plan",
             "SET LOCAL enable_seqscan = off")  # an index if one can serve the statement
_TABLE_READS = text("SELECT seq_scan, idx_tup_fetch FROM pg_stat_xact_user_tables "
                    "WHERE relname = :table")


def force_generic_plans(session: Session) -> None:
    """For the rest of ``session``'s transaction (a read-only session autocommits: SET LOCAL
    would not last; use ``db.transaction``)."""
    for setting in _SETTINGS:
        session.execute(text(setting))


def table_reads(session: Session, table: str) -> tuple[int, int]:
    """Sequential scans of ``table`` and rows fetched through its indexes so far in this
    transaction (PostgreSQL's per-transaction statistics)."""
    scans, fetched = session.execute(_TABLE_READS, {"table": table}).one()
    return int(scans), int(fetched or 0)
