"""What each service of the assistant is: its command line and its health URL.

The launcher (`make run`), the test fixtures and the benchmarks all start services from
these definitions, so a command line or a port is written down once.
"""

from __future__ import annotations

import os
import shutil
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sto_assistent.settings import MODEL_PATH, PROJECT_DIR, VENV_BIN


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    command: list[str]
    health_url: str | None


def actions_command(port: str) -> list[str]:
    """rasa-sdk's server behind the token check (sto_assistent/action_server.py), on ACTIONS_HOST."""
    return [str(VENV_BIN / "python"), "-m", "sto_assistent.action_server", "--port", str(port)]


# Rasa with the project's runtime guards (action-call timeouts and apology): sto_assistent/rasa_server.py.
RASA = [str(VENV_BIN / "python"), "-m", "sto_assistent.rasa_server"]


def rasa_command(port: str, host: str | None = None) -> list[str]:
    """`rasa run` on every interface (`make run`) or on `host` only (the production-like stack)."""
    return [
        *RASA, "run", "--model", str(MODEL_PATH), "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml", "--port", str(port), *(["--interface", host] if host else []),
    ]  # fmt: skip


def shell_command(port: str) -> list[str]:
    return [
        *RASA, "shell", "--model", str(MODEL_PATH), "--endpoints", "endpoints.yml",
        "--port", str(port),
    ]  # fmt: skip


def web_command(port: str) -> list[str]:
    return [str(VENV_BIN / "python"), str(PROJECT_DIR / "web" / "serve.py"), "--port", str(port)]


CONSOLE_PYTHON = PROJECT_DIR / "console" / ".venv" / "bin" / "python"


def console_command(port: str) -> list[str]:
    """The support console (its own virtualenv): migrations, ingest thread, waitress."""
    return [str(CONSOLE_PYTHON), str(PROJECT_DIR / "console" / "manage.py"), "serve", "--port", str(port)]


# Debian puts nginx in /usr/sbin, which is not on every user's PATH.
NGINX_EXTRA_PATH = os.pathsep.join(["/usr/sbin", "/usr/local/sbin"])


def nginx_binary() -> str | None:
    return shutil.which("nginx") or shutil.which("nginx", path=NGINX_EXTRA_PATH)


def nginx_command(conf: Path, run_dir: Path) -> list[str]:
    """nginx in the foreground (`daemon off` in the config), everything it writes in run_dir."""
    return [nginx_binary() or "nginx", "-p", str(run_dir), "-e", str(run_dir / "error.log"), "-c", str(conf)]


def local_url(port: str, path: str = "/") -> str:
    return f"http://127.0.0.1:{port}{path}"


def assistant_services(
    env: Mapping[str, str], with_rasa: bool = True, with_web: bool = True, with_console: bool = False
) -> list[ServiceSpec]:
    """The services `make run` starts (`make shell`: the action server only)."""
    found = [ServiceSpec("actions", actions_command(env["ACTIONS_PORT"]), local_url(env["ACTIONS_PORT"], "/health"))]
    if with_rasa:
        found.append(ServiceSpec("rasa", rasa_command(env["RASA_PORT"]), local_url(env["RASA_PORT"])))
    if with_web:
        found.append(ServiceSpec("web", web_command(env["WEB_PORT"]), local_url(env["WEB_PORT"])))
    if with_console:
        found.append(
            ServiceSpec("console", console_command(env["CONSOLE_PORT"]), local_url(env["CONSOLE_PORT"], "/login/"))
        )
    return found


def healthy(url: str) -> bool:
    """True when the URL answers with a 2xx status within two seconds."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= int(response.status) < 300
    except OSError:
        return False
