"""How the platform assembles the expert_pool domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path

from trading.domain import Domain

domain = Domain(
    name="expert_pool",
    template_dir=Path(__file__).parent / "templates",
)
