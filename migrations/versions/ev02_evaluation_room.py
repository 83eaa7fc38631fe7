"""issue 15: the committee's evaluation room (chair election, marks, submissions)

Revision ID: ev02
Revises: ev01
Create Date: 2026-12-05 18:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'ev02'
down_revision: str | Sequence[str] | None = 'ev01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'evaluation_room',
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('tender_id', sa.Uuid(), nullable=False),
        sa.Column('election_round', sa.Integer(), nullable=False),
        sa.Column('runoff', sa.JSON(), nullable=True),
        sa.Column('chair_user_id', sa.Uuid(), nullable=True),
        sa.Column('chair_elected_at', trading.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['section_id'], ['tender_section.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('section_id'),
    )
    op.create_index(op.f('ix_evaluation_room_tender_id'), 'evaluation_room', ['tender_id'])
    op.create_table(
        'evaluation_chair_vote',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('voter_user_id', sa.Uuid(), nullable=False),
        sa.Column('candidate_user_id', sa.Uuid(), nullable=False),
        sa.Column('cast_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('section_id', 'round', 'voter_user_id'),
    )
    op.create_index(op.f('ix_evaluation_chair_vote_section_id'), 'evaluation_chair_vote',
                    ['section_id'])
    op.create_table(
        'evaluation_mark',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('member_user_id', sa.Uuid(), nullable=False),
        sa.Column('bid_id', sa.Uuid(), nullable=False),
        sa.Column('criterion', sa.String(length=20), nullable=False),
        sa.Column('mark', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('marked_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['bid_id'], ['bid.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('section_id', 'member_user_id', 'bid_id', 'criterion'),
    )
    op.create_index(op.f('ix_evaluation_mark_section_id'), 'evaluation_mark', ['section_id'])
    op.create_table(
        'evaluation_submission',
        sa.Column('section_id', sa.Uuid(), nullable=False),
        sa.Column('member_user_id', sa.Uuid(), nullable=False),
        sa.Column('submitted_at', trading.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['section_id'], ['evaluation_room.section_id'],
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('section_id', 'member_user_id'),
    )


def downgrade() -> None:
    op.drop_table('evaluation_submission')
    op.drop_index(op.f('ix_evaluation_mark_section_id'), table_name='evaluation_mark')
    op.drop_table('evaluation_mark')
    op.drop_index(op.f('ix_evaluation_chair_vote_section_id'), table_name='evaluation_chair_vote')
    op.drop_table('evaluation_chair_vote')
    op.drop_index(op.f('ix_evaluation_room_tender_id'), table_name='evaluation_room')
    op.drop_table('evaluation_room')
