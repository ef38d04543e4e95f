# The commands the README names. Each sets up what it needs on a fresh machine.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv demo test test-image test-browser test-long test-spark lint bench sandbox up down system-deps clean

venv: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt include/pyproject.toml sandbox/pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# PostgreSQL server binaries for the tests' throwaway cluster, and Chromium for the browser tests (Playwright
# drives Debian's binary; it never downloads a browser). Debian's packages; we run as root here.
system-deps:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing PostgreSQL server binaries (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@test -x /usr/bin/chromium || { \
		echo "installing Chromium (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

lint: venv
	$(BIN)/ruff check .

# Two workers, one per core: every test keeps to its own ports, folders, databases and Airflow home. Work
# stealing: a worker left idle takes tests queued on the other, so one long test does not stretch the run.
test: venv lint system-deps
	$(BIN)/python -m pytest -q -n 2 --dist worksteal

# The long runs, kept out of `make test` for its time budget (~10 min): `make demo` and `make up` end to end
# as a user runs them (demo console, the stack's ports, its DAG runs, SIGTERM stopping every child) and the
# catalog's 3,000-SKU publishes under 5 % and 20 % mixed faults. Run it whenever the demo, the devstack, a DAG
# or the catalog's write path changes.
test-long: venv system-deps
	$(BIN)/python -m pytest -q -n 2 -m long tests/integration

# The production image's Python environment built exactly as the Dockerfile builds it (fresh venv, a full
# Airflow install: ~10 min) and airflow-init's commands run against a throwaway PostgreSQL. Kept out of
# `make test` for its length; run it whenever the Dockerfile, requirements.txt or the compose file change.
test-image: venv system-deps
	$(BIN)/python -m pytest -q -m production_image tests/integration/test_production_image_env.py

# Finance's trigger form in headless Chromium against `airflow standalone` (5–8 min); it also refreshes the README's
# screenshots in docs/images/. Kept out of `make test` for its length.
test-browser: venv system-deps
	$(BIN)/python -m pytest -q -m browser tests/e2e

# The dedupe model on splink's Spark backend (Spark local mode): pyspark into the venv and a Java runtime
# from apt when the machine has none. Kept out of `make test`: Spark's start and stages take minutes.
test-spark: venv system-deps
	@command -v java >/dev/null || { \
		echo "installing a Java runtime (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >/dev/null; }
	$(BIN)/pip install --quiet -r requirements-spark.txt
	$(BIN)/python -m pytest -q -m spark tests/integration/test_dedupe_spark.py

bench: venv
	$(BIN)/python -m bench.run_all

# The catalog job end to end on an embedded Airflow (SQLite) against the sandboxes and a mail sink;
# a short table per run on the console, Airflow's and GX's logs in .demo/demo.log.
demo: venv
	$(BIN)/python -m retail_sync_sandbox.demo

# Airflow (UI and API on AIRFLOW__API__PORT, default 8080) with the Odoo sandbox (ODOO_SANDBOX_PORT, 8069) and
# a mail sink (MAIL_SINK_PORT, 8025); state, logs and pid file in .devstack/. `make down` stops it all.
up: venv
	$(BIN)/python -m retail_sync_sandbox.devstack up

down:
	$(BIN)/python -m retail_sync_sandbox.devstack down

# Only the Odoo sandbox on :8069 (version 17, in-memory, demo seed); credentials from the environment.
sandbox: venv
	$(BIN)/python -m retail_sync_sandbox odoo --port 8069 --version $${ODOO_VERSION:-17} --seed demo

clean:
	rm -rf $(VENV) .airflow .demo .bench .pytest_cache .ruff_cache
