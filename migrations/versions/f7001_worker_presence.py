"""issue 17 part 7: worker presence, so that a dead worker's due jobs are sent again at once

Revision ID: f7001
Revises: ev02
Create Date: 2026-12-05 18:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = 'f7001'
down_revision: str | Sequence[str] | None = 'ev02'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('worker_presence',
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('started_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('seen_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hostname', name=op.f('pk_worker_presence'))
    )


def downgrade() -> None:
    op.drop_table('worker_presence')
