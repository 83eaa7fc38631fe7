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
        decision_api,
        decision_views,
        staff_views,
        views,
    )

    return [*views.ROUTES, *application_views.ROUTES, *decision_views.ROUTES,
            *controllers.ROUTES, *decision_api.ROUTES, *completion_views.ROUTES, *staff_views.ROUTES,
            *_more_routes()]


def _more_routes() -> list[Any]:
    """The library, kiosk, progress, ratings, complaints and statistics (issue 12 parts 2, 5,
    6, 8)."""
    from trading.intake import (
        complaint_views,
        kiosk,
        library_views,
        progress_views,
        stats_views,
    )

    return [*library_views.ROUTES, *kiosk.ROUTES, *progress_views.ROUTES,
            *complaint_views.ROUTES, *stats_views.ROUTES]


def _seed(session: Any) -> None:
    from trading.intake import library
    from trading.intake.demo import seed

    seed(session)
    library.seed_demo(session)  # the demo tenderee's licence on record (R-07)


def _messages() -> dict[str, dict[str, str]]:
    from trading.intake.completion_messages import MESSAGES as COMPLETION
    from trading.intake.messages import MESSAGES
    from trading.intake.region_messages import REGION_MESSAGES
    from trading.intake.service_messages import SERVICE_MESSAGES

    return {**MESSAGES, **COMPLETION, **SERVICE_MESSAGES, **REGION_MESSAGES}


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
        NavItem("nav.intake_progress", "/intake/progress"),
        NavItem("nav.intake_library", "/intake/library", frozenset({"bidder", "tenderee"})),
        NavItem("nav.intake_complaints", "/intake/complaints",
                frozenset({"bidder", "tenderee", "staff", "regulator"})),
        NavItem("nav.intake_follow_ups", "/intake/staff/ratings", frozenset({"staff"})),
        NavItem("nav.intake_stats", "/intake/stats", frozenset({"staff", "regulator"})),
    ),
    messages=_messages(),
    seed_demo=_seed,
)
