"""The one door through which core code writes to the supervision log.

The trading core may not import the supervision domain (dependencies point one way), so the
supervision plugin installs its ``record`` function here when the platform starts. Recording
without an installed recorder is a programming error and fails loudly: a state change that is
not logged must not commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Actor:
    """Who did it: a user (or the system), the role it acted in, and its network address."""

    user_id: str | None
    role: str
    ip: str | None = None

    @classmethod
    def system(cls, component: str = "system") -> Actor:
        return cls(user_id=None, role=component, ip=None)


class Recorder(Protocol):
    def __call__(
        self, session: Session, actor: Actor, action: str, subject: str, body: dict[str, Any]
    ) -> int: ...


_recorder: Recorder | None = None


def install_recorder(recorder: Recorder) -> None:
    global _recorder
    _recorder = recorder


def record(
    session: Session, actor: Actor, action: str, subject: str, body: dict[str, Any] | None = None
) -> int:
    """Append an entry to the supervision log in ``session``'s transaction; return its index."""
    if _recorder is None:
        raise RuntimeError("no supervision recorder installed: call trading.app.load_domains()")
    return _recorder(session, actor, action, subject, body or {})


# --- e-supervision alerts: the same door, for legal limits the core computes ---------


class DeadlineWatcher(Protocol):
    def __call__(self, session: Session, kind: str, subject: str, responsible_role: str,
                 due_at: dt.datetime, label_zh: str, label_en: str) -> object: ...


class DeadlineResolver(Protocol):
    def __call__(self, session: Session, kind: str, subject: str, resolution: str = "") -> bool: ...


_watcher: DeadlineWatcher | None = None
_resolver: DeadlineResolver | None = None


def install_alerts(watcher: DeadlineWatcher, resolver: DeadlineResolver) -> None:
    global _watcher, _resolver
    _watcher, _resolver = watcher, resolver


def watch_deadline(session: Session, kind: str, subject: str, responsible_role: str,
                   due_at: dt.datetime, label_zh: str, label_en: str) -> None:
    """Raise (or move) an e-supervision alert: yellow before ``due_at``, red from it."""
    if _watcher is None:
        raise RuntimeError("no supervision alerts installed: call trading.app.load_domains()")
    _watcher(session, kind, subject, responsible_role, due_at, label_zh, label_en)


def resolve_deadline(session: Session, kind: str, subject: str, resolution: str = "") -> bool:
    """Clear the live alert of (kind, subject); False if there was none."""
    if _resolver is None:
        raise RuntimeError("no supervision alerts installed: call trading.app.load_domains()")
    return _resolver(session, kind, subject, resolution)
