"""Every path, port and default of the project, in one place.

`build_env()` is the environment every service runs with: the process environment wins over
`.env`, `.env` over the defaults below; derived values (tracker store URL, action endpoint)
are filled in last. Defaults need no set-up: SQLite under var/, ports 5005/5055/8080/8090.
`PROD_DEFAULTS` are what the production-like stack (`make run-prod`) uses instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from dotenv import dotenv_values

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
MODEL_PATH = PROJECT_DIR / "models" / "sto-assistent.tar.gz"
DOMAIN_DIR = PROJECT_DIR / "domain"
NLU_DIR = PROJECT_DIR / "data" / "nlu"
REGIONS_FILE = PROJECT_DIR / "knowledge" / "regions.yml"
SPACY_MODEL_DIR = PROJECT_DIR / "build" / "spacy_nl_blank"
# Evaluation sets, never used for training (README, "Measuring it honestly").
HELDOUT_DIR = PROJECT_DIR / "tests" / "nlu_heldout"
DEV_SET_FILE = PROJECT_DIR / "tests" / "dev" / "single_turns.yml"
INDEPENDENT_DIR = PROJECT_DIR / "tests" / "independent"
INDEPENDENT_SINGLE_TURNS_FILE = INDEPENDENT_DIR / "single_turns.yml"
# The production-like stack (`make run-prod`): templates and files for containers in deploy/.
DEPLOY_DIR = PROJECT_DIR / "deploy"
NGINX_TEMPLATE = DEPLOY_DIR / "nginx.conf.template"
COMPOSE_FILE = DEPLOY_DIR / "compose.yml"
# The dependency audit (`make audit`): the vendored advisory snapshot and the accepted mitigations.
ADVISORIES_FILE = PROJECT_DIR / "security" / "advisories.json"
MITIGATIONS_FILE = PROJECT_DIR / "security" / "mitigations.yml"

DEFAULTS: dict[str, str] = {
    "RASA_PORT": "5005",
    "ACTIONS_PORT": "5055",
    "WEB_PORT": "8080",
    "WEB_HOST": "127.0.0.1",
    "CONSOLE_PORT": "8090",
    "ACTIONS_HOST": "127.0.0.1",
    # Shared secret Rasa sends to the action server (header ACTION_SERVER_TOKEN_HEADER). Empty
    # (`make run`): none is asked for; the action server listens on ACTIONS_HOST only.
    "ACTION_SERVER_TOKEN": "",
    "ACTION_SERVER_TOKEN_FILE": "var/action-server-token",
    # Lock store of endpoints.yml: one Rasa process keeps its locks in memory.
    "LOCK_STORE_TYPE": "in_memory",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    # `make run-prod`: nginx's port (the only one open beyond localhost), Rasa instances
    # on consecutive ports from RASA_PORT.
    "PROD_PORT": "8000",
    "RASA_INSTANCES": "2",
    "NGINX_RUN_DIR": "var/nginx",  # its rendered config, pid, temp files and logs
    # The console's path below its host ("" at its own port, /console behind nginx).
    "CONSOLE_URL_PREFIX": "",
    "TRACKER_DB_FILE": "var/conversations.db",
    # Failure budget of one turn (README, "When a dependency fails"): each action-server call
    # and each database call gets its timeout; a dependency that failed is skipped for
    # DEPENDENCY_RETRY_SECONDS, then probed again. The worst turn (load, an action, save)
    # stays far inside the conversation lock's lifetime (Rasa's TICKET_LOCK_LIFETIME).
    "TURN_BUDGET_SECONDS": "4.5",  # a user's reply comes within this, whatever is slow
    "ACTION_TIMEOUT_SECONDS": "3",
    "DB_TIMEOUT_SECONDS": "1.5",
    "DEPENDENCY_RETRY_SECONDS": "10",
    "TICKET_LOCK_LIFETIME": "15",
    "REGIONS_FILE": "knowledge/regions.yml",
    "REGIONS_REFRESH_SECONDS": "300",
    "MAX_MESSAGE_CHARS": "1000",
    "MAX_MESSAGES_PER_MINUTE": "30",  # per conversation, per Rasa process
    # The largest request body the Rasa server accepts (Sanic's default is 100 MB; nginx caps
    # at 16 KB in the production stack). Not the action server's: Rasa sends it whole trackers.
    "RASA_REQUEST_MAX_BYTES": "65536",
    # read by the console (retention job) and stated on the widget's privacy page
    "RETENTION_DAYS": "90",
    "CONTACT_RETENTION_DAYS": "180",  # contact requests, counted from when they were made
    "AUDIT_RETENTION_DAYS": "730",
    "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
ACTION_SERVER_TOKEN_HEADER = "X-Action-Server-Token"

# What `make run-prod` changes: PostgreSQL (its own database, created when missing), the
# Redis lock store, the console under /console behind nginx (which it trusts for the
# client's address). The environment and .env still win.
PROD_DEFAULTS: dict[str, str] = {
    "TRACKER_STORE_URL": "postgresql://postgres@127.0.0.1:5432/sto_assistent",
    "LOCK_STORE_TYPE": "sto_assistent.lock_store.AtomicRedisLockStore",
    "CONSOLE_URL_PREFIX": "/console",
    "CONSOLE_TRUSTED_PROXY": "127.0.0.1",
}


def project_path(value: str) -> Path:
    """A configured path: absolute as given, relative to the project directory otherwise."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def setting(name: str, env: Mapping[str, str] | None = None) -> str:
    """One value as the services see it: the environment, else the default ('' if none)."""
    source = os.environ if env is None else env
    return (source.get(name) or "").strip() or DEFAULTS.get(name, "")


def regions_file(env: Mapping[str, str] | None = None) -> Path:
    return project_path(setting("REGIONS_FILE", env))


def merged_env(
    base: Mapping[str, str] | None = None, project_dir: Path = PROJECT_DIR, defaults: Mapping[str, str] = DEFAULTS
) -> dict[str, str]:
    """Process env wins over .env, .env over defaults; an empty value keeps the default."""
    env: dict[str, str] = dict(defaults)
    sources: list[Mapping[str, str | None]] = []
    env_file = project_dir / ".env"
    if env_file.exists():
        sources.append(dotenv_values(env_file))
    sources.append(os.environ if base is None else base)
    for source in sources:
        env.update({k: v for k, v in source.items() if v is not None and (v.strip() or k not in defaults)})
    return env


def build_env(
    base: Mapping[str, str] | None = None, project_dir: Path = PROJECT_DIR, defaults: Mapping[str, str] = DEFAULTS
) -> dict[str, str]:
    """The merged environment (see merged_env) with the derived values filled in."""
    return derive_env(merged_env(base, project_dir, defaults), project_dir)


def derive_env(env: dict[str, str], project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """Fill in what follows from other values (tracker store URL, action endpoint, privacy page)."""
    if not env.get("TRACKER_STORE_URL"):
        db_file = Path(env["TRACKER_DB_FILE"])
        if not db_file.is_absolute():
            db_file = project_dir / db_file
        db_file.parent.mkdir(parents=True, exist_ok=True)
        env["TRACKER_STORE_URL"] = f"sqlite:///{db_file}"
    if not env.get("PRIVACY_PAGE_URL"):  # the widget's privacy page, linked from the contact request
        env["PRIVACY_PAGE_URL"] = f"http://localhost:{env['WEB_PORT']}/privacy.html"
    if not env.get("ACTION_ENDPOINT_URL"):  # unset or empty in .env
        env["ACTION_ENDPOINT_URL"] = f"http://localhost:{env['ACTIONS_PORT']}/webhook"
    return env
