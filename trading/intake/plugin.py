"""How the platform mounts the approval center's intake (part of the trading core, so
``trading.app`` lists it next to the other domains: routes, templates, text, demo data)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from trading.domain import Domain, NavItem

HERE = Path(__file__).parent


def _routes() -> list[Any]:
    from trading.intake import (
        application_views,
        completion_views,
        controllers,
        decision_views,
        staff_views,
        views,
    )

    return [*views.ROUTES, *application_views.ROUTES, *decision_views.ROUTES,
            *controllers.ROUTES, *completion_views.ROUTES, *staff_views.ROUTES]


def _seed(session: Any) -> None:
    from trading.intake.demo import seed

    seed(session)


def _messages() -> dict[str, dict[str, str]]:
    from trading.intake.completion_messages import MESSAGES as COMPLETION
    from trading.intake.messages import MESSAGES

    return {**MESSAGES, **COMPLETION}


domain = Domain(
    name="intake",
    route_handlers=_routes(),
    template_dir=HERE / "templates",
    task_modules=("trading.intake.tasks",),
    nav=(
        NavItem("nav.intake", "/intake"),
        NavItem("nav.intake_mine", "/intake/mine", frozenset({"bidder", "tenderee"})),
        NavItem("nav.intake_queue", "/intake/staff/applications", frozenset({"staff"})),
        NavItem("nav.intake_manage", "/intake/manage", frozenset({"staff"})),
        NavItem("nav.intake_tasks", "/intake/staff/tasks", frozenset({"staff"})),
        NavItem("nav.intake_staff", "/intake/manage/staff", frozenset({"admin"})),
    ),
    messages=_messages(),
    seed_demo=_seed,
)
