"""issue 17: an index on the lower-cased username

Log-in (``accounts.authenticate``), registration and the password-reset form look an account
up by ``lower(username)``; no index served that, so each read every account (the deadline
spike's log-ins: a sequential scan of ``user_account`` per bidder). Unique, as the
registration's check already meant: a name is taken in every case.

Revision ID: u002
Revises: e006
Create Date: 2026-12-07 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'u002'
down_revision: str | Sequence[str] | None = 'e006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    clashes = op.get_bind().execute(sa.text(
        "SELECT lower(username) FROM user_account GROUP BY lower(username) HAVING count(*) > 1"
    )).scalars().all()
    if clashes:  # made outside registration's check: an administrator decides which stays
        raise RuntimeError("usernames that differ only in case must be renamed before this "
                           f"upgrade: {', '.join(sorted(clashes))}")
    op.create_index('uq_user_account_username_lower', 'user_account',
                    [sa.text('lower(username)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_user_account_username_lower', table_name='user_account')
