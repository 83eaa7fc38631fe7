"""Publishes the approval center's public results (notice type ``intake_result``): the intake
is part of the trading core, which imports no domain, so this domain installs the publisher
(``trading.intake.results.install_publisher``) when it is loaded."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from disclosure import services
from disclosure.notice_types import NoticeType
from trading.audit import Actor


def publish(session: Session, actor: Actor, notice: dict[str, Any]) -> str:
    """Publish one result in the caller's transaction; its permanent path."""
    published = services.publish(
        session, actor, notice_type=NoticeType.INTAKE_RESULT, tender_ref=notice["tender_ref"],
        title=notice["title"], data=notice["data"], region=notice["region"], category="intake")
    return published.url


def install() -> None:
    from trading.intake import results

    results.install_publisher(publish)
