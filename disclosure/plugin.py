"""How the platform assembles the disclosure domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.static_files import create_static_files_router

from trading.domain import Domain, NavItem

HERE = Path(__file__).parent


def _routes() -> list[Any]:
    import disclosure.controllers as controllers
    import disclosure.views as views

    static = create_static_files_router(path="/static/disclosure", directories=[HERE / "static"],
                                        include_in_schema=False, name="disclosure_static")
    return [*views.ROUTES, *controllers.ROUTES, static]


def _middleware() -> tuple[Any, ...]:
    from disclosure.page_cache import CachedPageMiddleware

    return (CachedPageMiddleware(),)


def _cli() -> tuple[Any, ...]:
    from disclosure.cli import COMMANDS

    return COMMANDS


def _seed(session: Any) -> None:
    from disclosure.demo import seed

    seed(session)


def _home_panels() -> tuple[Any, ...]:
    from disclosure.home import PANEL

    return (PANEL,)


def _install_intake_publisher() -> None:
    from disclosure import intake_results

    intake_results.install()


def _messages() -> dict[str, dict[str, str]]:
    from disclosure.messages import MESSAGES

    return MESSAGES


domain = Domain(
    name="disclosure",
    models_module="disclosure.models",
    route_handlers=_routes(),
    template_dir=HERE / "templates",
    task_modules=("disclosure.tasks",),
    on_load=_install_intake_publisher,
    nav=(
        NavItem("nav.notices", "/notices"),
        NavItem("nav.disclosure_preview", "/disclosure/preview",
                frozenset({"staff", "tenderee"})),
    ),
    messages=_messages(),
    cli_commands=_cli(),
    seed_demo=_seed,
    middleware=_middleware(),
    home_panels=_home_panels(),
)
