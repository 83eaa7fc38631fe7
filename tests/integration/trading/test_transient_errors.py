"""A database or broker that is briefly away answers 503 with Retry-After and a readable
message, not the generic 500 ``internal_error`` (issue 17, part 7c).

The failures are real: a PostgreSQL address where nothing listens, a SQLite file another
connection holds locked, a broker address where nothing listens.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from trading import db
from trading.errors import RETRY_AFTER_SECONDS, transient_cause
from trading.settings import get_settings
from trading.worker import create_celery_app

NOWHERE_PG = "postgresql+psycopg://postgres@127.0.0.1:1/nowhere?connect_timeout=2"


def raised(action) -> BaseException:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception) as caught:
        action()
    return caught.value


def test_unreachable_postgresql_is_transient() -> None:
    engine = create_engine(NOWHERE_PG)
    error = raised(lambda: engine.connect().close())
    assert isinstance(error, OperationalError)
    assert transient_cause(error) == "database"


def test_a_locked_sqlite_file_is_transient_a_missing_table_is_not(tmp_path: Path) -> None:
    path = tmp_path / "locked.sqlite3"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x INTEGER)")
    holder.execute("BEGIN EXCLUSIVE")
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 0.1})
    try:
        with engine.connect() as connection:
            locked = raised(lambda: connection.execute(text("INSERT INTO t VALUES (1)")))
        assert transient_cause(locked) == "database"
        holder.execute("ROLLBACK")
        with engine.connect() as connection:
            missing = raised(lambda: connection.execute(text("SELECT * FROM nothing_here")))
        assert isinstance(missing, OperationalError)
        assert transient_cause(missing) is None  # a bug or a missed migration: 500
    finally:
        engine.dispose()
        holder.close()


def test_an_unreachable_broker_is_transient() -> None:
    app = create_celery_app("redis://127.0.0.1:1/0", broker_connection_timeout=1)
    error = raised(lambda: app.send_task("trading.heartbeat", retry=False))
    assert transient_cause(error) == "broker"
    assert transient_cause(RuntimeError("a bug")) is None
    assert transient_cause(ValueError("wrapped")) is None


@pytest.fixture
def database_away(client, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The app's database stops answering (nothing listens at its address any more)."""
    monkeypatch.setenv("GGZY_DATABASE_URL", NOWHERE_PG)
    get_settings.cache_clear()
    db.reset_engine_cache()
    yield
    monkeypatch.undo()
    get_settings.cache_clear()
    db.reset_engine_cache()


@pytest.mark.allows_server_error("the database is made unreachable on purpose")
def test_api_answers_503_with_retry_after_when_the_database_is_away(client,
                                                                    database_away) -> None:
    answer = client.get("/api/v1/tenders", headers={"Accept-Language": "en"})
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert answer.headers["content-type"].startswith("application/problem+json")
    body = answer.json()
    assert body["title"] == "database_unavailable" and body["status"] == 503
    assert "retry" in body["message_en"] and "稍后重试" in body["message_zh"]
    assert body["retry_after"] == RETRY_AFTER_SECONDS


@pytest.mark.allows_server_error("the database is made unreachable on purpose")
def test_a_bid_upload_is_told_to_check_and_retry(client, database_away) -> None:
    answer = client.put(f"/api/v1/tenders/{uuid.uuid4()}/sections/{uuid.uuid4()}/bid",
                        headers={"Authorization": "Bearer ggzy_" + "A" * 43}, content=b"x")
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "我的投标" in answer.json()["message_zh"]


@pytest.mark.allows_server_error("the database is made unreachable on purpose")
def test_a_page_says_it_in_words_when_the_database_is_away(client, database_away) -> None:
    page = client.get("/bidding/tenders", headers={"Accept": "text/html"})
    assert page.status_code == 503
    assert page.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "数据库暂时不可用" in page.text
