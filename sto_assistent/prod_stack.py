"""The production-like stack (`make run-prod`): its environment, its services, its preparation.

One definition, read by `sto_assistent.run_prod` (which starts it), by the tests (which start
it and keep deploy/compose.yml in sync with it) and by nobody else:

| service    | listens on                          | notes |
|------------|-------------------------------------|-------|
| nginx      | 0.0.0.0:PROD_PORT (8000)            | the only port open beyond localhost |
| rasa-1..N  | 127.0.0.1:RASA_PORT, RASA_PORT+1, … | RASA_INSTANCES (2), PostgreSQL + Redis lock store |
| actions    | 127.0.0.1:ACTIONS_PORT              | asks for ACTION_SERVER_TOKEN |
| web        | 127.0.0.1:WEB_PORT                  | the page with the widget |
| console    | 127.0.0.1:CONSOLE_PORT under /console | one process: ingest, retention, contact delivery |
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from sto_assistent import services
from sto_assistent.nginx_conf import NginxSite
from sto_assistent.services import ServiceSpec, local_url
from sto_assistent.settings import (
    DEFAULTS,
    PROD_DEFAULTS,
    PROJECT_DIR,
    derive_env,
    merged_env,
    project_path,
)

LOCALHOST = "127.0.0.1"
NGINX_HEALTH_PATH = "/healthz"
# Each kind of service: the variable holding its port, and what its container must be given
# beyond the defaults of settings.DEFAULTS (the host to bind, secrets, where the others are).
# deploy/compose.yml gives each container these names (tests/unit/test_compose_sync.py).
PORT_VARIABLES: dict[str, str] = {
    "nginx": "PROD_PORT",
    "rasa": "RASA_PORT",
    "actions": "ACTIONS_PORT",
    "web": "WEB_PORT",
    "console": "CONSOLE_PORT",
}
SERVICE_VARIABLES: dict[str, tuple[str, ...]] = {
    "nginx": (),  # built into its configuration (deploy/Dockerfile.nginx's build arguments)
    "rasa": (
        "TRACKER_STORE_URL", "LOCK_STORE_TYPE", "REDIS_URL", "ACTION_ENDPOINT_URL", "ACTION_SERVER_TOKEN",
        "ALLOWED_ORIGINS",
    ),
    "actions": ("ACTIONS_HOST", "ACTION_SERVER_TOKEN", "PRIVACY_PAGE_URL"),
    "web": ("WEB_HOST", "RASA_PUBLIC_URL"),
    "console": (
        "TRACKER_STORE_URL", "CONSOLE_HOST", "CONSOLE_URL_PREFIX", "CONSOLE_TRUSTED_PROXY", "CONSOLE_PUBLIC_URL",
        "CONSOLE_ALLOWED_HOSTS", "CONSOLE_SECRET_KEY",
    ),
}  # fmt: skip


def service_kind(name: str) -> str:
    """`rasa-2` -> `rasa`; the other services are their own kind."""
    return "rasa" if name.startswith("rasa-") else name


def prod_env(base: Mapping[str, str] | None = None, project_dir: Path = PROJECT_DIR) -> dict[str, str]:
    """The stack's environment: PROD_DEFAULTS over DEFAULTS, .env and the process env over both,
    then the values that follow from the public address (`public_values`) unless set."""
    env = merged_env(base, project_dir, {**DEFAULTS, **PROD_DEFAULTS})
    env["PUBLIC_URL"] = (env.get("PUBLIC_URL") or f"http://localhost:{env['PROD_PORT']}").rstrip("/")
    for name, value in public_values(env).items():
        if not env.get(name):
            env[name] = value
    return derive_env(env, project_dir)


def public_values(env: Mapping[str, str]) -> dict[str, str]:
    """What follows from PUBLIC_URL, where browsers reach nginx: the widget's Rasa URL, the
    allowed socket.io origins, the privacy page, the console's links and host names (plus the
    local address its health check uses); and the action endpoint."""
    public = env["PUBLIC_URL"]
    host = urlsplit(public).hostname or "localhost"
    origins = [public]
    if host == "localhost":
        origins.append(public.replace("//localhost", f"//{LOCALHOST}", 1))
    return {
        "RASA_PUBLIC_URL": public,
        "ALLOWED_ORIGINS": ",".join(origins),
        "PRIVACY_PAGE_URL": f"{public}/privacy.html",
        "CONSOLE_PUBLIC_URL": public + env["CONSOLE_URL_PREFIX"].rstrip("/"),
        "CONSOLE_ALLOWED_HOSTS": ",".join(dict.fromkeys([host, "localhost", LOCALHOST])),
        "ACTION_ENDPOINT_URL": f"http://{LOCALHOST}:{env['ACTIONS_PORT']}/webhook",
    }


def rasa_ports(env: Mapping[str, str]) -> list[str]:
    """RASA_INSTANCES consecutive ports from RASA_PORT."""
    count = int(env["RASA_INSTANCES"])
    if count < 1:
        raise ValueError(f"RASA_INSTANCES must be at least 1, not {count}")
    first = int(env[PORT_VARIABLES["rasa"]])
    return [str(first + i) for i in range(count)]


def console_health_path(env: Mapping[str, str]) -> str:
    return env["CONSOLE_URL_PREFIX"].rstrip("/") + "/login/"


def nginx_site(env: Mapping[str, str]) -> NginxSite:
    return NginxSite(
        run_dir=project_path(env["NGINX_RUN_DIR"]),
        listen=env["PROD_PORT"],
        rasa_servers=tuple(f"{LOCALHOST}:{port}" for port in rasa_ports(env)),
        web_server=f"{LOCALHOST}:{env['WEB_PORT']}",
        console_server=f"{LOCALHOST}:{env['CONSOLE_PORT']}",
        console_prefix=env["CONSOLE_URL_PREFIX"],
    )


def prod_services(env: Mapping[str, str], nginx_conf: Path, run_dir: Path) -> list[ServiceSpec]:
    """Every service of the stack; all but nginx bound to 127.0.0.1."""

    def port(kind: str) -> str:
        return env[PORT_VARIABLES[kind]]

    found = [ServiceSpec("actions", services.actions_command(port("actions")), local_url(port("actions"), "/health"))]
    for number, rasa_port in enumerate(rasa_ports(env), start=1):
        found.append(
            ServiceSpec(f"rasa-{number}", services.rasa_command(rasa_port, host=LOCALHOST), local_url(rasa_port))
        )
    found += [
        ServiceSpec("web", services.web_command(port("web")), local_url(port("web"))),
        ServiceSpec(
            "console", services.console_command(port("console")), local_url(port("console"), console_health_path(env))
        ),
        ServiceSpec("nginx", services.nginx_command(nginx_conf, run_dir), local_url(port("nginx"), NGINX_HEALTH_PATH)),
    ]
    return found


def ensure_action_server_token(env: dict[str, str]) -> str:
    """ACTION_SERVER_TOKEN, or one generated once into ACTION_SERVER_TOKEN_FILE (mode 600)."""
    if env.get("ACTION_SERVER_TOKEN"):
        return env["ACTION_SERVER_TOKEN"]
    path = project_path(env["ACTION_SERVER_TOKEN_FILE"])
    token = path.read_text().strip() if path.exists() else ""
    if not token:
        path.parent.mkdir(parents=True, exist_ok=True)
        token = secrets.token_urlsafe(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(token + "\n")
    env["ACTION_SERVER_TOKEN"] = token
    return token


def ensure_database(url: str) -> bool:
    """Create the PostgreSQL database of `url` when it is missing (True if it was created)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        return False
    engine = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).scalar()
            if exists:
                return False
            quoted = connection.dialect.identifier_preparer.quote(target.database)
            connection.execute(sa.text(f"CREATE DATABASE {quoted}"))
            return True
    finally:
        engine.dispose()


def drop_database(url: str) -> None:
    """Drop the PostgreSQL database of `url` if it exists, whoever is connected (tests, bench)."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    target = make_url(url)
    server = sa.create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            quoted = connection.dialect.identifier_preparer.quote(target.database)
            connection.execute(sa.text(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"))
    finally:
        server.dispose()


def check_redis(url: str) -> None:
    """Raise ConnectionError unless Redis answers at `url`."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as error:
        raise ConnectionError(f"Redis at {url} does not answer: {error}") from error
    finally:
        client.close()
