"""Start real servers for tests: the whole stack via scripts/run_stack.py, or one Rasa server."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional

import requests

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR / "scripts"))

from run_stack import MODEL, VENV_BIN, actions_command, healthy, rasa_command  # noqa: E402,F401
from runtime_env import build_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def wait_for(url: str, process: subprocess.Popen, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        if healthy(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


@dataclass
class Stack:
    rasa_port: int
    actions_port: int
    web_port: int
    env: Dict[str, str]
    process: Optional[subprocess.Popen] = None
    log: List[str] = field(default_factory=list)

    @property
    def rasa_url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def actions_url(self) -> str:
        return f"http://127.0.0.1:{self.actions_port}"

    def say(self, text: str, sender: Optional[str] = None, **extra) -> List[dict]:
        return say(self.rasa_url, text, sender, **extra)


def say(rasa_url: str, text, sender: Optional[str] = None, **extra) -> List[dict]:
    body = {"sender": sender or uuid.uuid4().hex, "message": text, **extra}
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=60)
    response.raise_for_status()
    return response.json()


def start_stack(tracker_store_url: str, log_path: Path) -> Stack:
    stack = Stack(free_port(), free_port(), free_port(), env={})
    stack.env = build_env({
        **os.environ,
        "RASA_PORT": str(stack.rasa_port),
        "ACTIONS_PORT": str(stack.actions_port),
        "WEB_PORT": str(stack.web_port),
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{stack.actions_port}/webhook",
        "TRACKER_STORE_URL": tracker_store_url,
    })
    log = open(log_path, "w")
    stack.process = subprocess.Popen(
        [str(VENV_BIN / "python"), "scripts/run_stack.py"],
        cwd=PROJECT_DIR, env=stack.env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    for url in (f"{stack.actions_url}/health", f"{stack.rasa_url}/", f"{stack.web_url}/"):
        wait_for(url, stack.process)
    return stack


def stop_stack(stack: Stack, stop_signal: int = signal.SIGTERM) -> None:
    """Signal the launcher only (as `kill` would) and check it stopped everything."""
    assert stack.process is not None
    stack.process.send_signal(stop_signal)
    stack.process.wait(timeout=60)
    for port in (stack.rasa_port, stack.actions_port, stack.web_port):
        deadline = time.monotonic() + 10
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_open(port), f"port {port} still served after the launcher stopped"


def start_rasa(env_overrides: Dict[str, str], log_path: Path) -> tuple[subprocess.Popen, str]:
    """One Rasa server with the real model and the project's channels."""
    port = free_port()
    env = build_env({**os.environ, **env_overrides})
    log = open(log_path, "w")
    process = subprocess.Popen(
        rasa_command(str(port)),
        cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    wait_for(f"{url}/", process)
    return process, url


def stop_process(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
