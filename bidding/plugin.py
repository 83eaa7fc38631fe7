"""How the platform assembles the bidding domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path

from trading.domain import Domain

domain = Domain(
    name="bidding",
    template_dir=Path(__file__).parent / "templates",
)
