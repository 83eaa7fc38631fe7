"""issue 13: account administration (contact details, forced password change, temporary
password expiry) and the forgotten-password request queue

Revision ID: u001
Revises: e002
Create Date: 2026-12-05 15:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = 'u001'
down_revision: str | Sequence[str] | None = 'e002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('mobile', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('password_expires_at', trading.db.UTCDateTime(timezone=True),
                                      nullable=True))

    op.create_table('password_reset_request',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('filed_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('handled_at', trading.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('handled_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['handled_by'], ['user_account.id'], name=op.f('fk_password_reset_request_handled_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_password_reset_request_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_request'))
    )
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_request_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('password_reset_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_request_user_id'))
        batch_op.drop_index(batch_op.f('ix_password_reset_request_status'))
    op.drop_table('password_reset_request')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_expires_at')
        batch_op.drop_column('must_change_password')
        batch_op.drop_column('mobile')
        batch_op.drop_column('email')
