"""issue 11: a draw's eligible pool and exclusions compressed with lz4 instead of pglz (PostgreSQL)

The commit writes both documents (about 60 KB and 26 KB in a large draw) in one UPDATE; pglz
compressing them took about 1 ms of its 2.8 (the statement alone, rolled back, 10 runs each:
1.8 ms with lz4). The log's entries made the same change (``lz01``). PostgreSQL built without
lz4 keeps pglz; SQLite stores values uncompressed and has nothing to change.

Revision ID: e005
Revises: e004
Create Date: 2026-12-07 04:45:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'e005'
down_revision: str | Sequence[str] | None = 'e004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _compress_with(method: str) -> None:
    if op.get_bind().dialect.name != 'postgresql':
        return
    op.execute(f"""
        DO $$ BEGIN
            ALTER TABLE expert_draw ALTER COLUMN eligible SET COMPRESSION {method},
                                    ALTER COLUMN excluded SET COMPRESSION {method};
        EXCEPTION WHEN feature_not_supported THEN
            RAISE NOTICE 'compression method {method} not supported: draws keep pglz';
        END $$""")


def upgrade() -> None:
    _compress_with('lz4')


def downgrade() -> None:
    _compress_with('pglz')
