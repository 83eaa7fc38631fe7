"""An API token's user remembered per process (trading.accounts.token_cache): the same answer
as the database, and forgotten at once when this process changes the account or the token."""

from __future__ import annotations

import secrets
import uuid

import pytest

from trading import db
from trading.accounts import admin, token_cache
from trading.accounts import services as accounts
from trading.accounts.models import OrganizationKind, Role
from trading.audit import Actor

SETUP = Actor.system("test")


def _bidder_with_token() -> tuple[uuid.UUID, str]:
    with db.transaction() as session:
        org = accounts.create_organization(session, SETUP, "缓存 单位", OrganizationKind.BIDDER,
                                           None)
        user = accounts.create_user(session, SETUP, username=f"tc-{secrets.token_hex(3)}",
                                    display_name="缓存", password=secrets.token_urlsafe(18),
                                    roles=[Role.BIDDER], organization=org)
        return user.id, accounts.create_api_token(session, SETUP, user.id, "t")


def _look_up_and_remember(token: str) -> bool:
    with db.read_only() as session:
        found = token_cache.lookup(session, token)
    if found is not None:
        token_cache.remember(token, found[0])
    return found is not None


@pytest.mark.usefixtures("database")
def test_the_lookup_says_what_the_orm_says_and_forgets_a_revoked_token() -> None:
    user_id, token = _bidder_with_token()
    assert _look_up_and_remember(token)
    remembered = token_cache.recall(token)
    with db.read_only() as session:
        user = accounts.user_for_api_token(session, token)
        assert user is not None and remembered is not None
        assert remembered == accounts.CurrentUser.of(user)  # roles, organization and its kind
    with db.transaction() as session:
        [record] = accounts.list_api_tokens(session, user_id)
        accounts.revoke_api_token(session, SETUP, user_id, record.id)
    assert token_cache.recall(token) is None
    assert not _look_up_and_remember(token)
    assert not _look_up_and_remember("ggzy_" + secrets.token_urlsafe(32))


@pytest.mark.usefixtures("database")
def test_a_disabled_account_is_forgotten_at_once() -> None:
    user_id, token = _bidder_with_token()
    assert _look_up_and_remember(token) and token_cache.recall(token) is not None
    with db.transaction() as session:
        admin.set_active(session, SETUP, user_id, False)
    assert token_cache.recall(token) is None
    assert not _look_up_and_remember(token)
