"""clarifications keep the number notified and the salt of its logged commitment (R-14)

Revision ID: b003
Revises: 0007
Create Date: 2026-11-29 23:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b003'
down_revision: str | Sequence[str] | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tender_clarification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notified_count', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notified_salt', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tender_clarification', schema=None) as batch_op:
        batch_op.drop_column('notified_salt')
        batch_op.drop_column('notified_count')
