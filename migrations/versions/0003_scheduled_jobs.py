"""scheduled jobs and worker heartbeats

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-27 06:30:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = '0003'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ACTIVE = "status IN ('pending', 'queued')"


def upgrade() -> None:
    op.create_table('scheduled_job',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('due_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('lease_until', trading.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'queued', 'done', 'cancelled', 'failed')", name=op.f('ck_scheduled_job_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_job'))
    )
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_job_status_due_at', ['status', 'due_at'], unique=False)
        batch_op.create_index('uq_scheduled_job_active_kind_subject', ['kind', 'subject'], unique=True,
                              sqlite_where=sa.text(ACTIVE), postgresql_where=sa.text(ACTIVE))

    op.create_table('worker_heartbeat',
    sa.Column('hostname', sa.String(length=255), nullable=False),
    sa.Column('seen_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('hostname', name=op.f('pk_worker_heartbeat'))
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeat')
    with op.batch_alter_table('scheduled_job', schema=None) as batch_op:
        batch_op.drop_index('uq_scheduled_job_active_kind_subject')
        batch_op.drop_index('ix_scheduled_job_status_due_at')

    op.drop_table('scheduled_job')
