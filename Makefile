# infra_core: `make run` serves the example project, `make test` runs every test.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-stamp
SERVICES = $(BIN)/python tests/services.py --

.PHONY: install browser-deps ops-deps bench-deps run test test-reliability test-fast lint typecheck bench clean

$(STAMP): pyproject.toml requirements/test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements/test.txt -e '.[all,drf]'
	touch $(STAMP)

install: $(STAMP)

# Browser tests drive Debian's chromium. Installed by the test target only, so `make run` needs
# nothing but Python; without root or apt-get the browser tests skip with a message instead.
browser-deps:
	@command -v chromium >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
	    || apt-get install -y -q chromium || (apt-get update -q && apt-get install -y -q chromium) \
	    || echo "chromium could not be installed: the browser tests will be skipped"

# promtool (Debian package prometheus) checks and unit-tests the shipped alerting rules. Installed
# without recommends (no node exporter); the package's service is not started where policy-rc.d
# forbids it (containers). Without root or apt-get the promtool tests skip with a message instead.
ops-deps:
	@command -v promtool >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
	    || apt-get install -y -q --no-install-recommends prometheus \
	    || (apt-get update -q && apt-get install -y -q --no-install-recommends prometheus) \
	    || echo "prometheus could not be installed: the promtool tests will be skipped"

# wrk (Debian package) drives the HTTP part of bench/bench_stack.py and the reliability suite's load.
# Installed by the bench and test targets; without root or apt-get those parts are skipped with a message.
bench-deps:
	@command -v wrk >/dev/null || [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null \
	    || apt-get install -y -q wrk || (apt-get update -q && apt-get install -y -q wrk) \
	    || echo "wrk could not be installed: the HTTP part of bench_stack.py will be skipped"

# Migrates SQLite, creates the demo admin (once) and demo data, then serves example_project and a
# Celery worker on kombu's filesystem broker until Ctrl-C (example_project/run.py). PORT=8001 to move;
# REDIS_URL / DATABASE_URL to use real services.
PORT ?= 8000
run: install
	$(BIN)/python -m example_project.run --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy infra_core

# SQLite pass: everything that needs no subprocess; PostgreSQL pass: everything else; then the
# reliability suite.
test: install browser-deps ops-deps bench-deps lint typecheck
	$(SERVICES) INFRA_TEST_DB=sqlite $(BIN)/pytest -m "not integration and not reliability" \
	    --- INFRA_TEST_DB=postgres $(BIN)/pytest -m "not reliability" \
	    --- INFRA_TEST_DB=postgres $(BIN)/pytest -m reliability

# The reliability suite (docs/reliability.md): the full stack under bounded wrk load with faults
# injected into throwaway Redis/PostgreSQL/broker/worker instances, Redis Cluster and Sentinel on
# loopback ports. Bounded in time; prints a summary of the figures. `make test` runs it last.
test-reliability: install bench-deps
	$(SERVICES) INFRA_TEST_DB=postgres $(BIN)/pytest -m reliability

test-fast: install
	$(SERVICES) INFRA_TEST_DB=sqlite $(BIN)/pytest -m "not integration" -x -q

bench: install bench-deps
	$(BIN)/python -m pip install -q -r requirements/bench.txt
	$(SERVICES) $(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache
