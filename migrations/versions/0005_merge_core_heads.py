"""merge core heads

Revision ID: 0005
Revises: 0002, 0003, 0004
Create Date: 2026-11-27 05:36:44.746459
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
import trading.db


revision: str = '0005'
down_revision: str | Sequence[str] | None = ('0002', '0003', '0004')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
