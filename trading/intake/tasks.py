"""Timed work of the intake: the end of the 5-working-day limit of a decision on receipt (R-03)."""

from __future__ import annotations

from trading import jobs
from trading.intake import decisions

jobs.job_handler(decisions.RECEIPT_JOB)(decisions.on_receipt_limit)
