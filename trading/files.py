"""Owner-only files and folders for everything the platform keeps on disk.

Sealed bids, tender documents, the SQLite database and the embedded broker are readable by the
platform's own account only (files 0600, folders 0700), whatever the process umask is: another
account on the machine must not copy them. Production volumes should be mounted the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from pathlib import Path
from typing import BinaryIO

FILE_MODE = 0o600
DIR_MODE = 0o700


def private_dir(path: Path, narrow_existing: bool = True) -> Path:
    """``path`` and any missing parents created 0700. An existing ``path`` is narrowed to 0700
    too, unless ``narrow_existing`` is false: for a folder that may not be the platform's own
    (the folder an operator put the SQLite file in could be /tmp)."""
    missing = []
    here = path
    while not here.exists():
        missing.append(here)
        here = here.parent
    for folder in reversed(missing):
        # Another process or thread may make it meanwhile.
        with contextlib.suppress(FileExistsError):
            folder.mkdir(mode=DIR_MODE)
    if narrow_existing or missing:
        os.chmod(path, DIR_MODE)
    return path


def open_private(path: Path, exclusive: bool = False) -> BinaryIO:
    """Open ``path`` for writing (truncated, or new only with ``exclusive``), mode 0600."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through os.open
    return os.fdopen(fd, "wb")


def touch_private(path: Path) -> Path:
    """Create ``path`` empty and 0600 if it does not exist, its missing folders 0700 (SQLite
    files: the engine gives its -wal and -shm files the database file's mode). An existing
    folder keeps its mode: it may be shared (``sqlite:////tmp/x.db``)."""
    private_dir(path.parent, narrow_existing=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    os.close(fd)
    return path


def store_by_digest(directory: Path, content: bytes) -> tuple[str, Path]:
    """``content`` kept owner-only under its SHA-256 in ``directory``: written to a temporary
    name, synced and renamed, so that a reader never meets a half file. Returns (digest, path)."""
    digest = hashlib.sha256(content).hexdigest()
    private_dir(directory)
    path = directory / digest
    temp = directory / f".{digest}.{uuid.uuid4().hex}"
    with open_private(temp, exclusive=True) as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temp, path)
    return digest, path
