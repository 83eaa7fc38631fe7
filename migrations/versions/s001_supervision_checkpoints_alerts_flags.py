"""supervision: signed checkpoints, witness keys, cosignatures, alerts, red flags

Revision ID: s001
Revises: 0005
Create Date: 2026-11-27 06:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 's001'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Checkpoints and cosignatures are statements once made: never changed, never removed. The
# refusing function comes from migration 0002.
APPEND_ONLY_TABLES = ('log_checkpoint', 'log_cosignature')
REFUSE_FUNCTION = 'supervision_log_append_only'
ACTIVE_ALERT = "state IN ('watching', 'yellow', 'red')"


def upgrade() -> None:
    op.create_table('log_checkpoint',
    sa.Column('size', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('root', sa.LargeBinary(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(root) = 32', name=op.f('ck_log_checkpoint_root_size')),
    sa.PrimaryKeyConstraint('size', name=op.f('pk_log_checkpoint'))
    )
    op.create_table('witness_key',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('vkey', sa.String(length=400), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', trading.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_witness_key_user_id_user_account'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_witness_key')),
    sa.UniqueConstraint('vkey', name=op.f('uq_witness_key_vkey'))
    )
    with op.batch_alter_table('witness_key', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_witness_key_user_id'), ['user_id'], unique=False)
    op.create_table('log_cosignature',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('witness_key_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Text(), nullable=False),
    sa.Column('signed_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['size'], ['log_checkpoint.size'], name=op.f('fk_log_cosignature_size_log_checkpoint'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['witness_key_id'], ['witness_key.id'], name=op.f('fk_log_cosignature_witness_key_id_witness_key'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_cosignature')),
    sa.UniqueConstraint('size', 'witness_key_id', name=op.f('uq_log_cosignature_size'))
    )
    with op.batch_alter_table('log_cosignature', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_log_cosignature_size'), ['size'], unique=False)
    op.create_table('supervision_alert',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('responsible_role', sa.String(length=32), nullable=False),
    sa.Column('label_zh', sa.String(length=300), nullable=False),
    sa.Column('label_en', sa.String(length=300), nullable=False),
    sa.Column('due_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('yellow_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cleared_at', trading.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('resolution', sa.String(length=200), nullable=True),
    sa.CheckConstraint("state IN ('watching', 'yellow', 'red', 'cleared')", name=op.f('ck_supervision_alert_state')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervision_alert'))
    )
    with op.batch_alter_table('supervision_alert', schema=None) as batch_op:
        batch_op.create_index('ix_supervision_alert_state_due_at', ['state', 'due_at'], unique=False)
        batch_op.create_index('uq_supervision_alert_active_kind_subject', ['kind', 'subject'], unique=True,
                              sqlite_where=sa.text(ACTIVE_ALERT), postgresql_where=sa.text(ACTIVE_ALERT))
    op.create_table('red_flag',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('tender_subject', sa.String(length=200), nullable=False),
    sa.Column('stage', sa.String(length=16), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('bidders', sa.JSON(), nullable=False),
    sa.Column('evidence', sa.JSON(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('log_seq', sa.BigInteger(), nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_red_flag')),
    sa.UniqueConstraint('tender_subject', 'fingerprint', name=op.f('uq_red_flag_tender_subject'))
    )
    with op.batch_alter_table('red_flag', schema=None) as batch_op:
        batch_op.create_index('ix_red_flag_created_at', ['created_at'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f'CREATE TRIGGER {table}_append_only '
                f'BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} '
                f'FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}()'
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        for table in APPEND_ONLY_TABLES:
            op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
    op.drop_table('red_flag')
    op.drop_table('supervision_alert')
    op.drop_table('log_cosignature')
    op.drop_table('witness_key')
    op.drop_table('log_checkpoint')
