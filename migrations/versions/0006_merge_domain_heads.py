"""merge domain heads

Revision ID: 0006
Revises: b001, d001, s001
Create Date: 2026-11-27 06:33:17.097185
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = '0006'
down_revision: str | Sequence[str] | None = ('b001', 'd001', 's001')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
