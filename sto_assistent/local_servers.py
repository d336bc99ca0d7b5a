"""Start real servers on free local ports, for the tests and the benchmarks.

`start_stack` runs the same launcher as `make run` in a child process; `start_service`
starts one service (for example a second Rasa server with other settings).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import requests

from sto_assistent.services import healthy, local_url
from sto_assistent.settings import PROJECT_DIR, build_env

REPLY_TIMEOUT_SECONDS = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def consecutive_free_ports(count: int) -> int:
    """The first of `count` consecutive free local ports (Rasa instances of the stack)."""
    for _ in range(50):
        first = free_port()
        try:
            for port in range(first, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return first
        except OSError:
            continue
    raise RuntimeError(f"no {count} consecutive free ports")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def listen_addresses(port: int) -> set[str]:
    """The local addresses on which some process listens on TCP `port` (Linux: /proc/net/tcp*)."""
    found: set[str] = set()
    for table, size in (("/proc/net/tcp", 4), ("/proc/net/tcp6", 16)):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                # /proc prints each 32-bit word in host (little-endian) order.
                words = b"".join(raw[i : i + 4][::-1] for i in range(0, size, 4))
                found.add(socket.inet_ntop(socket.AF_INET if size == 4 else socket.AF_INET6, words))
    return found


def wait_for(url: str, process: subprocess.Popen[bytes] | None = None, timeout: float = 240) -> None:
    """Wait until `url` is healthy; fail early if `process` (the one serving it, if ours) exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        if healthy(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} not healthy after {timeout} s")


def say(rasa_url: str, text: Any, sender: str | None = None, **extra: Any) -> list[dict[str, Any]]:
    """One message over the REST channel; the bot's replies."""
    body = {"sender": sender or uuid.uuid4().hex, "message": text, **extra}
    response = requests.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=REPLY_TIMEOUT_SECONDS)
    response.raise_for_status()
    replies: list[dict[str, Any]] = response.json()
    return replies


@dataclass
class Stack:
    """The assistant as `make run` starts it, on its own ports."""

    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    log: IO[str] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def port(self, name: str) -> int:
        return int(self.env[name])

    @property
    def rasa_url(self) -> str:
        return local_url(self.env["RASA_PORT"]).rstrip("/")

    @property
    def web_url(self) -> str:
        return local_url(self.env["WEB_PORT"]).rstrip("/")

    @property
    def actions_url(self) -> str:
        return local_url(self.env["ACTIONS_PORT"]).rstrip("/")

    @property
    def ports(self) -> list[int]:
        names = ["RASA_PORT", "ACTIONS_PORT", "WEB_PORT"] + (["CONSOLE_PORT"] if self.extra.get("console") else [])
        return [self.port(name) for name in names]

    def say(self, text: Any, sender: str | None = None, **extra: Any) -> list[dict[str, Any]]:
        return say(self.rasa_url, text, sender, **extra)


def stack_env(overrides: Mapping[str, str]) -> dict[str, str]:
    """The environment of a stack on free ports; `overrides` win."""
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTIONS_PORT", "WEB_PORT")}
    env = {**os.environ, **ports, **overrides}
    env.setdefault("ACTION_ENDPOINT_URL", f"http://127.0.0.1:{env['ACTIONS_PORT']}/webhook")
    return build_env(env)


def launch_stack(overrides: Mapping[str, str], log_path: Path, console: bool = False) -> Stack:
    """Start the launcher (without waiting): use `wait_for_stack` before talking to it."""
    stack = Stack(env=stack_env({"CONSOLE_PORT": str(free_port()), **overrides}))
    stack.extra["console"] = console
    stack.log = open(log_path, "w")  # noqa: SIM115 - closed in stop_stack
    stack.process = subprocess.Popen(
        [sys.executable, "-m", "sto_assistent.run", *([] if console else ["--no-console"])],
        cwd=PROJECT_DIR, env=stack.env, stdout=stack.log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    return stack


def wait_for_stack(stack: Stack) -> Stack:
    assert stack.process is not None
    urls = [f"{stack.actions_url}/health", f"{stack.rasa_url}/", f"{stack.web_url}/"]
    if stack.extra.get("console"):
        urls.append(local_url(stack.env["CONSOLE_PORT"], "/login/"))
    for url in urls:
        wait_for(url, stack.process)
    return stack


def stop_stack(stack: Stack, stop_signal: int = signal.SIGTERM) -> None:
    """Signal the launcher only (as `kill` would) and check it stopped everything."""
    assert stack.process is not None
    stack.process.send_signal(stop_signal)
    stack.process.wait(timeout=60)
    if stack.log:
        stack.log.close()
    assert_ports_closed(stack.ports)


def assert_ports_closed(ports: list[int], timeout: float = 10) -> None:
    for port in ports:
        deadline = time.monotonic() + timeout
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_open(port), f"port {port} still served after the launcher stopped"


def start_process(command: list[str], env_overrides: Mapping[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """One service process with the project's environment (its own process group)."""
    env = build_env({**os.environ, **env_overrides})
    with open(log_path, "w") as log:
        return subprocess.Popen(
            command, cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop_process(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
