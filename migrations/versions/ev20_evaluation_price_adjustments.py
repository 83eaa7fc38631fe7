"""issue 15: the committee's price adjustments (lowest evaluated price method)

Revision ID: ev20
Revises: pc01
Create Date: 2026-12-05 21:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'ev20'
down_revision: str | Sequence[str] | None = 'pc01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evaluation_price_adjustment',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('bid_id', sa.Uuid(), nullable=False),
        sa.Column('amount_fen', sa.BigInteger(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.Uuid(), nullable=False),
        sa.Column('recorded_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_evaluation_price_adjustment_section_id'),
                    'evaluation_price_adjustment', ['section_id'])
    op.create_index(op.f('ix_evaluation_price_adjustment_bid_id'),
                    'evaluation_price_adjustment', ['bid_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_evaluation_price_adjustment_bid_id'),
                  table_name='evaluation_price_adjustment')
    op.drop_index(op.f('ix_evaluation_price_adjustment_section_id'),
                  table_name='evaluation_price_adjustment')
    op.drop_table('evaluation_price_adjustment')
