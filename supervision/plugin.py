"""How the platform assembles the supervision domain."""

from __future__ import annotations

from pathlib import Path

from trading.domain import Domain


def _install_recorder() -> None:
    from supervision import services
    from trading import audit

    audit.install_recorder(services.record)


domain = Domain(
    name="supervision",
    models_module="supervision.models",
    template_dir=Path(__file__).parent / "templates",
    on_load=_install_recorder,
)
