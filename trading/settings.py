"""One frozen settings object read from the environment.

Every setting has an embedded default (SQLite, an embedded Celery transport, local files under
``var/``) so that ``make run`` works on a fresh machine; production overrides them.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def _read_or_create_secret(path: Path) -> str:
    """Return the secret stored at ``path``, creating it owner-only on first use."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process or thread created it first: use theirs
        return _wait_for_secret(path)
    with os.fdopen(fd, "w") as handle:
        handle.write(value)
    return value


def _wait_for_secret(path: Path) -> str:
    for _ in range(100):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise RuntimeError(f"secret file {path} stays empty")


@dataclass(frozen=True)
class Settings:
    var_dir: Path
    database_url: str
    broker_url: str
    storage_dir: Path
    secret_key: str = field(repr=False)
    timezone: str = "Asia/Shanghai"
    default_language: str = "zh-CN"
    public_url: str = "http://127.0.0.1:8000"
    login_max_failures_per_account: int = 5
    login_max_failures_per_address: int = 20
    login_failure_window_seconds: int = 900
    dispatch_lookahead_seconds: int = 10
    dispatch_interval_seconds: float = 1.0
    job_lease_seconds: int = 300
    heartbeat_interval_seconds: int = 30
    # How often a worker process refreshes its presence row (trading.job_recovery); one that
    # misses three is taken for dead and its due jobs are sent again.
    worker_presence_seconds: float = 5.0
    debug: bool = False
    # Threads per web worker for synchronous database work. Python threads share one
    # interpreter lock: past a few, they queue for it and each request waits longer
    # (docs/performance.md, `make bench` (a)). Raise it when the database is far away.
    web_threads: int = 4
    # "production", "development" (make run) or "test". The test clock is refused in production.
    environment: str = "development"
    # Test clock (tests and demos only): clock.now adds an offset kept in the database, so that
    # tests move time instead of waiting for it. ``test_now`` starts it at that instant.
    test_clock: bool = False
    test_now: dt.datetime | None = None
    # Peers whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks).
    # Empty by default: forwarded headers are ignored, so nobody can pick their own address.
    trusted_proxies: tuple[str, ...] = ()
    # Strict-Transport-Security max-age; 0 sends no HSTS header (set it once TLS is in front).
    hsts_seconds: int = 0
    # "auto": cookies are Secure when the request arrived over HTTPS (as seen directly or from
    # a trusted proxy's X-Forwarded-Proto) or GGZY_PUBLIC_URL is https; "1" always; "0" never.
    secure_cookies: str = "auto"
    # Request-size policy (trading.limits): the default body limit of every route that does not
    # declare its own, and the ceiling on request head bytes enforced by ``ggzy web``.
    max_body_bytes: int = 1024 * 1024
    max_header_bytes: int = 64 * 1024

    @property
    def cookies_always_secure(self) -> bool:
        return self.secure_cookies == "1" or (
            self.secure_cookies == "auto" and self.public_url.startswith("https://"))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings() -> Settings:
    var_dir = Path(_env("GGZY_VAR_DIR", str(PROJECT_ROOT / "var"))).resolve()
    secret = os.environ.get("GGZY_SECRET_KEY", "").strip() or _read_or_create_secret(
        var_dir / "secret_key"
    )
    environment = _environment()
    test_now = _test_now()
    return Settings(
        var_dir=var_dir,
        database_url=_env("GGZY_DATABASE_URL", f"sqlite:///{var_dir / 'ggzy.sqlite3'}"),
        broker_url=_env("GGZY_BROKER_URL", f"sqla+sqlite:///{var_dir / 'broker.sqlite3'}"),
        storage_dir=Path(_env("GGZY_STORAGE_DIR", str(var_dir / "storage"))).resolve(),
        secret_key=secret,
        timezone=_env("GGZY_TIMEZONE", "Asia/Shanghai"),
        default_language=_env("GGZY_LANGUAGE", "zh-CN"),
        public_url=_env("GGZY_PUBLIC_URL", "http://127.0.0.1:8000"),
        debug=_env("GGZY_DEBUG", "0") == "1",
        web_threads=max(1, int(_env("GGZY_WEB_THREADS", "4"))),
        worker_presence_seconds=max(0.2, float(_env("GGZY_WORKER_PRESENCE_SECONDS", "5"))),
        dispatch_lookahead_seconds=max(1, int(_env("GGZY_DISPATCH_LOOKAHEAD_SECONDS", "10"))),
        environment=environment,
        test_clock=_test_clock(environment, test_now),
        test_now=test_now,
        trusted_proxies=tuple(p for p in _env("GGZY_TRUSTED_PROXIES", "").replace(",", " ").split()),
        hsts_seconds=_int("GGZY_HSTS_SECONDS", 0),
        secure_cookies=_choice("GGZY_SECURE_COOKIES", "auto", ("auto", "0", "1")),
        max_body_bytes=_int("GGZY_MAX_BODY_BYTES", 1024 * 1024, minimum=1024),
        max_header_bytes=_int("GGZY_MAX_HEADER_BYTES", 64 * 1024, minimum=4096),
    )


class SettingsError(RuntimeError):
    """A setting that cannot be used (the message names it)."""


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = _env(name, str(default))
    try:
        value = int(raw)
    except ValueError as error:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from error
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
    value = _env(name, default)
    if value not in allowed:
        raise SettingsError(f"{name} must be one of {', '.join(allowed)}, not {value!r}")
    return value


def _test_now() -> dt.datetime | None:
    raw = os.environ.get("GGZY_TEST_NOW", "").strip()
    if not raw:
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise SettingsError(f"GGZY_TEST_NOW is not an ISO 8601 instant: {raw!r}") from error
    if moment.tzinfo is None:
        raise SettingsError(f"GGZY_TEST_NOW needs a zone offset (e.g. +08:00 or Z): {raw!r}")
    return moment.astimezone(dt.UTC)


def _environment() -> str:
    value = _env("GGZY_ENV", "development")
    if value not in ("production", "development", "test"):
        raise SettingsError(f"GGZY_ENV must be production, development or test, not {value!r}")
    return value


def _test_clock(environment: str, test_now: dt.datetime | None) -> bool:
    wanted = _env("GGZY_TEST_CLOCK", "0") == "1" or test_now is not None
    if wanted and environment == "production":
        raise SettingsError("the test clock (GGZY_TEST_CLOCK / GGZY_TEST_NOW) is refused when "
                            "GGZY_ENV=production: legal time is the database's own clock")
    return wanted


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
