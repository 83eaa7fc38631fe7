"""A migrated scratch PostgreSQL database for a benchmark, dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

PG_ADMIN_DSN = os.environ.get("GGZY_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def scratch_postgres(prefix: str) -> Iterator[str]:
    """Create and migrate ``<prefix>_<random>``, point the platform at it (GGZY_DATABASE_URL)
    for the block, and drop it at the end; yields its URL."""
    import psycopg

    from tests.conftest import migrate
    from trading import db
    from trading.settings import get_settings

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        migrate(url)
        os.environ["GGZY_DATABASE_URL"] = url
        get_settings.cache_clear()
        db.reset_engine_cache()
        yield url
    finally:
        db.reset_engine_cache()
        with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
