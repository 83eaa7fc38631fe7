"""UI text of this part of expert_pool: Chinese first, English second."""

from __future__ import annotations

MESSAGES: dict[str, dict[str, str]] = {}
