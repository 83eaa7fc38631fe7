"""How the platform assembles the bidding domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.static_files import create_static_files_router

from bidding.ceremony_controllers import ROUTES as CEREMONY_ROUTES
from bidding.ceremony_views import ROUTES as CEREMONY_PAGES
from bidding.cli import commands as CLI_COMMANDS
from bidding.controllers import ROUTES as API_ROUTES
from bidding.messages import MESSAGES
from bidding.views import ROUTES as PAGE_ROUTES
from trading.domain import Domain, NavItem

HERE = Path(__file__).parent


def _seed(session: Any) -> None:
    from bidding import demo

    demo.seed_demo(session)


# The crypto engineer's browser code (seal.js, share-open.js) is served from static/bidding/.
STATIC = create_static_files_router(path="/static/bidding",
                                    directories=[HERE / "static" / "bidding"],
                                    include_in_schema=False)

domain = Domain(
    name="bidding",
    models_module="bidding.models",
    route_handlers=[*API_ROUTES, *CEREMONY_ROUTES, *PAGE_ROUTES, *CEREMONY_PAGES, STATIC],
    template_dir=HERE / "templates",
    task_modules=("bidding.tasks",),
    nav=(
        NavItem("nav.tenders", "/bidding/tenders"),
        NavItem("nav.tender_new", "/bidding/tenders/new", frozenset({"staff", "tenderee"})),
        NavItem("nav.custody", "/custody", frozenset({"custodian"})),
        # Signed-in users only (an item without roles is shown to the public too).
        NavItem("nav.notifications", "/bidding/notifications",
                frozenset({"bidder", "tenderee", "staff", "custodian", "regulator"})),
    ),
    messages=MESSAGES,
    seed_demo=_seed,
    cli_commands=CLI_COMMANDS,  # ggzy bid …, ggzy custody … (the crypto engineer's CLI)
)
