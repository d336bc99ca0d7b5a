"""Start services, wait until they are healthy, stop them all on exit.

Each service runs in its own process group, so stopping kills every process it started.
SIGINT (Ctrl-C), SIGTERM and SIGHUP (terminal closed) all stop everything. If one service
dies, the others are stopped too and the exit code is non-zero; with `restart` (the
production-like stack) it is started again instead, as a container orchestrator would, unless
it keeps dying (MAX_RESTARTS within RESTART_WINDOW_SECONDS).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from sto_assistent.services import ServiceSpec, healthy

START_TIMEOUT_SECONDS = 180
STOP_GRACE_SECONDS = 10
STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
MAX_RESTARTS = 5
RESTART_WINDOW_SECONDS = 300


@dataclass
class Running:
    spec: ServiceSpec
    process: subprocess.Popen[bytes]


class Stop(Exception):
    """Raised in the main thread by a stop signal."""


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    raise Stop(signal.Signals(signum).name)


def start(spec: ServiceSpec, env: Mapping[str, str], cwd: Path) -> Running:
    process = subprocess.Popen(spec.command, cwd=cwd, env=dict(env), start_new_session=True)
    return Running(spec, process)


def stop_all(running: Sequence[Running], grace_seconds: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM every process group, then SIGKILL what is still there after the grace time.

    Groups are signalled even when their leader has exited: a service that died may have
    left children behind.
    """
    for service in running:
        _signal_group(service, signal.SIGTERM)
    deadline = time.monotonic() + grace_seconds
    for service in running:
        try:
            service.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
        _signal_group(service, signal.SIGKILL)
        service.process.wait()


def _signal_group(service: Running, stop_signal: int) -> None:
    try:
        os.killpg(service.process.pid, stop_signal)
    except ProcessLookupError:
        pass  # the whole group is gone


def wait_until_healthy(running: Sequence[Running], timeout: float = START_TIMEOUT_SECONDS) -> str | None:
    """None when all are healthy; otherwise the name of the first service that failed."""
    deadline = time.monotonic() + timeout
    pending = [s for s in running if s.spec.health_url]
    while pending and time.monotonic() < deadline:
        for service in list(pending):
            if service.process.poll() is not None:
                return service.spec.name
            if healthy(service.spec.health_url or ""):
                pending.remove(service)
        time.sleep(0.5)
    return pending[0].spec.name if pending else None


def first_exited(running: Sequence[Running]) -> str | None:
    return next((s.spec.name for s in running if s.process.poll() is not None), None)


def supervise(
    specs: Sequence[ServiceSpec],
    env: Mapping[str, str],
    cwd: Path,
    when_ready: Callable[[], int | None] = lambda: None,
    restart: bool = False,
) -> int:
    """Run the services until a stop signal (exit 0) or a service dies (exit 1; restarted
    instead with `restart`).

    `when_ready` runs once all are healthy; if it returns a number, the services are
    stopped and that number is the exit code (used by `make shell`).
    """
    for stop_signal in STOP_SIGNALS:
        signal.signal(stop_signal, _raise_stop)
    running: list[Running] = []
    try:
        for spec in specs:
            running.append(start(spec, env, cwd))
        failed = wait_until_healthy(running)
        if failed:
            print(f"Service '{failed}' did not start; see its log above.", file=sys.stderr)
            return 1
        result = when_ready()
        if result is not None:
            return result
        restarts: dict[str, list[float]] = {}
        while True:
            exited = first_exited(running)
            if exited:
                recent = [t for t in restarts.get(exited, []) if t > time.monotonic() - RESTART_WINDOW_SECONDS]
                if not restart or len(recent) >= MAX_RESTARTS:
                    print(f"Service '{exited}' stopped unexpectedly.", file=sys.stderr)
                    return 1
                print(f"Service '{exited}' stopped unexpectedly; starting it again.", file=sys.stderr, flush=True)
                restarts[exited] = [*recent, time.monotonic()]
                index = next(i for i, s in enumerate(running) if s.spec.name == exited)
                _signal_group(running[index], signal.SIGKILL)  # what it left behind
                running[index] = start(running[index].spec, env, cwd)
            time.sleep(1)
    except Stop:
        return 0
    finally:
        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, signal.SIG_IGN)
        stop_all(running)
