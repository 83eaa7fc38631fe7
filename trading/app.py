"""Assembles the platform: the core plus every domain's plugin."""

from __future__ import annotations

from functools import cache

from bidding.plugin import domain as bidding_domain
from disclosure.plugin import domain as disclosure_domain
from expert_pool.plugin import domain as expert_pool_domain
from supervision.plugin import domain as supervision_domain
from trading.domain import Domain

DOMAINS: tuple[Domain, ...] = (
    supervision_domain,
    bidding_domain,
    expert_pool_domain,
    disclosure_domain,
)


@cache
def load_domains() -> tuple[Domain, ...]:
    """Import every domain's models and run its start-up hook (once per process)."""
    import importlib

    importlib.import_module("trading.models")
    for domain in DOMAINS:
        if domain.models_module:
            importlib.import_module(domain.models_module)
        if domain.on_load:
            domain.on_load()
    return DOMAINS
