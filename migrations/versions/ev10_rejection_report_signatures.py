"""issue 15: bids rejected by the committee, signatures of the evaluation report

Revision ID: ev10
Revises: in001
Create Date: 2026-12-05 18:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'ev10'
down_revision: str | Sequence[str] | None = 'in001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evaluation_rejection',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('bid_id', sa.Uuid(), nullable=False),
        sa.Column('ground', sa.String(length=20), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('recorded_by', sa.Uuid(), nullable=False),
        sa.Column('rejected_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('section_id', 'bid_id'),
    )
    op.create_index(op.f('ix_evaluation_rejection_section_id'), 'evaluation_rejection',
                    ['section_id'])
    op.create_table(
        'evaluation_report_signature',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('member_user_id', sa.Uuid(), nullable=False),
        sa.Column('report_sha256', sa.String(length=64), nullable=False),
        sa.Column('dissent', sa.Text(), nullable=True),
        sa.Column('signed_at', trading.db.UTCDateTime(), nullable=False),
        sa.Column('void_at', trading.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index(op.f('ix_evaluation_report_signature_section_id'),
                    'evaluation_report_signature', ['section_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_evaluation_report_signature_section_id'),
                  table_name='evaluation_report_signature')
    op.drop_table('evaluation_report_signature')
    op.drop_index(op.f('ix_evaluation_rejection_section_id'), table_name='evaluation_rejection')
    op.drop_table('evaluation_rejection')
