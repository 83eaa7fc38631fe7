"""The embedded database, the broker file and var/ are owner-only after set-up."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

from trading.settings import PROJECT_ROOT


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_migrate_creates_an_owner_only_database_in_an_owner_only_folder(tmp_path: Path) -> None:
    var = tmp_path / "var"
    env = {**os.environ, "GGZY_VAR_DIR": str(var)}
    for name in ("GGZY_DATABASE_URL", "GGZY_BROKER_URL", "GGZY_STORAGE_DIR"):
        env.pop(name, None)
    done = subprocess.run([sys.executable, "-m", "trading.cli", "migrate"], cwd=PROJECT_ROOT,
                          env=env, capture_output=True, text=True, timeout=120,
                          preexec_fn=lambda: os.umask(0o022))
    assert done.returncode == 0, done.stderr
    assert _mode(var) == 0o700
    database = var / "ggzy.sqlite3"
    assert database.exists() and _mode(database) == 0o600
    for sidecar in (var / "ggzy.sqlite3-wal", var / "ggzy.sqlite3-shm"):
        if sidecar.exists():
            assert _mode(sidecar) == 0o600, sidecar.name
    assert _mode(var / "secret_key") == 0o600


def test_a_database_in_a_shared_folder_leaves_the_folder_alone(tmp_path: Path) -> None:
    from trading import files

    shared = tmp_path / "shared"
    shared.mkdir(mode=0o1777)
    os.chmod(shared, 0o1777)  # like /tmp
    database = files.touch_private(shared / "ggzy.sqlite3")
    assert _mode(database) == 0o600
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777
    made = files.touch_private(tmp_path / "new" / "deeper" / "ggzy.sqlite3")
    assert _mode(made.parent) == 0o700 and _mode(made.parent.parent) == 0o700
