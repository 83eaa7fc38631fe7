"""issue 11: a draw's exclusions kept on the draw, as its eligible pool is

The commit fixes who is eligible and who is left out (and why) once; both are one document
read whole by the contribution and the regulator's pages. Written as rows, the ~700
exclusions of a large draw cost its commit 7 ms (``make bench-draw``).

Revision ID: e004
Revises: e003
Create Date: 2026-12-06 22:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e004'
down_revision: str | Sequence[str] | None = 'e003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DRAWS = sa.table('expert_draw', sa.column('id', sa.Uuid()), sa.column('excluded', sa.JSON()))
ROWS = sa.table('expert_draw_exclusion', sa.column('draw_id', sa.Uuid()),
                sa.column('expert_number', sa.String()), sa.column('reason', sa.String()),
                sa.column('detail', sa.String()))


def upgrade() -> None:
    op.add_column('expert_draw', sa.Column('excluded', sa.JSON(), nullable=True))
    connection = op.get_bind()
    by_draw: dict[object, dict[str, list[str]]] = {}
    for draw_id, number, reason, detail in connection.execute(
            sa.select(ROWS.c.draw_id, ROWS.c.expert_number, ROWS.c.reason, ROWS.c.detail)):
        by_draw.setdefault(draw_id, {})[number] = [reason, detail or '']
    for draw_id, excluded in by_draw.items():
        connection.execute(DRAWS.update().where(DRAWS.c.id == draw_id).values(excluded=excluded))
    op.drop_table('expert_draw_exclusion')


def downgrade() -> None:
    op.create_table('expert_draw_exclusion',
                    sa.Column('draw_id', sa.Uuid(), nullable=False),
                    sa.Column('expert_number', sa.String(length=16), nullable=False),
                    sa.Column('reason', sa.String(length=32), nullable=False),
                    sa.Column('detail', sa.String(length=300), nullable=False),
                    sa.PrimaryKeyConstraint('draw_id', 'expert_number',
                                            name=op.f('pk_expert_draw_exclusion')))
    connection = op.get_bind()
    rows = [{'draw_id': draw_id, 'expert_number': number, 'reason': reason, 'detail': detail}
            for draw_id, excluded in connection.execute(
                sa.select(DRAWS.c.id, DRAWS.c.excluded).where(DRAWS.c.excluded.is_not(None)))
            for number, (reason, detail) in excluded.items()]
    if rows:
        connection.execute(ROWS.insert(), rows)
    op.drop_column('expert_draw', 'excluded')
