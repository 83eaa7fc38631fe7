"""issue 15: the evaluation method as data on the tender (bidding/evaluation/presets.py)

Revision ID: ev01
Revises: s002
Create Date: 2026-12-05 17:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'ev01'
down_revision: str | Sequence[str] | None = 's002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('tender') as batch:
        batch.add_column(sa.Column('evaluation_plan', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tender') as batch:
        batch.drop_column('evaluation_plan')
