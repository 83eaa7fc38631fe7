"""issue 11: draw numbers from a counter per Beijing year instead of the highest number in use

The highest number was read with ``max(number)``, which compares text: after ``CQ-2026-9999``
the next was ``CQ-2026-10000``, and then ``CQ-2026-10000`` again (unique violation), and two
requests at the same moment read the same highest number. The counter starts where each
year's numbers end (compared as numbers).

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

NUMBER = re.compile(r"^CQ-(\d{4})-(\d+)$")  # frozen: drawing.NUMBER_PREFIX on the day


def upgrade() -> None:
    op.create_table(
        'expert_draw_counter',
        sa.Column('year', sa.SmallInteger(), autoincrement=False, nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_expert_draw_counter')),
    )
    connection = op.get_bind()
    draw = sa.table('expert_draw', sa.column('number', sa.String()))
    last: dict[int, int] = {}
    for (number,) in connection.execute(sa.select(draw.c.number)):
        found = NUMBER.match(number)
        if found:
            year, serial = int(found[1]), int(found[2])
            last[year] = max(last.get(year, 0), serial)
    counter = sa.table('expert_draw_counter', sa.column('year', sa.SmallInteger()),
                       sa.column('last', sa.Integer()))
    if last:
        connection.execute(counter.insert(), [{"year": y, "last": n} for y, n in last.items()])


def downgrade() -> None:
    op.drop_table('expert_draw_counter')
