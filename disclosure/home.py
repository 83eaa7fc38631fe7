"""Disclosure's section of the platform's public home page: a notice search box and the latest
notices (a ``trading.domain.HomePanel``; the core renders it on ``/``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from disclosure import listing
from trading.domain import HomePanel

LATEST_COUNT = 8


def latest_notices(session: Session) -> dict[str, Any]:
    from disclosure.views import type_label

    page = listing.list_public(session, listing.Filters(), limit=LATEST_COUNT)
    return {"notices": page.items, "type_label": type_label}


PANEL = HomePanel(template="disclosure/home_panel.html", context=latest_notices,
                  stylesheets=("/static/disclosure/disclosure.css",))
