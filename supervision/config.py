"""Supervision settings, read from the environment (defaults fit the embedded ``make run``).

Kept apart from ``trading.settings`` so that the supervision domain owns its knobs:

- ``GGZY_LOG_KEY_FILE``: the platform's Ed25519 checkpoint signing key (default
  ``<var_dir>/keys/log_signing.key``, created owner-only on first use; never in the database).
- ``GGZY_LOG_ORIGIN``: the checkpoint origin line and the signing key's name.
- ``GGZY_LOG_CHECKPOINT_INTERVAL``: seconds between periodic checkpoints (default 300).
- ``GGZY_ALERT_YELLOW_HOURS``: default margin before a legal limit at which an alert turns
  yellow (default 24; a caller of ``watch_deadline`` may pass its own margin).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from trading.settings import get_settings

DEFAULT_ORIGIN = "ggzy.example/log"


@dataclass(frozen=True)
class SupervisionConfig:
    key_file: Path
    origin: str
    checkpoint_interval: dt.timedelta
    yellow_margin: dt.timedelta


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


@lru_cache(maxsize=1)
def get_config() -> SupervisionConfig:
    var_dir = get_settings().var_dir
    return SupervisionConfig(
        key_file=Path(_env("GGZY_LOG_KEY_FILE", str(var_dir / "keys" / "log_signing.key"))),
        origin=_env("GGZY_LOG_ORIGIN", DEFAULT_ORIGIN),
        checkpoint_interval=dt.timedelta(seconds=float(_env("GGZY_LOG_CHECKPOINT_INTERVAL", "300"))),
        yellow_margin=dt.timedelta(hours=float(_env("GGZY_ALERT_YELLOW_HOURS", "24"))),
    )
