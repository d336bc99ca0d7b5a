#!/usr/bin/env bash
# Install the support console: its own Python 3.12 venv, pinned packages, pinned npm files,
# static files, database migrations. Run from anywhere; `make console-install` calls it.
set -euo pipefail
CONSOLE_DIR="$(cd "$(dirname "$0")/.." && pwd)"
cd "$CONSOLE_DIR"

is_python312() {
  "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' >/dev/null 2>&1
}

find_python() {
  if [[ -n "${CONSOLE_PYTHON:-}" ]]; then echo "$CONSOLE_PYTHON"; return; fi
  local candidates=()
  # A pyenv shim answers `command -v` even when 3.12 is not the selected version: try each.
  if command -v python3.12 >/dev/null 2>&1; then candidates+=("$(command -v python3.12)"); fi
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=($(ls -d "$(pyenv root)"/versions/3.12.*/bin/python3.12 2>/dev/null | sort -rV || true))
  fi
  candidates+=("$HOME"/.pyenv/versions/3.12.*/bin/python3.12)
  for candidate in "${candidates[@]}"; do
    if [[ -x "$candidate" ]] && is_python312 "$candidate"; then echo "$candidate"; return; fi
  done
  if command -v uv >/dev/null 2>&1; then uv python find 3.12 2>/dev/null && return; fi
  echo "Python 3.12 not found: install it (pyenv install 3.12) or set CONSOLE_PYTHON" >&2
  exit 1
}

if [[ ! -x .venv/bin/python ]] || ! .venv/bin/python -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))'; then
  rm -rf .venv
  "$(find_python)" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r requirements.txt
npm ci --no-audit --no-fund --loglevel=error
.venv/bin/python manage.py collectstatic --noinput --clear -v0
echo "console installed (Python $(.venv/bin/python -c 'import platform; print(platform.python_version())'))"
