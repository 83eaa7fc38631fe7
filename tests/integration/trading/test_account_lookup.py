"""An account is found by its name in any case through an index, and a name is taken in every
case by the database itself.

Log-in, registration and the password-reset form compare ``lower(username)``. Until 2026-12-07
no index served that, so every log-in read every account (seen in the deadline spike:
a sequential scan of ``user_account`` per bidder's log-in).
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy.exc import IntegrityError

from tests.conftest import BACKEND
from tests.integration.trading.conftest import PASSWORD, make_user
from tests.plans import force_generic_plans, table_reads
from trading import db
from trading.accounts import services as accounts
from trading.accounts.models import User


@pytest.mark.skipif(BACKEND != "postgresql", reason="PostgreSQL's cached plans and statistics")
def test_a_login_finds_the_account_by_index(database: str) -> None:
    for name in ("lookup-a", "lookup-b", "Lookup-Mixed"):
        make_user(name, "bidder")
    with db.transaction() as session:
        force_generic_plans(session)
        user = accounts.authenticate(session, "LOOKUP-mixed", PASSWORD, "192.0.2.7")
        assert user.username == "Lookup-Mixed"
        assert table_reads(session, "user_account")[0] == 0


def test_a_name_is_taken_in_every_case(database: str) -> None:
    """Even past the registration's own check (two registrations at the same moment)."""
    make_user("casey", "bidder")
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(User(id=uuid.uuid4(), username="CASEY", display_name="另一个用户",
                         password_hash="x", created_at=dt.datetime.now(dt.UTC)))
