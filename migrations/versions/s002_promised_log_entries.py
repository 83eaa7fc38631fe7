"""promised log entries: log_pending, log_entry.promise; bid_log_seal keyed by salt

Revision ID: s002
Revises: u001
Create Date: 2026-12-05 18:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = 's002'
down_revision: str | Sequence[str] | None = 'u001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('log_pending',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('received_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.String(length=64), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('actor_ip', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_pending')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.add_column(sa.Column('log_promise', sa.BigInteger(), nullable=True))
        batch_op.alter_column('log_index',
               existing_type=sa.BIGINT(),
               nullable=True)

    # A promised entry's log position is known only at the close: the salt (random per entry,
    # known at once) becomes the key, seq and promise are unique but may be empty.
    with op.batch_alter_table('bid_log_seal', schema=None) as batch_op:
        batch_op.drop_constraint('pk_bid_log_seal', type_='primary')
        batch_op.create_primary_key('pk_bid_log_seal', ['salt'])
        batch_op.add_column(sa.Column('promise', sa.BigInteger(), nullable=True))
        batch_op.alter_column('seq',
               existing_type=sa.BIGINT(),
               nullable=True)
        batch_op.create_unique_constraint(batch_op.f('uq_bid_log_seal_promise'), ['promise'])
        batch_op.create_unique_constraint(batch_op.f('uq_bid_log_seal_seq'), ['seq'])

    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('promise', sa.BigInteger(), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_log_entry_promise'), ['promise'])



def downgrade() -> None:
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_log_entry_promise'), type_='unique')
        batch_op.drop_column('promise')

    with op.batch_alter_table('bid_log_seal', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_bid_log_seal_seq'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_bid_log_seal_promise'), type_='unique')
        batch_op.drop_constraint('pk_bid_log_seal', type_='primary')
        batch_op.alter_column('seq',
               existing_type=sa.BIGINT(),
               nullable=False)
        batch_op.create_primary_key('pk_bid_log_seal', ['seq'])
        batch_op.drop_column('promise')

    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.alter_column('log_index',
               existing_type=sa.BIGINT(),
               nullable=False)
        batch_op.drop_column('log_promise')

    op.drop_table('log_pending')
