"""Test databases built by running the real migrations, on SQLite or PostgreSQL.

``GGZY_TEST_DATABASE`` picks the backend for the whole run (``make test`` runs the suite once
per backend). Each test that asks for ``database`` gets a fresh copy of a migrated template:
a file copy on SQLite, ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL. The supervision log
refuses UPDATE, DELETE and TRUNCATE, so tests never share one database.

On PostgreSQL, creating and dropping a database take about 0.2 s each (WAL and fsync: most of
a short test's time); a thread makes the next test's database while a test runs and drops the
used ones behind it (``_Databases``), so the suite waits for neither.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.config import Config

from trading import clock, db, server_errors
from trading.settings import PROJECT_ROOT, get_settings

# The test clock (trading.clock): tests move time instead of sleeping until a deadline.
os.environ.setdefault("GGZY_ENV", "test")
os.environ.setdefault("GGZY_TEST_CLOCK", "1")
# The demo tender at the evaluation stage (bidding/demo_evaluation.py) costs every demo seed a
# key ceremony and three sealed bids; only its own test needs it (and turns it on).
os.environ.setdefault("GGZY_DEMO_EVALUATION", "0")

BACKEND = os.environ.get("GGZY_TEST_DATABASE", "sqlite")
PG_ADMIN_DSN = os.environ.get("GGZY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"


def pytest_report_header() -> str:
    start = os.environ.get("GGZY_TEST_NOW") or "the real time"
    return f"ggzy test database backend: {BACKEND}; test clock starts at {start}"


def _use_database(url: str) -> None:
    os.environ["GGZY_DATABASE_URL"] = url
    get_settings.cache_clear()
    db.reset_engine_cache()
    # GGZY_TEST_NOW: every test starts at that instant (and time runs on from there).
    with db.transaction() as session:
        clock.start_test_clock(session)


def alembic_config(url: str) -> Config:
    """The project's migration history, pointed at ``url``."""
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def migrate(url: str) -> None:
    command.upgrade(alembic_config(url), "heads")


def _pg_url(name: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("var")
    os.environ["GGZY_VAR_DIR"] = str(path)
    os.environ.setdefault("GGZY_BROKER_URL", f"sqla+sqlite:///{path / 'broker.sqlite3'}")
    get_settings.cache_clear()
    return path


class _Databases:
    """Fresh PostgreSQL copies of the template, one made ahead of the test that takes it; used
    ones are dropped behind. One thread does both in order, so at most two copies exist."""

    def __init__(self, template: str) -> None:
        self.template = template
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self.ahead: Future[str] | None = None

    def _create(self) -> str:
        name = f"ggzy_t_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        return name

    def take(self) -> str:
        ahead, self.ahead = self.ahead, None
        try:
            name = ahead.result() if ahead is not None else self._create()
        except psycopg.Error:  # the one made ahead failed (the server was away): try now
            name = self._create()
        self.ahead = self.thread.submit(self._create)
        return name

    def drop(self, name: str) -> None:
        self.thread.submit(_pg_admin, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self.ahead is not None and self.ahead.exception() is None:
            self.drop(self.ahead.result())
        self.thread.shutdown(wait=True)


@pytest.fixture(scope="session")
def template_database(var_dir: Path) -> Iterator[str]:
    from trading.app import load_domains

    load_domains()
    if BACKEND == "sqlite":
        path = var_dir / "template.sqlite3"
        migrate(f"sqlite:///{path}")
        yield str(path)
        return
    name = f"ggzy_tpl_{uuid.uuid4().hex[:10]}"
    try:
        _pg_admin(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        message = f"PostgreSQL is not reachable at 127.0.0.1:5432: {error}"
        if IN_CI:
            pytest.exit(message, returncode=3)
        pytest.skip(message)
    migrate(_pg_url(name))
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def pg_databases(template_database: str) -> Iterator[_Databases]:
    made = _Databases(template_database)
    yield made
    made.close()


@pytest.fixture
def database(request: pytest.FixtureRequest, template_database: str,
             tmp_path: Path) -> Iterator[str]:
    """A fresh migrated database for this test; the platform's engine points at it."""
    if BACKEND == "sqlite":
        path = tmp_path / "ggzy.sqlite3"
        shutil.copyfile(template_database, path)
        url = f"sqlite:///{path}"
        _use_database(url)
        yield url
        db.get_engine().dispose()
        return
    databases: _Databases = request.getfixturevalue("pg_databases")
    name = databases.take()
    url = _pg_url(name)
    _use_database(url)
    yield url
    db.get_engine().dispose()
    databases.drop(name)


# --------------------------------------------------------------------------------------------
# The 5xx rule: a server error answered by the in-process app fails the test that caused it.
# A test that provokes one on purpose says why: @pytest.mark.allows_server_error("reason").
_SERVER_ERRORS = pytest.StashKey[list[server_errors.ServerError]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "allows_server_error(reason): this test provokes a 5xx answer on purpose")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--database-tests-only", action="store_true",
        help="run only the tests that use the test database (the `database` fixture): the "
             "second backend's pass of `make test`, since the others say the same on both")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("--database-tests-only"):
        return
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (kept if "database" in getattr(item, "fixturenames", ()) else dropped).append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def _allowed(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("allows_server_error")
    if marker is None:
        return False
    if not (marker.args and isinstance(marker.args[0], str) and marker.args[0].strip()):
        pytest.fail("@pytest.mark.allows_server_error needs a reason", pytrace=False)
    return True


def _check_server_errors(item: pytest.Item, when: str) -> None:
    found = item.stash.get(_SERVER_ERRORS, [])
    if not found:
        return
    listed = "\n".join(f"  {error}" for error in found)
    found.clear()
    if not _allowed(item):
        pytest.fail(f"the app answered a server error during {when} (every 5xx fails the "
                    f"test; mark it allows_server_error(\"why\") if it is deliberate):\n{listed}",
                    pytrace=False)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    found: list[server_errors.ServerError] = []
    item.stash[_SERVER_ERRORS] = found
    server_errors.add_listener(found.append)
    result = yield
    _check_server_errors(item, "setup")
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    result = yield
    _check_server_errors(item, "the test")
    return result


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    finally:
        found = item.stash.get(_SERVER_ERRORS, None)
        if found is not None:
            server_errors.remove_listener(found.append)
    _check_server_errors(item, "teardown")
    return result
