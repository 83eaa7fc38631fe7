# ggzy — two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
PG_TEST_BROKER ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=

.PHONY: install install-run run test lint test-sqlite test-postgres benchmarks bench-draw spike spike-two-nodes bench clean

# Two stamps: `make run` installs only what running the platform needs; `make test` (and
# `make install`, for developers) adds the test runners, checkers and browser driver ([test]).
$(RUN_STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(RUN_STAMP)

$(TEST_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(TEST_STAMP)

install-run: $(RUN_STAMP)

install: $(TEST_STAMP)

## Set up what running needs and run the platform on the embedded default (SQLite + embedded broker).
run: install-run
	$(BIN)/ggzy run

## The whole suite: static checks, then every test on SQLite, then on PostgreSQL + Redis.
test: install lint test-sqlite test-postgres

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy trading bidding expert_pool disclosure supervision loadtests
	$(BIN)/lint-imports
	rm -rf var/lint && GGZY_VAR_DIR=var/lint $(BIN)/alembic upgrade heads >/dev/null \
		&& GGZY_VAR_DIR=var/lint $(BIN)/alembic check

test-sqlite: install
	GGZY_TEST_DATABASE=sqlite $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The browser tests (marker e2e) run in the SQLite pass only: they read pages, which say the same
# on either database, and the PostgreSQL pass covers the flows behind them through the API
# and pages in process. So do the tests that never touch the test database (the unit tests,
# `ggzy run`'s banner): --database-tests-only. This keeps CI within its 30 minutes on 2 cores.
test-postgres: install
	@$(BIN)/python scripts/services.py; status=$$?; \
	if [ $$status -eq 0 ]; then \
		GGZY_TEST_DATABASE=postgresql GGZY_TEST_BROKER=$(PG_TEST_BROKER) $(BIN)/pytest -n 2 -m 'not e2e' --database-tests-only $(PYTEST_ARGS); \
	elif [ $$status -eq 1 ]; then echo "PostgreSQL/Redis pass skipped (not under CI)"; \
	else exit 1; fi

benchmarks: install
	$(BIN)/python -m loadtests $(BENCH)

## A committee draw over 100,000 experts and 50 bidders (PostgreSQL on 127.0.0.1:5432).
bench-draw: install
	$(BIN)/python -m loadtests expert_draw
	BENCH_DRAW_SPECIALTIES=316 $(BIN)/python -m loadtests expert_draw

## The deadline spike (issue 17): starts web (2 workers), a worker and the dispatcher on its own
## PostgreSQL database (ggzy_spike) and Redis database (13), runs locust, checks the database;
## ends with PASS or FAIL. Reports in var/spike/. E.g. SPIKE_ARGS="--bidders 500 --lead 240".
spike: install
	$(BIN)/python -m loadtests spike $(SPIKE_ARGS)

## The same spike against two platform nodes (web, worker and dispatcher each), each in a network
## namespace of its own (needs root: ip netns), on the one PostgreSQL and Redis. PASS or FAIL.
spike-two-nodes: install
	$(BIN)/python -m loadtests spike --nodes 2 $(SPIKE_ARGS)

## The platform beside a bare streaming sink, as ratios: 64 KB receipts/s, large-bid MB/s,
## opening vs plain AES-GCM (PostgreSQL + Redis). E.g. BENCH_ARGS="--seconds 20".
bench: install
	$(BIN)/python -m loadtests ratios $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
