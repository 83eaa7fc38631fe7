"""draw exclusions without a foreign key to their draw (one RI check per row cost a draw 18 ms)

Revision ID: dx01
Revises: rg001
Create Date: 2026-12-06 03:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'dx01'
down_revision: str | Sequence[str] | None = 'rg001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = 'fk_expert_draw_exclusion_draw_id_expert_draw'


def upgrade() -> None:
    with op.batch_alter_table('expert_draw_exclusion') as batch:
        batch.drop_constraint(FK, type_='foreignkey')


def downgrade() -> None:
    with op.batch_alter_table('expert_draw_exclusion') as batch:
        batch.create_foreign_key(FK, 'expert_draw', ['draw_id'], ['id'], ondelete='CASCADE')
