"""supervision log: entries, stored Merkle nodes, the head row; append-only triggers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 06:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = '0002'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows, once written, must never change. log_head is deliberately absent: every
# append updates its one row.
APPEND_ONLY_TABLES = ('log_entry', 'log_node')
REFUSE_FUNCTION = 'supervision_log_append_only'

# A statement-level trigger fires even when the statement touches no row, so an attempt is
# refused (and visible in the server log) whether or not it would have changed anything.
CREATE_REFUSE_FUNCTION = f"""
CREATE FUNCTION {REFUSE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'supervision log is append-only: % on % is refused', TG_OP, TG_TABLE_NAME
        USING HINT = 'Log entries can only be appended; record a correction as a new entry.';
END;
$$
"""


def upgrade() -> None:
    _create_tables()
    head = sa.table('log_head', sa.column('id', sa.Integer()), sa.column('size', sa.BigInteger()),
                    sa.column('frontier', sa.LargeBinary()))
    op.bulk_insert(head, [{'id': 1, 'size': 0, 'frontier': b''}])
    if op.get_bind().dialect.name == 'postgresql':
        _create_append_only_triggers()


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        _drop_append_only_triggers()
    op.drop_table('log_node')
    op.drop_table('log_head')
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_log_entry_subject_seq')
        batch_op.drop_index('ix_log_entry_action_seq')
    op.drop_table('log_entry')


def _create_tables() -> None:
    op.create_table('log_entry',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('created_at', trading.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_user_id', sa.String(length=64), nullable=True),
    sa.Column('actor_role', sa.String(length=32), nullable=False),
    sa.Column('actor_ip', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('canonical', sa.LargeBinary(), nullable=False),
    sa.Column('leaf_hash', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('length(leaf_hash) = 32', name=op.f('ck_log_entry_leaf_hash_size')),
    sa.CheckConstraint('seq >= 0', name=op.f('ck_log_entry_seq_not_negative')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_log_entry'))
    )
    with op.batch_alter_table('log_entry', schema=None) as batch_op:
        batch_op.create_index('ix_log_entry_action_seq', ['action', 'seq'], unique=False)
        batch_op.create_index('ix_log_entry_subject_seq', ['subject', 'seq'], unique=False)

    op.create_table('log_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('frontier', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_log_head_single_row')),
    sa.CheckConstraint('size >= 0', name=op.f('ck_log_head_size_not_negative')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_log_head'))
    )
    op.create_table('log_node',
    sa.Column('level', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(), nullable=False),
    sa.CheckConstraint('length(hash) = 32', name=op.f('ck_log_node_hash_size')),
    sa.PrimaryKeyConstraint('level', 'idx', name=op.f('pk_log_node'))
    )


def _create_append_only_triggers() -> None:
    op.execute(CREATE_REFUSE_FUNCTION)
    for table in APPEND_ONLY_TABLES:
        op.execute(
            f'CREATE TRIGGER {table}_append_only '
            f'BEFORE UPDATE OR DELETE OR TRUNCATE ON {table} '
            f'FOR EACH STATEMENT EXECUTE FUNCTION {REFUSE_FUNCTION}()'
        )


def _drop_append_only_triggers() -> None:
    for table in APPEND_ONLY_TABLES:
        op.execute(f'DROP TRIGGER IF EXISTS {table}_append_only ON {table}')
    op.execute(f'DROP FUNCTION IF EXISTS {REFUSE_FUNCTION}()')
