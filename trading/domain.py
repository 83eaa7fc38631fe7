"""What a domain package hands to the platform when it is assembled.

Each domain's ``plugin.py`` exposes one ``Domain``; ``trading.app`` collects them. The core
itself never imports a domain: it only receives these descriptions.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class NavItem:
    """A link in the navigation bar, shown to users holding one of ``roles`` (empty: all)."""

    label_key: str
    path: str
    roles: frozenset[str] = frozenset()


@dataclass(frozen=True)
class HomePanel:
    """A section a domain adds to the public home page (``/``, owned by the core).

    The core renders ``template`` (included in ``trading/index.html``, where the panel's
    values are ``ctx``) with ``context(session)`` computed in a read-only transaction, and links
    ``stylesheets`` in the page head. So the home page can show, say, the latest notices
    without the core importing the domain that has them.
    """

    template: str
    context: Callable[[Any], Mapping[str, Any]]
    stylesheets: Sequence[str] = ()


@dataclass(frozen=True)
class Domain:
    name: str
    models_module: str | None = None
    route_handlers: Sequence[Any] = ()
    template_dir: Path | None = None
    task_modules: Sequence[str] = ()
    nav: Sequence[NavItem] = ()
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    on_load: Callable[[], None] | None = None
    # Added to the ``ggzy`` command group (e.g. ``ggzy bid seal``, ``ggzy log verify``).
    cli_commands: Sequence[Any] = ()
    # Called by the demo seed inside its transaction, after the core's users exist.
    seed_demo: Callable[[Any], None] | None = None
    # ASGI middleware run before the core's own (CSRF, authentication): for answers that need
    # none of them, such as cached public pages.
    middleware: Sequence[Any] = ()
    # Sections of the public home page, in the order of the domains (see ``HomePanel``).
    home_panels: Sequence[HomePanel] = ()
    # Loops the single dispatcher process runs beside its own, each in a thread until the
    # event is set (e.g. the log's sequencer, which bounds how long a promised entry waits).
    dispatcher_loops: Sequence[Callable[[threading.Event], None]] = ()
