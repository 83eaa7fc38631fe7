"""issue 11: expert and draw numbers from counters instead of the highest number in use

Both were read with ``max(number)``, which compares text: after ``CQ-2026-9999`` the next draw
got ``CQ-2026-10000``, and then ``CQ-2026-10000`` again (a unique violation); and two requests
at the same moment read the same highest number (two applications, two draws). One table holds
the pool's counters: ``expert`` and ``draw-<Beijing year>``, each starting where its numbers
end (compared as numbers).

Revision ID: e006
Revises: e005
Create Date: 2026-12-07 07:00:00
"""
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e006'
down_revision: str | Sequence[str] | None = 'e005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen: the numbers' forms and the series' names on the day.
DRAW_NUMBER = re.compile(r"^CQ-(\d{4})-(\d+)$")
EXPERT_NUMBER = re.compile(r"^E(\d+)$")


def _highest(connection: sa.Connection) -> dict[str, int]:
    last: dict[str, int] = {}

    def keep(series: str, serial: int) -> None:
        last[series] = max(last.get(series, 0), serial)

    for (number,) in connection.execute(sa.text("SELECT number FROM expert_draw")):
        if found := DRAW_NUMBER.match(number):
            keep(f"draw-{found[1]}", int(found[2]))
    for (number,) in connection.execute(sa.text("SELECT number FROM expert")):
        if found := EXPERT_NUMBER.match(number):
            keep("expert", int(found[1]))
    return last


def upgrade() -> None:
    op.create_table(
        'expert_counter',
        sa.Column('series', sa.String(length=16), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series', name=op.f('pk_expert_counter')),
    )
    last = _highest(op.get_bind())
    counter = sa.table('expert_counter', sa.column('series', sa.String()),
                       sa.column('last', sa.Integer()))
    if last:
        op.get_bind().execute(counter.insert(), [{"series": s, "last": n} for s, n in last.items()])


def downgrade() -> None:
    op.drop_table('expert_counter')
