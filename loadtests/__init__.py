"""Load tests (locust) and benchmarks; see ``python -m loadtests --help``."""
