"""The deadline-spike load test (issue 17): ``python -m loadtests spike`` or ``make spike``."""
