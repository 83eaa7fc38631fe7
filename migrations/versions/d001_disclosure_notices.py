"""disclosure: public notices (redacted) and their private originals; search index

Revision ID: d001
Revises: 0005
Create Date: 2026-11-27 06:10:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import trading.db

revision: str = 'd001'
down_revision: str | Sequence[str] | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PUBLIC = "status = 'public'"
# PostgreSQL only (the model declares it with ddl_if): keyword search narrows rows through the
# character bigrams of search_text (see disclosure/search.py).
GRAMS_INDEX = 'ix_disclosure_notice_search_grams'


def upgrade() -> None:
    op.create_table(
        'disclosure_notice',
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.Column('notice_type', sa.String(length=32), nullable=False),
        sa.Column('tender_ref', sa.String(length=64), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('region', sa.String(length=32), nullable=False),
        sa.Column('category', sa.String(length=32), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('log_index', sa.BigInteger(), nullable=False),
        sa.Column('feed_seq', sa.BigInteger(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('publish_at', trading.db.UTCDateTime(), nullable=False),
        sa.Column('published_at', trading.db.UTCDateTime(), nullable=True),
        sa.Column('created_at', trading.db.UTCDateTime(), nullable=False),
        sa.Column('corrects_id', sa.Uuid(), nullable=True),
        sa.Column('search_text', sa.Text(), nullable=False),
        sa.Column('search_grams', sa.Text(), nullable=False),
        sa.Column('publicity_ends_at', trading.db.UTCDateTime(), nullable=True),
        sa.CheckConstraint("status IN ('scheduled', 'public')",
                           name=op.f('ck_disclosure_notice_status')),
        sa.ForeignKeyConstraint(['corrects_id'], ['disclosure_notice.id'],
                                name=op.f('fk_disclosure_notice_corrects_id_disclosure_notice'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_disclosure_notice')),
        sa.UniqueConstraint('feed_seq', name=op.f('uq_disclosure_notice_feed_seq')),
        sa.UniqueConstraint('log_index', name=op.f('uq_disclosure_notice_log_index')),
    )
    with op.batch_alter_table('disclosure_notice', schema=None) as batch_op:
        batch_op.create_index('ix_disclosure_notice_public_order', ['published_at', 'id'],
                              unique=False, sqlite_where=sa.text(PUBLIC),
                              postgresql_where=sa.text(PUBLIC))
        batch_op.create_index('ix_disclosure_notice_region_order',
                              ['region', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_notice_category_order',
                              ['category', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_notice_type_order',
                              ['notice_type', 'published_at', 'id'], unique=False)
        batch_op.create_index('ix_disclosure_notice_tender', ['tender_ref', 'published_at'],
                              unique=False)
        batch_op.create_index('ix_disclosure_notice_corrects', ['corrects_id'], unique=False)
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"CREATE INDEX {GRAMS_INDEX} ON disclosure_notice "
                   "USING gin (string_to_array(search_grams, ' '))")

    op.create_table(
        'disclosure_notice_private',
        sa.Column('notice_id', sa.Uuid(), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.Column('secret_fields', sa.JSON(), nullable=False),
        sa.Column('created_by', sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['disclosure_notice.id'],
                                name=op.f('fk_disclosure_notice_private_notice_id_disclosure_notice'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notice_id', name=op.f('pk_disclosure_notice_private')),
    )


def downgrade() -> None:
    op.drop_table('disclosure_notice_private')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f"DROP INDEX IF EXISTS {GRAMS_INDEX}")
    op.drop_table('disclosure_notice')
