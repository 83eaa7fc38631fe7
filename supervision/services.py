"""Supervision services; ``record`` is the one function every domain writes through."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from trading.audit import Actor


def record(session: Session, actor: Actor, action: str, subject: str, body: dict[str, Any]) -> int:
    raise NotImplementedError("supervision log core not built yet")
