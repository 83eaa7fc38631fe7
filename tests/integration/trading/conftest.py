"""A real application on a real database, driven over HTTP (Litestar's test client)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import TestClient

from trading import db
from trading.accounts import services as accounts
from trading.accounts.models import OrganizationKind, Role
from trading.audit import Actor
from trading.settings import get_settings

PASSWORD = "correct-horse-battery"
CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


# Building the app registers some 370 routes (about a second of Litestar's signature parsing,
# and the OpenAPI document at its first start), so a test process builds it once per distinct
# settings other than the database: every test has its own database, and the app does not
# hold it (the engine is looked up per request). Nothing a test does lives in the app object
# itself: sessions, throttles and caches are in the database or in module state, which the app
# would share anyway.
_APPS: dict[str, Litestar] = {}


def platform_app() -> Litestar:
    from trading.app import create_app

    # Nor does it hold the storage folder (read per request): tests that give each their own
    # still share the app.
    key = repr(dataclasses.replace(get_settings(), database_url="", storage_dir=Path()))
    if key not in _APPS:
        _APPS.clear()
        _APPS[key] = create_app()
    return _APPS[key]


@pytest.fixture
def client(database: str) -> Iterator[TestClient]:
    with TestClient(app=platform_app(), base_url="http://127.0.0.1:8000") as test_client:
        yield test_client


def make_user(username: str, *roles: str, org_name: str | None = None) -> str:
    with db.transaction() as session:
        organization = None
        if org_name:
            organization = accounts.create_organization(
                session, Actor.system("test"), org_name, OrganizationKind.OTHER, None
            )
        user = accounts.create_user(
            session, Actor.system("test"), username=username, display_name=f"{username} 用户",
            password=PASSWORD, roles=[Role(r) for r in roles], organization=organization,
        )
        return str(user.id)


def csrf_token(client: TestClient, path: str) -> str:
    page = client.get(path)
    found = CSRF_FIELD.search(page.text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def post_form(client: TestClient, path: str, data: dict[str, str | list[str]],
              form_page: str | None = None):
    token = csrf_token(client, form_page or path)
    return client.post(path, data={**data, "_csrf_token": token}, follow_redirects=False)


def login(client: TestClient, username: str, password: str = PASSWORD):
    return post_form(client, "/login", {"username": username, "password": password})
