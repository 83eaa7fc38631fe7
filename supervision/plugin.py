"""How the platform assembles the supervision domain."""

from __future__ import annotations

import threading
from pathlib import Path

from supervision import controllers, views
from supervision.cli import log as log_command
from supervision.messages import MESSAGES
from trading.domain import Domain, NavItem


def _install_recorder() -> None:
    from supervision import alerts, services
    from trading import audit

    audit.install_recorder(services.record)
    audit.install_alerts(alerts.watch_deadline, alerts.resolve_deadline)


def _run_sequencer(stop: threading.Event) -> None:
    from supervision import sequencer

    sequencer.run(stop)


def _seed_demo(session: object) -> None:
    from supervision import demo

    demo.seed(session)  # type: ignore[arg-type]


domain = Domain(
    name="supervision",
    models_module="supervision.models",
    route_handlers=[*controllers.ROUTES, *views.ROUTES],
    template_dir=Path(__file__).parent / "templates",
    task_modules=("supervision.tasks",),
    nav=(
        NavItem("nav.supervision", "/supervision", frozenset({"regulator"})),
        NavItem("nav.my_alerts", "/supervision/my-alerts",
                frozenset({"staff", "tenderee", "admin"})),
    ),
    messages=MESSAGES,
    on_load=_install_recorder,
    cli_commands=(log_command,),
    seed_demo=_seed_demo,
    dispatcher_loops=(_run_sequencer,),
)
