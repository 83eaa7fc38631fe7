"""intake: completion clock, excluded periods, extension, department tasks, staff departments

Revision ID: in010
Revises: cp01
Create Date: 2026-12-05 21:50:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'in010'
down_revision: str | Sequence[str] | None = 'cp01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('intake_completion',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('started_day', sa.Date(), nullable=False),
    sa.Column('limit_days', sa.Integer(), nullable=False),
    sa.Column('extension_days', sa.Integer(), nullable=False),
    sa.Column('extension_state', sa.String(length=16), nullable=False),
    sa.Column('extension_reason', sa.Text(), nullable=False),
    sa.Column('extension_requested', sa.Integer(), nullable=False),
    sa.Column('extension_requested_by', sa.Uuid(), nullable=True),
    sa.Column('extension_decided_by', sa.Uuid(), nullable=True),
    sa.Column('completed_at', trading.db.UTCDateTime(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('result_number', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['intake_application.id'], name=op.f('fk_intake_completion_application_id_intake_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['extension_decided_by'], ['user_account.id'], name=op.f('fk_intake_completion_extension_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['extension_requested_by'], ['user_account.id'], name=op.f('fk_intake_completion_extension_requested_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('application_id', name=op.f('pk_intake_completion'))
    )
    op.create_table('intake_paused_period',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('started_day', sa.Date(), nullable=False),
    sa.Column('started_at', trading.db.UTCDateTime(), nullable=False),
    sa.Column('started_by', sa.Uuid(), nullable=True),
    sa.Column('ended_day', sa.Date(), nullable=True),
    sa.Column('ended_at', trading.db.UTCDateTime(), nullable=True),
    sa.Column('end_reason', sa.Text(), nullable=False),
    sa.Column('ended_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['intake_application.id'], name=op.f('fk_intake_paused_period_application_id_intake_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ended_by'], ['user_account.id'], name=op.f('fk_intake_paused_period_ended_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['started_by'], ['user_account.id'], name=op.f('fk_intake_paused_period_started_by_user_account'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_intake_paused_period'))
    )
    op.create_index(op.f('ix_intake_paused_period_application_id'), 'intake_paused_period', ['application_id'], unique=False)
    op.create_table('intake_task',
    sa.Column('application_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('overdue_reason', sa.Text(), nullable=False),
    sa.Column('decided_at', trading.db.UTCDateTime(), nullable=True),
    sa.Column('decided_by', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['intake_application.id'], name=op.f('fk_intake_task_application_id_intake_application'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_intake_task_decided_by_user_account'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['department_id'], ['intake_department.id'], name=op.f('fk_intake_task_department_id_intake_department'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('application_id', 'department_id', name=op.f('pk_intake_task'))
    )
    op.create_table('intake_staff_department',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('department_id', sa.Uuid(), nullable=False),
    sa.Column('head', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['intake_department.id'], name=op.f('fk_intake_staff_department_department_id_intake_department'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_intake_staff_department_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'department_id', name=op.f('pk_intake_staff_department'))
    )


def downgrade() -> None:
    op.drop_table('intake_staff_department')
    op.drop_table('intake_task')
    op.drop_index(op.f('ix_intake_paused_period_application_id'), table_name='intake_paused_period')
    op.drop_table('intake_paused_period')
    op.drop_table('intake_completion')
