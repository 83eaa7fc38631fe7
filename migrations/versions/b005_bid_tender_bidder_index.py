"""issue 17: bids by tender and bidder in one index

``my-bids`` (every bidder, once or more in a deadline spike) reads one bidder's bids of a
tender; the index on the tender alone made it read every bid of the tender each time. The
composite index serves every query by tender as well, so it replaces that one.

Revision ID: b005
Revises: u002
Create Date: 2026-12-07 15:10:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'b005'
down_revision: str | Sequence[str] | None = 'u002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index('ix_bid_tender_id_bidder_id', ['tender_id', 'bidder_id'],
                              unique=False)
        batch_op.drop_index('ix_bid_tender_id')


def downgrade() -> None:
    with op.batch_alter_table('bid', schema=None) as batch_op:
        batch_op.create_index('ix_bid_tender_id', ['tender_id'], unique=False)
        batch_op.drop_index('ix_bid_tender_id_bidder_id')
