"""Start the whole assistant: action server, Rasa server and web page; stop all on exit.

    python scripts/run_stack.py           # everything, until Ctrl-C / SIGTERM
    python scripts/run_stack.py --shell   # action server + `rasa shell` in this terminal

Each service runs in its own process group, so stopping kills every process it started.
SIGINT (Ctrl-C), SIGTERM and SIGHUP (terminal closed) all stop everything.
If one service dies, the others are stopped too and the exit code is non-zero.
"""
from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from runtime_env import build_env  # noqa: E402

MODEL = PROJECT_DIR / "models" / "sto-assistent.tar.gz"
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
START_TIMEOUT_SECONDS = 180
STOP_GRACE_SECONDS = 10


@dataclass
class Service:
    name: str
    command: List[str]
    health_url: Optional[str]
    process: Optional[subprocess.Popen] = None


def actions_command(port: str) -> List[str]:
    return [str(VENV_BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(port)]


def rasa_command(port: str) -> List[str]:
    return [
        str(VENV_BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", "endpoints.yml",
        "--credentials", "credentials.yml", "--port", str(port),
    ]


def services(env: Dict[str, str], with_rasa: bool = True, with_web: bool = True) -> List[Service]:
    found = [
        Service("actions", actions_command(env["ACTIONS_PORT"]),
                f"http://127.0.0.1:{env['ACTIONS_PORT']}/health")
    ]
    if with_rasa:
        found.append(
            Service("rasa", rasa_command(env["RASA_PORT"]), f"http://127.0.0.1:{env['RASA_PORT']}/")
        )
    if with_web:
        found.append(
            Service(
                "web",
                [str(VENV_BIN / "python"), "web/serve.py", "--port", env["WEB_PORT"]],
                f"http://127.0.0.1:{env['WEB_PORT']}/",
            )
        )
    return found


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return 200 <= response.status < 300
    except OSError:
        return False


def start(service: Service, env: Dict[str, str]) -> None:
    service.process = subprocess.Popen(
        service.command, cwd=PROJECT_DIR, env=env, start_new_session=True
    )


def stop_all(running: List[Service]) -> None:
    for service in running:
        if service.process and service.process.poll() is None:
            try:
                os.killpg(service.process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for service in running:
        if not service.process:
            continue
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(service.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            service.process.wait()


def wait_until_healthy(started: List[Service]) -> Optional[str]:
    """None when all are healthy; otherwise the name of the service that failed."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    pending = [s for s in started if s.health_url]
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if service.process and service.process.poll() is not None:
                return service.name
            if healthy(service.health_url or ""):
                pending.remove(service)
        time.sleep(0.5)
    return pending[0].name if pending else None


class Stop(Exception):
    pass


def _raise_stop(signum: int, _frame: object) -> None:
    raise Stop(signal.Signals(signum).name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shell", action="store_true", help="action server + rasa shell")
    args = parser.parse_args()
    if not MODEL.exists():
        print(f"No trained model at {MODEL}: run `make train` first.", file=sys.stderr)
        return 1
    env = build_env()
    started = services(env, with_rasa=not args.shell, with_web=not args.shell)
    # Ctrl-C, `kill` and a closed terminal all stop every service.
    for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(stop_signal, _raise_stop)
    try:
        for service in started:
            start(service, env)
        failed = wait_until_healthy(started)
        if failed:
            print(f"Service '{failed}' did not start; see its log above.", file=sys.stderr)
            return 1
        if args.shell:
            shell = [str(VENV_BIN / "rasa"), "shell", "--model", str(MODEL),
                     "--endpoints", "endpoints.yml", "--port", env["RASA_PORT"]]
            return subprocess.call(shell, cwd=PROJECT_DIR, env=env)
        print(
            "\nDe STO-assistent draait:\n"
            f"  webpagina:     http://localhost:{env['WEB_PORT']}\n"
            f"  Rasa (REST):   http://localhost:{env['RASA_PORT']}/webhooks/rest/webhook\n"
            f"  actieserver:   http://localhost:{env['ACTIONS_PORT']}/health\n"
            "Stoppen met Ctrl-C.\n",
            flush=True,
        )
        while True:
            for service in started:
                if service.process and service.process.poll() is not None:
                    print(f"Service '{service.name}' stopped unexpectedly.", file=sys.stderr)
                    return 1
            time.sleep(1)
    except Stop:
        return 0
    finally:
        for stop_signal in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(stop_signal, signal.SIG_IGN)
        stop_all(started)


if __name__ == "__main__":
    sys.exit(main())
