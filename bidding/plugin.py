"""How the platform assembles the bidding domain (routes, templates, tasks)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar.static_files import create_static_files_router

from bidding.award import complaint_api
from bidding.award import complaint_views as complaint_pages
from bidding.award import controllers as award_api
from bidding.award import views as award_pages
from bidding.cli import commands as CLI_COMMANDS
from bidding.evaluation import adjustment_controllers as evaluation_adjustment_api
from bidding.evaluation import adjustment_views as evaluation_adjustment_pages
from bidding.evaluation import clarification_controllers as evaluation_clarification_api
from bidding.evaluation import clarification_views as evaluation_clarification_pages
from bidding.evaluation import controllers as evaluation_api
from bidding.evaluation import method_views as evaluation_method_pages
from bidding.evaluation import report_controllers as evaluation_report_api
from bidding.evaluation import report_views as evaluation_report_pages
from bidding.evaluation import views as evaluation_pages
from bidding.hall import views as hall_pages
from bidding.messages import MESSAGES
from bidding.opening import controllers as opening_api
from bidding.opening import views as opening_pages
from bidding.sealing import controllers as sealing_api
from bidding.sealing import views as sealing_pages
from bidding.security import controllers as security_api
from bidding.security import release_views as security_releases
from bidding.security import staff_views as security_staff_pages
from bidding.security import tenderee_views as security_overview
from bidding.security import views as security_pages
from bidding.submission import controllers as submission_api
from bidding.submission import receipt_page
from bidding.submission import views as submission_pages
from bidding.tendering import controllers as tendering_api
from bidding.tendering import views as tendering_pages
from bidding.workspace import views as workspace_pages
from trading.domain import Domain, NavItem

HERE = Path(__file__).parent


def _seed(session: Any) -> None:
    from bidding import demo, demo_evaluation

    keys = demo.seed_demo(session)
    demo_evaluation.seed_demo(session, keys)


# The crypto engineer's browser code (seal.js, share-open.js) is served from static/bidding/.
STATIC = create_static_files_router(path="/static/bidding",
                                    directories=[HERE / "static" / "bidding"],
                                    include_in_schema=False)
# Page glue for the crypto engineer's seal.js / share-open.js (served apart from their files).
PAGE_STATIC = create_static_files_router(path="/static/bidding-pages",
                                         directories=[HERE / "page_static"],
                                         include_in_schema=False)
# Each stage's JSON API and pages (tendering, sealing, submission, opening).
STAGES = (tendering_api, sealing_api, submission_api, opening_api,
          tendering_pages, sealing_pages, submission_pages, receipt_page, opening_pages,
          hall_pages,
          workspace_pages, evaluation_api, evaluation_method_pages, evaluation_pages,
          evaluation_report_pages, evaluation_report_api, evaluation_clarification_pages,
          evaluation_clarification_api, evaluation_adjustment_pages, evaluation_adjustment_api,
          award_pages, award_api, complaint_pages, complaint_api, security_api, security_pages,
          security_staff_pages, security_overview, security_releases)

domain = Domain(
    name="bidding",
    models_module="bidding.models",
    route_handlers=[*(route for stage in STAGES for route in stage.ROUTES), PAGE_STATIC, STATIC],
    template_dir=HERE / "templates",
    task_modules=("bidding.tasks",),
    nav=(
        NavItem("nav.tenders", "/bidding/tenders"),
        NavItem("nav.tender_new", "/bidding/tenders/new", frozenset({"staff", "tenderee"})),
        NavItem("nav.custody", "/custody", frozenset({"custodian"})),
        NavItem("nav.evaluation", "/bidding/evaluation",
                frozenset({"expert", "staff", "regulator"})),
        NavItem("nav.my_projects", "/bidding/my", frozenset({"bidder"})),
        NavItem("nav.security", "/bidding/security", frozenset({"staff"})),
        NavItem("nav.clarifications", "/bidding/evaluation/clarifications",
                frozenset({"bidder"})),
        NavItem("nav.complaints", "/bidding/complaints",
                frozenset({"bidder", "tenderee", "staff", "regulator"})),
        # Signed-in users only (an item without roles is shown to the public too).
        NavItem("nav.notifications", "/bidding/notifications",
                frozenset({"bidder", "tenderee", "staff", "custodian", "regulator"})),
    ),
    messages=MESSAGES,
    seed_demo=_seed,
    cli_commands=CLI_COMMANDS,  # ggzy bid …, ggzy custody … (the crypto engineer's CLI)
)
