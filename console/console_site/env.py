"""Where the console finds its configuration: the process environment over the project's .env.

Mirrors sto_assistent/settings.py of the assistant (which the console cannot import: it runs in
its own virtualenv), so the console and Rasa always agree on the tracker store.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from dotenv import dotenv_values

CONSOLE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = CONSOLE_DIR.parent
# Rasa's FallbackClassifier threshold when config.yml names none.
FALLBACK_DEFAULT_THRESHOLD = 0.3
DEFAULT_TRACKER_DB_FILE = "var/conversations.db"
DEFAULT_CONSOLE_DB_FILE = "var/console.db"


def load_env() -> dict[str, str]:
    """Process environment wins over .env (as in the assistant's settings.build_env)."""
    env: dict[str, str] = {}
    env_file = PROJECT_DIR / ".env"
    if env_file.exists():
        env.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
    env.update(os.environ)
    return env


def project_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else PROJECT_DIR / path


def flag(value: str | None, default: bool = False) -> bool:
    """An on/off setting: 1/true/yes/on or 0/false/no/off (any case); empty or unset: `default`."""
    text = (value or "").strip().lower()
    if not text:
        return default
    if text in ("1", "true", "yes", "on", "ja"):
        return True
    if text in ("0", "false", "no", "off", "nee"):
        return False
    raise ValueError(f"not an on/off value: {value!r}")


def confidence_threshold(env: dict[str, str], config_file: Path | None = None) -> float:
    """Below this top-intent confidence a message counts as "low confidence":
    CONSOLE_CONFIDENCE_THRESHOLD, else the assistant's own fallback threshold (the
    FallbackClassifier's in config.yml), so the console and the assistant agree on "unsure"."""
    if given := env.get("CONSOLE_CONFIDENCE_THRESHOLD", "").strip():
        return _share(given, "CONSOLE_CONFIDENCE_THRESHOLD")
    path = config_file or PROJECT_DIR / "config.yml"
    try:
        config = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"{path}: cannot be read ({error}); set CONSOLE_CONFIDENCE_THRESHOLD") from error
    pipeline = (config.get("pipeline") if isinstance(config, dict) else None) or []
    for component in pipeline:
        if isinstance(component, dict) and str(component.get("name", "")).endswith("FallbackClassifier"):
            threshold = component.get("threshold")
            return FALLBACK_DEFAULT_THRESHOLD if threshold is None else _share(threshold, f"{path}: threshold")
    raise ValueError(f"{path}: no FallbackClassifier; set CONSOLE_CONFIDENCE_THRESHOLD")


def _share(value: object, what: str) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = float("nan")
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{what} must be a number from 0 to 1, not {value!r}")
    return number


def tracker_store_url(env: dict[str, str]) -> str:
    if env.get("TRACKER_STORE_URL"):
        return env["TRACKER_STORE_URL"]
    db_file = project_path(env.get("TRACKER_DB_FILE") or DEFAULT_TRACKER_DB_FILE)
    return f"sqlite:///{db_file}"


def is_sqlite(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0] == "sqlite"


def sqlite_path(url: str) -> Path:
    """`sqlite:////abs/file.db` -> /abs/file.db; `sqlite:///rel.db` -> project-relative."""
    rest = url.split(":///", 1)[1] if ":///" in url else ""
    if not rest:
        raise ValueError(f"not a file-based SQLite URL: {url!r}")
    return project_path(rest.split("?", 1)[0])


def postgres_params(url: str) -> dict[str, str]:
    """An SQLAlchemy-style PostgreSQL URL as Django/psycopg connection parameters.

    Query parameters (e.g. `?sslmode=require`) are libpq options; see postgres_options()."""
    parts = urlsplit(url)
    scheme = parts.scheme.split("+", 1)[0]
    if scheme not in ("postgresql", "postgres"):
        raise ValueError(f"unsupported tracker store URL scheme {parts.scheme!r}")
    return {
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
    }


def postgres_options(url: str) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(url).query))


def database_settings(env: dict[str, str]) -> dict:
    """The console's own database: the tracker's PostgreSQL database, or a SQLite sibling file.

    CONSOLE_DATABASE_URL overrides this (tests and the benchmark use it).
    """
    url = env.get("CONSOLE_DATABASE_URL") or tracker_store_url(env)
    if is_sqlite(url):
        if env.get("CONSOLE_DATABASE_URL"):
            path = sqlite_path(url)
        else:
            path = project_path(env.get("CONSOLE_DB_FILE") or DEFAULT_CONSOLE_DB_FILE)
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                # The ingest thread and request threads write; WAL lets readers go on meanwhile.
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    return {
        "ENGINE": "django.db.backends.postgresql",
        **postgres_params(url),
        "CONN_MAX_AGE": 60,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {"application_name": "sto-console", **postgres_options(url)},
    }


def secret_key(env: dict[str, str]) -> str:
    if env.get("CONSOLE_SECRET_KEY"):
        return env["CONSOLE_SECRET_KEY"]
    key_file = project_path(env.get("CONSOLE_SECRET_KEY_FILE") or "var/console-secret-key")
    if key_file.exists():
        key = key_file.read_text().strip()
        if key:
            return key
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    # Created readable by the owner only.
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
