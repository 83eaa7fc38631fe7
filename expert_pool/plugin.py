"""How the platform assembles the expert_pool domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from expert_pool import (
    attendance_views,
    draw_controllers,
    draw_views,
    drawable,  # noqa: F401  (its session events keep the draw projection in step)
    messages_attendance,
    messages_draw,
    messages_draw_pages,
    messages_pool,
    pool_controllers,
    pool_views,
    static_route,
)
from trading.domain import Domain, NavItem

HERE = Path(__file__).parent


def _seed(session: Any) -> None:
    from expert_pool import demo

    demo.seed_demo(session)


def _cli() -> list[Any]:
    from expert_pool.cli import commands

    return list(commands)


domain = Domain(
    name="expert_pool",
    models_module="expert_pool.models",
    route_handlers=[*pool_controllers.ROUTES, *pool_views.ROUTES, *draw_controllers.ROUTES,
                    *draw_views.ROUTES, *attendance_views.ROUTES,
                    static_route.STATIC],
    template_dir=HERE / "templates",
    task_modules=("expert_pool.tasks",),
    nav=(
        NavItem("nav.experts", "/experts", frozenset({"staff", "admin", "regulator"})),
        NavItem("nav.draws", "/experts/draws", frozenset({"staff", "regulator"})),
        NavItem("nav.my_expert", "/experts/me", frozenset({"expert"})),
    ),
    messages={**messages_pool.MESSAGES, **messages_draw.MESSAGES, **messages_draw_pages.MESSAGES,
              **messages_attendance.MESSAGES},
    seed_demo=_seed,
    cli_commands=_cli(),
)
