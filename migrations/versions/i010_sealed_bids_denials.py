"""issue 10: who made a bid entry (sealed until the closing); access denials counted

Revision ID: i010
Revises: b004
Create Date: 2026-11-30 02:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'i010'
down_revision: str | Sequence[str] | None = 'b004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'bid_log_seal',
        sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('tender_id', sa.Uuid(), nullable=False),
        sa.Column('bid_id', sa.Uuid(), nullable=False),
        sa.Column('bidder_id', sa.Uuid(), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=True),
        sa.Column('ip', sa.String(length=64), nullable=True),
        sa.Column('salt', sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(['tender_id'], ['tender.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('seq'),
    )
    with op.batch_alter_table('bid_log_seal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bid_log_seal_tender_id'), ['tender_id'], unique=False)
    op.create_table(
        'access_denial_count',
        sa.Column('window_start', trading.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('route', sa.String(length=200), nullable=False),
        sa.Column('actor', sa.String(length=64), nullable=False),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('count', sa.BigInteger(), nullable=False),
        sa.Column('last_at', trading.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('reason', sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint('window_start', 'route', 'actor', 'address'),
    )
    op.create_table(
        'access_denial_window',
        sa.Column('window_start', trading.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('total', sa.BigInteger(), nullable=False),
        sa.Column('alerted', sa.Boolean(), nullable=False),
        sa.Column('summarised', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('window_start'),
    )
    with op.batch_alter_table('supervision_alert', schema=None) as batch_op:
        batch_op.add_column(sa.Column('organization_id', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('supervision_alert', schema=None) as batch_op:
        batch_op.drop_column('organization_id')
    op.drop_table('access_denial_window')
    op.drop_table('access_denial_count')
    with op.batch_alter_table('bid_log_seal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bid_log_seal_tender_id'))
    op.drop_table('bid_log_seal')
