#!/usr/bin/env bash
# Everything `make test` runs, in order; stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export SQLALCHEMY_SILENCE_UBER_WARNING=1 TF_CPP_MIN_LOG_LEVEL=2
RUN=".venv/bin/python scripts/runtime_env.py"
started=$(date +%s)

echo "== 1/4 data validation (rasa data validate --fail-on-warnings, lookup table in sync)"
.venv/bin/python scripts/generate_place_lookup.py --check
$RUN rasa data validate --domain domain --fail-on-warnings

echo "== 2/4 pytest (data layer, actions, channels, bad input and storage on real servers, browser)"
set +e
.venv/bin/python -m pytest
status=$?
set -e
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: that is a failure" >&2; exit 1; fi
[ "$status" -eq 0 ] || exit "$status"

echo "== 3/4 end-to-end test stories (rasa test core --fail-on-prediction-errors)"
# Predicts every bot action (and classifies every user line) from the story events;
# no action server is involved.
TRACKER_DB_FILE="$(mktemp -d)/e2e.db" $RUN rasa test core --model models/sto-assistent.tar.gz \
  --stories tests/stories --fail-on-prediction-errors --out results/e2e

echo "== 4/4 held-out NLU set (minimum intent accuracy 0.90)"
.venv/bin/python scripts/score_heldout.py --min-accuracy 0.90

echo "All test stages passed in $(( $(date +%s) - started )) s."
