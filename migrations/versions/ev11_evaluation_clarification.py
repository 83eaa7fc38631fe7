"""issue 15: clarification requests from the committee to bidders, with their replies

Revision ID: ev11
Revises: ev10
Create Date: 2026-12-05 18:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'ev11'
down_revision: str | Sequence[str] | None = 'ev10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evaluation_clarification',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('bid_id', sa.Uuid(), nullable=False),
        sa.Column('question', sa.Text(), nullable=False),
        sa.Column('asked_by', sa.Uuid(), nullable=False),
        sa.Column('asked_at', trading.db.UTCDateTime(), nullable=False),
        sa.Column('reply_by', trading.db.UTCDateTime(), nullable=False),
        sa.Column('reply', sa.Text(), nullable=True),
        sa.Column('replied_by', sa.Uuid(), nullable=True),
        sa.Column('replied_at', trading.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_evaluation_clarification_section_id'), 'evaluation_clarification',
                    ['section_id'])
    op.create_index(op.f('ix_evaluation_clarification_bid_id'), 'evaluation_clarification',
                    ['bid_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_evaluation_clarification_bid_id'),
                  table_name='evaluation_clarification')
    op.drop_index(op.f('ix_evaluation_clarification_section_id'),
                  table_name='evaluation_clarification')
    op.drop_table('evaluation_clarification')
