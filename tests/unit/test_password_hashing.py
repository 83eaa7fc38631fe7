"""Passwords are hashed with Argon2id at RFC 9106's low-memory cost outside tests; the test
environment's cheap hashes still verify anywhere and are upgraded at the next log-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from trading.accounts import services as accounts
from trading.settings import get_settings


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    yield monkeypatch
    get_settings.cache_clear()


@pytest.mark.parametrize("name", ["production", "development"])
def test_outside_tests_passwords_get_the_full_argon2id_cost(
        environment: pytest.MonkeyPatch, name: str) -> None:
    environment.setenv("GGZY_ENV", name)
    environment.delenv("GGZY_TEST_CLOCK", raising=False)
    environment.delenv("GGZY_TEST_NOW", raising=False)
    get_settings.cache_clear()
    stored = accounts.hash_password("correct-horse-battery")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(stored, "correct-horse-battery")


def test_a_cheap_test_hash_still_verifies_and_is_due_for_an_upgrade(
        environment: pytest.MonkeyPatch) -> None:
    environment.setenv("GGZY_ENV", "test")
    get_settings.cache_clear()
    cheap = accounts.hash_password("correct-horse-battery")
    assert cheap.startswith("$argon2id$v=19$m=8,t=1,p=1$")
    production = PasswordHasher()
    assert production.verify(cheap, "correct-horse-battery")
    assert production.check_needs_rehash(cheap)
