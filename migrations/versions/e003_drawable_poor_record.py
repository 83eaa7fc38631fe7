"""issue 11: the poor-record facts on the drawable projection (see expert_pool/drawable.py)

A draw's "poor record" rule aggregated every recent decline and every rating in each
evaluation; the projection now keeps the two facts it reads, refreshed with each record.

Revision ID: e003
Revises: lz01
Create Date: 2026-12-06 20:10:33.937971
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'e003'
down_revision: str | Sequence[str] | None = 'lz01'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_INCLUDE = ['expert_id', 'number', 'status', 'region', 'employer_credit_code', 'penalized_until']
NEW_INCLUDE = [*OLD_INCLUDE, 'poor_third_on', 'low_rated']

# The same facts as expert_pool.drawable computes (third most recent poor record; the mean of
# the latest five ratings below 2.5 of 5, as the sum of three marks).
FILL = """
UPDATE expert_drawable SET
  poor_third_on = (
    SELECT i.occurred_on FROM expert_integrity i
    WHERE i.expert_id = expert_drawable.expert_id
      AND i.kind IN ('decline', 'no_answer', 'late_cancellation')
    ORDER BY i.occurred_on DESC LIMIT 1 OFFSET 2),
  low_rated = COALESCE((
    SELECT avg(r.punctuality + r.quality + r.conduct) FROM expert_rating r
    WHERE r.expert_id = expert_drawable.expert_id AND r.draw_id IN (
      SELECT r2.draw_id FROM expert_rating r2 WHERE r2.expert_id = expert_drawable.expert_id
      ORDER BY r2.rated_at DESC, r2.draw_id LIMIT 5)) < 7.5, false)
"""


def upgrade() -> None:
    with op.batch_alter_table('expert_drawable', schema=None) as batch_op:
        batch_op.add_column(sa.Column('poor_third_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('low_rated', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    op.execute(FILL)
    with op.batch_alter_table('expert_drawable', schema=None) as batch_op:
        batch_op.alter_column('low_rated', server_default=None)
        # The covering index carries the new columns, so that the candidates stay an
        # index-only scan (PostgreSQL; SQLite's index has no included columns).
        batch_op.drop_index('ix_expert_drawable_candidates', postgresql_include=OLD_INCLUDE)
        batch_op.create_index('ix_expert_drawable_candidates',
                              ['specialty_code', 'title', 'years_in_specialty'], unique=False,
                              postgresql_include=NEW_INCLUDE)


def downgrade() -> None:
    with op.batch_alter_table('expert_drawable', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_drawable_candidates', postgresql_include=NEW_INCLUDE)
        batch_op.create_index('ix_expert_drawable_candidates',
                              ['specialty_code', 'title', 'years_in_specialty'], unique=False,
                              postgresql_include=OLD_INCLUDE)
        batch_op.drop_column('low_rated')
        batch_op.drop_column('poor_third_on')
