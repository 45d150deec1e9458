# `make run` and `make test` each create .venv and install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Written by `npm ci`; newer than package-lock.json while node_modules is current.
NPM_STAMP := node_modules/.package-lock.json

.PHONY: run cluster redis test test-fast lint test-deps vendor stress bench mutation install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): setup.cfg pyproject.toml $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python app.py

# Cluster mode on this machine: redis-server, two Celery workers and one web process (docs/cluster.md).
# Ctrl-C stops and saves the running runs, cancels queued ones; logs stay in models/logs/cluster-<time>/.
cluster: $(STAMP) redis
	$(BIN)/python -m hrl_api.cluster.local --workers 2

# The full suite: the code's hygiene (lint), then every test but the long stress tests.
test: $(STAMP) test-deps lint
	$(BIN)/python -m pytest -m "not slow"

# While working: the units, without a server, a browser or a cluster (under 2 minutes; docs/testing.md, "Tiers").
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not server" -q

# ruff (lint and format), import-linter (the layers of docs/architecture.md) and mypy (strict on the public
# API and the supervisors' protocol); settings in pyproject.toml.
LINT_PATHS := app.py hrl_trainer hrl_api tests benchmarks examples scripts
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/lint-imports
	$(BIN)/mypy

# What the client, browser and cluster tests need beyond Python: Debian's Chromium and redis-server,
# and the npm packages (socket.io-client, newman). Installs only what is missing.
DEBIAN_PACKAGES := chromium redis-server
test-deps: $(NPM_STAMP)
	missing=""; for p in $(DEBIAN_PACKAGES); do command -v $$p >/dev/null || [ -x /usr/bin/$$p ] || missing="$$missing $$p"; done; \
	[ -z "$$missing" ] || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing)

# Debian's redis-server, run by `make cluster` on a free port (never as a system service).
redis:
	command -v redis-server >/dev/null || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NPM_STAMP)

# Refresh the dashboard's committed copies of socket.io-client and uPlot.
vendor: $(NPM_STAMP)
	bash scripts/vendor_frontend.sh

stress: $(STAMP)
	$(BIN)/python -m pytest -m slow

bench: $(STAMP)
	$(BIN)/python benchmarks/train_speed.py

# Mutation testing of learn/ppo.py, env/simulation.py and evaluation/ (scoring, paired) against their unit tests (mutmut, configured
# in setup.cfg [mutmut]); results under mutants/ (git-ignored), then the score per file. Long: about
# 1000 mutants; a second run only retests what changed.
mutation: $(STAMP)
	$(BIN)/mutmut run --max-children 2
	$(BIN)/python scripts/mutation_score.py

clean:
	rm -rf $(VENV) *.egg-info
