"""bidder decrypts: key-half window and halves

Revision ID: b002
Revises: 0006
Create Date: 2026-11-27 07:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = 'b002'
down_revision: str | Sequence[str] | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.add_column(sa.Column('halves_due_at', trading.db.UTCDateTime(timezone=True),
                                      nullable=True))
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.add_column(sa.Column('bidder_half', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('bidder_half_at', trading.db.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.drop_column('bidder_half_at')
        batch_op.drop_column('bidder_half')
    with op.batch_alter_table('tender', schema=None) as batch_op:
        batch_op.drop_column('halves_due_at')
