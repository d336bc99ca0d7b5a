#!/usr/bin/env bash
# Everything `make test` runs; stops at the first failure.
#   1. lint (ruff, format, mypy, derived files) and `rasa data validate`, side by side
#   2. pytest: unit, then integration (real servers, PostgreSQL, held-out NLU set, test
#      stories, independent sets), then browser (Chromium against the running stack)
#   3. the support console's own tests (console/, its own virtualenv)
set -euo pipefail
cd "$(dirname "$0")/.."
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
started=$(date +%s)
mkdir -p results

echo "== 1/3 lint + data validation (rasa data validate --fail-on-warnings)"
.venv/bin/python -m sto_assistent.env rasa data validate --domain domain --fail-on-warnings \
  > results/validate.log 2>&1 &
validate=$!
make --no-print-directory lint
make --no-print-directory audit
if ! wait "$validate"; then
  cat results/validate.log
  echo "rasa data validate failed (log above)" >&2
  exit 1
fi
echo "data validation passed"

echo "== 2/3 pytest (unit, integration, browser)"
set +e
.venv/bin/python -m pytest --durations=15
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
[ "$status" -eq 0 ] || exit "$status"

echo "== 3/3 support console (make console-test)"
make --no-print-directory console-test

echo "All test stages passed in $(( $(date +%s) - started )) s."
