"""The one door through which core code writes to the supervision log.

The trading core may not import the supervision domain (dependencies point one way), so the
supervision plugin installs its ``record`` function here when the platform starts. Recording
without an installed recorder is a programming error and fails loudly: a state change that is
not logged must not commit.
"""

from __future__ import annotations

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
