"""Shared helpers for the supervision tests: a real app (``client``), users with tokens."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from supervision import checkpoints, config
from tests.e2e.conftest import live_server  # noqa: F401  (a real uvicorn for the CLI witness)
from tests.integration.trading.conftest import PASSWORD, client, login, make_user  # noqa: F401
from trading import db
from trading.accounts import services as accounts
from trading.audit import Actor


@pytest.fixture(autouse=True)
def _fresh_config() -> Iterator[None]:
    """Settings are read once per process; tests that change the environment start clean."""
    config.get_config.cache_clear()
    checkpoints._KEYS.clear()
    yield
    config.get_config.cache_clear()
    checkpoints._KEYS.clear()


def user_with_token(username: str, *roles: str) -> tuple[str, str]:
    """A user with ``roles`` and an API token; returns (user id, token)."""
    user_id = make_user(username, *roles)
    with db.transaction() as session:
        token = accounts.create_api_token(session, Actor.system("test"), uuid.UUID(user_id), "t")
    return user_id, token


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}
