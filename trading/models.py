"""Imports every core model module so that ``Base.metadata`` is complete."""

from trading.accounts import models as accounts_models

__all__ = ["accounts_models"]
