# Support console (console/README.md). Included from the top Makefile; run from the repo root.
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
