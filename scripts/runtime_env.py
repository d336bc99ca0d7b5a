"""The environment every Rasa command runs with: .env plus safe defaults.

    python scripts/runtime_env.py rasa shell ...   # run a command with that environment

Defaults need no set-up: SQLite tracker store under var/, ports 5005/5055/8080.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Dict, Optional

from dotenv import dotenv_values

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULTS = {
    "RASA_PORT": "5005",
    "ACTIONS_PORT": "5055",
    "WEB_PORT": "8080",
    "TRACKER_DB_FILE": "var/conversations.db",
    "MAX_MESSAGE_CHARS": "1000",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONPATH": str(PROJECT_DIR),
}


def build_env(base: Optional[Dict[str, str]] = None) -> Dict[str, str]:
    """Process env wins over .env, .env over defaults; derived values filled in last."""
    env: Dict[str, str] = dict(DEFAULTS)
    env_file = PROJECT_DIR / ".env"
    if env_file.exists():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(base if base is not None else os.environ)
    if not env.get("TRACKER_STORE_URL"):
        db_file = Path(env["TRACKER_DB_FILE"])
        if not db_file.is_absolute():
            db_file = PROJECT_DIR / db_file
        db_file.parent.mkdir(parents=True, exist_ok=True)
        env["TRACKER_STORE_URL"] = f"sqlite:///{db_file}"
    if not env.get("ACTION_ENDPOINT_URL"):  # unset or empty in .env
        env["ACTION_ENDPOINT_URL"] = f"http://localhost:{env['ACTIONS_PORT']}/webhook"
    if PROJECT_DIR.as_posix() not in env.get("PYTHONPATH", "").split(os.pathsep):
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_DIR), env.get("PYTHONPATH")) if p)
    return env


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: runtime_env.py COMMAND [ARGS...]", file=sys.stderr)
        return 2
    os.chdir(PROJECT_DIR)
    env = build_env()
    command = sys.argv[1]
    venv_bin = PROJECT_DIR / ".venv" / "bin" / command
    os.execvpe(str(venv_bin) if venv_bin.exists() else command, sys.argv[1:], env)


if __name__ == "__main__":
    sys.exit(main())
