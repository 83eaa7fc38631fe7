"""issue 13: a readable project number (项目编号) for every tender, with its per-series counter

Existing tenders are numbered in the order they were created, in the series of their category
and Beijing year, exactly as ``bidding.project_codes.next_code`` would have numbered them.

Revision ID: pc01
Revises: ev11
Create Date: 2026-12-05 21:10:00
"""
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = 'pc01'
down_revision: str | Sequence[str] | None = 'ev11'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies: a migration must number as the code did on the day it was written.
LETTERS = {"construction": "GC", "procurement": "CG", "land": "TD", "property": "CQ",
           "other": "QT"}
BEIJING = ZoneInfo("Asia/Shanghai")


def _series(category: str, created_at: dt.datetime) -> str:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=dt.UTC)
    return f"GGZY-{LETTERS.get(category, 'QT')}-{created_at.astimezone(BEIJING).year}"


def upgrade() -> None:
    op.create_table(
        'tender_code_counter',
        sa.Column('series', sa.String(length=24), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('series'),
    )
    with op.batch_alter_table('tender') as batch:
        batch.add_column(sa.Column('code', sa.String(length=32), nullable=True))
    connection = op.get_bind()
    tender = sa.table('tender', sa.column('id', sa.Uuid()), sa.column('category', sa.String()),
                      sa.column('created_at', sa.DateTime()), sa.column('code', sa.String()))
    counters: Counter[str] = Counter()
    rows = connection.execute(sa.select(tender.c.id, tender.c.category, tender.c.created_at)
                              .order_by(tender.c.created_at, tender.c.id)).all()
    for row in rows:
        series = _series(row.category, row.created_at)
        counters[series] += 1
        connection.execute(tender.update().where(tender.c.id == row.id)
                           .values(code=f"{series}-{counters[series]:04d}"))
    counter = sa.table('tender_code_counter', sa.column('series', sa.String()),
                       sa.column('last', sa.Integer()))
    if counters:
        connection.execute(counter.insert(), [{"series": s, "last": n} for s, n in counters.items()])
    with op.batch_alter_table('tender') as batch:
        batch.alter_column('code', existing_type=sa.String(length=32), nullable=False)
        batch.create_unique_constraint(batch.f('uq_tender_code'), ['code'])


def downgrade() -> None:
    with op.batch_alter_table('tender') as batch:
        batch.drop_constraint(batch.f('uq_tender_code'), type_='unique')
        batch.drop_column('code')
    op.drop_table('tender_code_counter')
