#!/usr/bin/env bash
# Create .venv with Python 3.10, install pinned requirements, build the blank Dutch spaCy
# pipeline and the web widget. Safe to run again; `make install` only calls it when an
# input changed.
set -euo pipefail
cd "$(dirname "$0")/.."

find_python310() {
  if command -v python3.10 >/dev/null 2>&1 && python3.10 -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
    command -v python3.10; return
  fi
  if command -v pyenv >/dev/null 2>&1; then
    local candidate
    candidate=$(ls -d "$(pyenv root)"/versions/3.10.*/bin/python3.10 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$candidate" ]; then echo "$candidate"; return; fi
  fi
  if command -v uv >/dev/null 2>&1; then
    uv python install 3.10 >/dev/null 2>&1 || true
    uv python find 3.10 2>/dev/null && return
  fi
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
  if ! PY310=$(find_python310); then
    echo "Rasa 3.6 needs Python 3.10, and none was found." >&2
    echo "Install it with one of: your package manager (python3.10 + python3.10-venv)," >&2
    echo "  pyenv install 3.10, or uv (https://docs.astral.sh/uv/) - then run 'make install' again." >&2
    exit 1
  fi
  echo "Creating .venv with $PY310"
  rm -rf .venv
  "$PY310" -m venv .venv
fi

.venv/bin/python -m pip install --quiet wheel
.venv/bin/python -m pip install --quiet -r requirements.txt -c requirements.lock
# The project's own packages (actions, channels, sto_assistent, sto_regions), editable.
.venv/bin/python -m pip install --quiet --no-deps --no-build-isolation -e .
TF_CPP_MIN_LOG_LEVEL=3 .venv/bin/python scripts/build_spacy_nl.py

if [ -f web/package.json ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm (Node.js 18+) is needed to build the chat widget; install Node.js and run 'make install' again." >&2
    exit 1
  fi
  npm ci --prefix web --no-audit --no-fund --loglevel=error
  npm run --prefix web --silent build
fi
echo "Install complete."
