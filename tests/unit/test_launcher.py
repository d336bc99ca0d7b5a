"""The launcher behind `make run` stops every process it started, whichever way it ends.

Light stand-in services (a small HTTP server that also starts a grandchild process) take
the place of Rasa here, so each case takes a second; the real services go through the same
code in the session-wide stack fixture, whose teardown checks that SIGTERM closes all ports.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from sto_assistent import launcher
from sto_assistent.local_servers import assert_ports_closed, free_port, port_open
from sto_assistent.services import ServiceSpec

# A service that serves HTTP and has a child of its own, as `rasa run` has worker processes.
STAND_IN = textwrap.dedent(
    """
    import http.server, os, subprocess, sys
    port, pid_file = int(sys.argv[1]), sys.argv[2]
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open(pid_file, "a") as f:
        f.write(f"{os.getpid()} {child.pid}\\n")
    if os.environ.get("STAND_IN_IGNORE_TERM"):
        import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.environ.get("STAND_IN_EXIT_AFTER"):
        import threading; threading.Timer(float(os.environ["STAND_IN_EXIT_AFTER"]), lambda: os._exit(3)).start()
    http.server.ThreadingHTTPServer(("127.0.0.1", port), http.server.SimpleHTTPRequestHandler).serve_forever()
    """
)

# Runs launcher.supervise() as `make run` would, with stand-ins described in argv[1].
SUPERVISOR = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from sto_assistent import launcher
    from sto_assistent.services import ServiceSpec
    specs = [ServiceSpec(**s) for s in json.loads(sys.argv[1])]
    sys.exit(launcher.supervise(specs, dict(__import__("os").environ), Path.cwd(),
                                lambda: print("READY", flush=True) or None))
    """
)


def stand_in(name: str, port: int, pid_file: Path, tmp_path: Path, env_prefix: str = "") -> dict[str, object]:
    script = tmp_path / "stand_in.py"
    script.write_text(STAND_IN)
    command = [sys.executable, str(script), str(port), str(pid_file)]
    if env_prefix:
        command = ["env", env_prefix, *command]
    return {"name": name, "command": command, "health_url": f"http://127.0.0.1:{port}/"}


def pids(pid_file: Path) -> list[int]:
    return [int(p) for line in pid_file.read_text().splitlines() for p in line.split()]


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purpose (its parent has not reaped it yet).
    status = Path(f"/proc/{pid}/status")
    return status.exists() and "zombie" not in status.read_text()


def start_supervisor(specs: list[dict[str, object]], tmp_path: Path) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, "-c", SUPERVISOR, json.dumps(specs)],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    return process


def wait_ready(process: subprocess.Popen[str]) -> None:
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "READY", process.stderr.read() if process.stderr else line


@pytest.mark.parametrize(
    "stop_signal", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "kill", "hangup"]
)
def test_a_stop_signal_stops_every_service_and_its_children(tmp_path, stop_signal):
    ports = [free_port() for _ in range(3)]
    pid_file = tmp_path / "pids"
    specs = [stand_in(f"s{i}", port, pid_file, tmp_path) for i, port in enumerate(ports)]
    supervisor = start_supervisor(specs, tmp_path)
    wait_ready(supervisor)
    started = pids(pid_file)
    assert len(started) == 6 and all(alive(pid) for pid in started)
    assert all(port_open(port) for port in ports)

    supervisor.send_signal(stop_signal)
    assert supervisor.wait(timeout=20) == 0
    assert_ports_closed(ports)
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in started) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in started if alive(pid)], "processes left behind"


def test_when_one_service_dies_all_are_stopped_with_an_error(tmp_path):
    ports = [free_port() for _ in range(2)]
    pid_file = tmp_path / "pids"
    specs = [
        stand_in("steady", ports[0], pid_file, tmp_path),
        stand_in("fragile", ports[1], pid_file, tmp_path, env_prefix="STAND_IN_EXIT_AFTER=1.5"),
    ]
    supervisor = start_supervisor(specs, tmp_path)
    wait_ready(supervisor)
    _, errors = supervisor.communicate(timeout=20)
    assert supervisor.returncode == 1
    assert "Service 'fragile' stopped unexpectedly" in errors
    assert_ports_closed(ports)
    assert not [pid for pid in pids(pid_file) if alive(pid)], "the dead service's child was left behind"


def test_a_service_that_cannot_start_is_named_and_nothing_keeps_running(tmp_path):
    port = free_port()
    specs = [
        stand_in("fine", port, tmp_path / "pids", tmp_path),
        {
            "name": "broken",
            "command": [sys.executable, "-c", "raise SystemExit(2)"],
            "health_url": "http://127.0.0.1:9/",
        },
    ]
    supervisor = start_supervisor(specs, tmp_path)
    _, errors = supervisor.communicate(timeout=30)
    assert supervisor.returncode == 1
    assert "Service 'broken' did not start" in errors
    assert_ports_closed([port])


def test_a_service_that_ignores_sigterm_is_killed_after_the_grace_time(tmp_path):
    port = free_port()
    spec = stand_in("stubborn", port, tmp_path / "pids", tmp_path, env_prefix="STAND_IN_IGNORE_TERM=1")
    running = launcher.start(ServiceSpec(**spec), dict(os.environ), tmp_path)  # type: ignore[arg-type]
    assert launcher.wait_until_healthy([running], timeout=20) is None
    started = time.monotonic()
    launcher.stop_all([running], grace_seconds=1)
    assert running.process.poll() is not None and running.process.returncode == -signal.SIGKILL
    assert time.monotonic() - started < 5
    assert_ports_closed([port])
