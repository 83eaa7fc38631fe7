"""log entries' JSON and canonical bytes compressed with lz4 instead of pglz (PostgreSQL)

A draw's result entry carries its eligible pool (about 80 KB twice); pglz compressing it cost
the append about 3.5 ms, lz4 a fraction of that. PostgreSQL built without lz4 keeps pglz.
SQLite stores values uncompressed and has nothing to change.

Revision ID: lz01
Revises: dx01
Create Date: 2026-12-06 06:55:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'lz01'
down_revision: str | Sequence[str] | None = 'dx01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compress_with(method: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"""
        DO $$ BEGIN
            ALTER TABLE log_entry ALTER COLUMN body SET COMPRESSION {method},
                                  ALTER COLUMN canonical SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'compression method {method} not supported: log entries keep pglz';
        END $$""")


def upgrade() -> None:
    _compress_with('lz4')


def downgrade() -> None:
    _compress_with('pglz')
