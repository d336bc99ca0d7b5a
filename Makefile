# Developer verbs of the STO-assistent. `make run` and `make test` are all a newcomer needs;
# `make help` lists every verb.
SHELL := /bin/bash
PY := .venv/bin/python
ENV := $(PY) -m sto_assistent.env
# Also in sto_assistent/settings.py (MODEL_PATH); a unit test keeps the two equal.
MODEL := models/sto-assistent.tar.gz
TRAINING_INPUTS := config.yml $(shell find domain data -name '*.yml' 2>/dev/null) knowledge/regions.yml $(wildcard nlu_components/*.py)
WEB_INPUTS := $(wildcard web/package.json web/package-lock.json web/build.mjs web/src/*.js web/src/*.css)
PY_SOURCES := actions channels nlu_components sto_assistent sto_regions scripts tests web/serve.py console

.PHONY: help install run run-prod shell train lookup validate test test-fast crossval compare bench bench-load lint format clean

help: ## list the verbs
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/^([a-z-]+):.*## (.*)/  make \1\t\2/' | expand -t 24

install: .stamps/install ## create .venv (Python 3.10), install everything, build spaCy nl + widget
.stamps/install: requirements.txt requirements.lock pyproject.toml scripts/install.sh $(WEB_INPUTS)
	bash scripts/install.sh
	@mkdir -p .stamps && touch $@

run: install console-install $(MODEL) ## start everything: actions :5055, Rasa :5005, web page :8080, console :8090
	$(PY) -m sto_assistent.run

run-prod: install console-install $(MODEL) ## production-like: nginx :8000, RASA_INSTANCES=2 Rasa, PostgreSQL, Redis
	$(PY) -m sto_assistent.run_prod

shell: install $(MODEL) ## talk to the assistant in this terminal (rasa shell)
	$(PY) -m sto_assistent.run --shell

train: install $(MODEL) ## train the model when its inputs changed
$(MODEL): $(TRAINING_INPUTS) | .stamps/install
	$(PY) -m sto_assistent.derived
	$(ENV) rasa train --domain domain --fixed-model-name sto-assistent --out models

lookup: install ## regenerate the files derived from knowledge/regions.yml and the domain
	$(PY) -m sto_assistent.derived

validate: install ## rasa data validate + derived files in sync
	$(PY) -m sto_assistent.derived --check
	$(ENV) rasa data validate --domain domain --fail-on-warnings

test: install console-install $(MODEL) ## everything: lint, data validation, unit, integration, browser, console
	bash scripts/run_tests.sh

test-fast: install ## the inner loop: unit tests only (no servers, no model), under 30 s
	$(PY) -m pytest -m unit -q -p no:cacheprovider

crossval: install ## 5-fold cross-validation of the NLU data (about 12 min)
	$(ENV) rasa test nlu --config config.yml --nlu data/nlu --cross-validation --folds 5 --successes --out results/crossval
	$(PY) scripts/fallback_thresholds.py results/crossval

compare: install ## train and score config.yml and config/alternatives/*.yml on the dev and held-out sets (slow)
	$(PY) scripts/compare_configs.py $(CONFIGS)

bench: install $(MODEL) ## training time, model size, cold start, latency, memory; then bench-load
	$(PY) scripts/bench.py
	$(PY) scripts/load_bench.py

bench-load: install console-install $(MODEL) ## 50 conversations x 20 turns through nginx at 1 and 2 Rasa instances
	$(PY) scripts/load_bench.py

lint: install ## ruff, ruff format --check, mypy, derived files in sync
	$(PY) -m ruff check $(PY_SOURCES)
	$(PY) -m ruff format --check $(PY_SOURCES)
	$(PY) -m mypy
	$(PY) -m sto_assistent.derived --check

format: install ## apply ruff's fixes and formatting
	$(PY) -m ruff check --fix $(PY_SOURCES)
	$(PY) -m ruff format $(PY_SOURCES)

# Offline: both venvs against security/advisories.json + security/mitigations.yml (README, "Dependency audit").
.PHONY: audit audit-refresh
audit: install ## dependency audit of .venv and console/.venv against the vendored advisories (offline)
	$(PY) -m sto_assistent.audit

audit-refresh: install ## refresh security/advisories.json from PyPI (needs the network; else by hand, README)
	$(PY) -m sto_assistent.audit_refresh

clean: ## remove models, results, build output and local databases
	rm -rf models results .stamps build var/*.db var/nginx .rasa

# ---- support console (console/README.md): its own venv, run from the repository root
CONSOLE_PY := console/.venv/bin/python
CONSOLE_MANAGE := $(CONSOLE_PY) console/manage.py
CONSOLE_INPUTS := console/requirements.txt console/package.json console/package-lock.json \
	console/tools/install.sh $(wildcard console/static/console/*)

.PHONY: console-install console-migrate console-user console-run console-test demo-data bench-console

console-install: console/.stamps/install console-migrate ## console: own venv (Python 3.12), packages, static files, migrations
console/.stamps/install: $(CONSOLE_INPUTS)
	bash console/tools/install.sh
	@mkdir -p console/.stamps && touch $@

console-migrate: console/.stamps/install
	@$(CONSOLE_MANAGE) migrate --noinput -v0

# CONSOLE_PASSWORD=... make console-user NAME=anna ROLE=reviewer   (or ROLE=beheerder)
console-user: console-install ## console account: CONSOLE_PASSWORD=... make console-user NAME=anna ROLE=reviewer|beheerder
	@test -n "$(NAME)" || { echo "usage: make console-user NAME=anna ROLE=reviewer|beheerder"; exit 2; }
	@$(CONSOLE_MANAGE) console_user "$(NAME)" "$(or $(ROLE),reviewer)"

# Production server (waitress) + ingest on CONSOLE_PORT (8090); health: GET /login/ -> 200
console-run: console-install ## the support console alone on :8090 (production server + ingest)
	$(CONSOLE_MANAGE) serve

# Every console test: all of them on SQLite (incl. Chromium and the real assistant), then the
# database tests again on PostgreSQL (127.0.0.1:5432; CONSOLE_TEST_POSTGRES_URL to change).
console-test: console-install ## every console test (SQLite incl. browser, then PostgreSQL)
	cd console && .venv/bin/python -m pytest -q
	cd console && CONSOLE_TEST_DB=postgres .venv/bin/python -m pytest -q -m "not browser and not rasa and not cli"

# A few hundred varied conversations through the running assistant (make run first).
demo-data: console-install ## a few hundred varied conversations through the running assistant
	$(CONSOLE_PY) console/tools/demo_data.py

# 100,000 conversations / 1,000,000 events in PostgreSQL; p50/p95 of list, filter, search.
bench-console: console-install ## console at 100k conversations / 1M events in PostgreSQL: p50/p95
	$(CONSOLE_PY) console/tools/bench_console.py
