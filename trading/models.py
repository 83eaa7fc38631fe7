"""Imports every core model module so that ``Base.metadata`` is complete."""

from trading import calendar as calendar_models
from trading import calendar_years as calendar_years_models
from trading import clock as clock_models
from trading import denials as denials_models
from trading import job_recovery as job_recovery_models
from trading import jobs as jobs_models
from trading.accounts import models as accounts_models
from trading.intake import completion_models as intake_completion_models
from trading.intake import models as intake_models

__all__ = ["accounts_models", "calendar_models", "calendar_years_models", "clock_models",
           "denials_models", "intake_completion_models", "intake_models", "job_recovery_models",
           "jobs_models"]
