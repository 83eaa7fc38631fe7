"""dealer-free key generation: key ceremonies and their signed steps; no sealed share per member

Revision ID: b004
Revises: b003
Create Date: 2026-11-30 02:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'b004'
down_revision: str | Sequence[str] | None = 'b003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'key_ceremony',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('tender_id', sa.Uuid(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('document', sa.JSON(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('started_by', sa.Uuid(), nullable=False),
        sa.Column('started_at', trading.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('ended_at', trading.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('failure', sa.String(length=64), nullable=True),
        sa.Column('transcript', sa.LargeBinary(), nullable=True),
        sa.Column('transcript_hash', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tender_id', 'round'),
    )
    op.create_index(op.f('ix_key_ceremony_tender_id'), 'key_ceremony', ['tender_id'])
    op.create_table(
        'key_ceremony_step',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('ceremony_id', sa.Uuid(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('author', sa.Integer(), nullable=False),
        sa.Column('about', sa.Integer(), nullable=False),
        sa.Column('document', sa.JSON(), nullable=True),
        sa.Column('digest', sa.String(length=64), nullable=True),
        sa.Column('submitted_at', trading.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['ceremony_id'], ['key_ceremony.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('ceremony_id', 'kind', 'author', 'about'),
    )
    op.create_index(op.f('ix_key_ceremony_step_ceremony_id'), 'key_ceremony_step',
                    ['ceremony_id'])
    with op.batch_alter_table('tender_custodian', schema=None) as batch_op:
        batch_op.drop_column('sealed_share')


def downgrade() -> None:
    with op.batch_alter_table('tender_custodian', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_share', sa.LargeBinary(), nullable=True))
    op.drop_index(op.f('ix_key_ceremony_step_ceremony_id'), table_name='key_ceremony_step')
    op.drop_table('key_ceremony_step')
    op.drop_index(op.f('ix_key_ceremony_tender_id'), table_name='key_ceremony')
    op.drop_table('key_ceremony')
