"""test clock; calendar years entered whole, provisional-year dependencies

Revision ID: 0007
Revises: b002
Create Date: 2026-11-29 23:00:00.000000

The single-day ``calendar_override`` table goes: a year is entered whole or not at all. Years
that had overrides become provisional again until an admin enters them (their overrides were
partial by construction, and are kept in the supervision log).
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = '0007'
down_revision: str | Sequence[str] | None = 'b002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('test_clock',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('offset_us', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_test_clock'))
    )
    op.create_table('calendar_year',
    sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('basis', sa.String(length=200), nullable=False),
    sa.Column('entered_by', sa.String(length=64), nullable=False),
    sa.Column('entered_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_year'))
    )
    op.create_table('calendar_year_day',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('name', sa.String(length=50), nullable=True),
    sa.ForeignKeyConstraint(['year'], ['calendar_year.year'], name=op.f('fk_calendar_year_day_year_calendar_year')),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_year_day'))
    )
    with op.batch_alter_table('calendar_year_day', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_year_day_year'), ['year'], unique=False)
    op.create_table('calendar_dependency',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('label_zh', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.Column('responsible_role', sa.String(length=32), nullable=False),
    sa.Column('start_day', sa.Date(), nullable=False),
    sa.Column('days', sa.Integer(), nullable=False),
    sa.Column('working_days', sa.Boolean(), nullable=False),
    sa.Column('computed_end', sa.Date(), nullable=False),
    sa.Column('chosen_day', sa.Date(), nullable=False),
    sa.Column('years', sa.String(length=64), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=True),
    sa.Column('required_end', sa.Date(), nullable=True),
    sa.Column('checked_at', trading.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_dependency'))
    )
    with op.batch_alter_table('calendar_dependency', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_dependency_subject_rule', ['subject', 'rule'], unique=False)
        batch_op.create_index(batch_op.f('ix_calendar_dependency_outcome'), ['outcome'], unique=False)
    op.drop_table('calendar_override')


def downgrade() -> None:
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('is_working_day', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=False),
    sa.Column('updated_by', sa.String(length=64), nullable=False),
    sa.Column('updated_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    op.drop_table('calendar_dependency')
    op.drop_table('calendar_year_day')
    op.drop_table('calendar_year')
    op.drop_table('test_clock')
