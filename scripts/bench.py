"""Benchmark the assistant on this machine (not a test: it prints numbers).

    python scripts/bench.py [--skip-train]

Prints: training time (a fresh training run into a temporary folder), model size,
cold-start time (process start until the first answer), REST latency p50/p95 for 100
sequential messages and for 20 concurrent conversations, messages per second, and the
peak RSS of the Rasa server process.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sto_assistent import local_servers
from sto_assistent.services import actions_command, rasa_command
from sto_assistent.settings import MODEL_PATH, PROJECT_DIR, build_env
from sto_assistent.training import train_fresh

MESSAGES = [
    "Hoeveel cofinanciering moeten bedrijven inbrengen?",
    "Mag het ook in natura?",
    "Wij willen stageplekken aanbieden",
    "We zitten in Apeldoorn",
    "Wat is Sterk Techniekonderwijs?",
    "Welke scholen doen daar mee?",
    "Kan ik een medewerker spreken?",
    "Hoe lang loopt de regeling nog?",
    "Wat is het weer morgen?",
    "Kunnen wij gastlessen geven?",
]


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def timed_say(url: str, text: str, sender: str) -> float:
    start = time.perf_counter()
    replies = local_servers.say(url, text, sender)
    elapsed = (time.perf_counter() - start) * 1000
    if not replies:
        raise RuntimeError(f"no reply to {text!r}")
    return elapsed


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skip-train", action="store_true")
    args = parser.parse_args()
    rows = []

    if not args.skip_train:
        with tempfile.TemporaryDirectory() as out:
            seconds = train_fresh(Path(out), "bench")
            rows.append(("training time (full, no cache)", f"{seconds:.0f} s"))
    rows.append(("model size", f"{MODEL_PATH.stat().st_size / 1e6:.1f} MB"))

    workdir = Path(tempfile.mkdtemp())
    actions_port = local_servers.free_port()
    actions = subprocess.Popen(
        actions_command(str(actions_port)),
        cwd=PROJECT_DIR,
        env=build_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    local_servers.wait_for(f"http://127.0.0.1:{actions_port}/health", actions)
    start = time.perf_counter()
    rasa_port = local_servers.free_port()
    rasa = local_servers.start_process(
        rasa_command(str(rasa_port)),
        {
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'bench.db'}",
        },
        workdir / "rasa.log",
    )
    url = f"http://127.0.0.1:{rasa_port}"
    local_servers.wait_for(f"{url}/", rasa)
    timed_say(url, "hallo", uuid.uuid4().hex)
    rows.append(("cold start (process start to first answer)", f"{time.perf_counter() - start:.1f} s"))
    try:
        sender = uuid.uuid4().hex
        sequential = [timed_say(url, MESSAGES[i % len(MESSAGES)], sender) for i in range(100)]
        rows.append(
            (
                "REST latency, 100 sequential: p50 / p95",
                f"{statistics.median(sequential):.0f} / {percentile(sequential, 95):.0f} ms",
            )
        )

        def conversation(_: int) -> list[float]:
            own = uuid.uuid4().hex
            return [timed_say(url, text, own) for text in MESSAGES]

        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = [t for batch in pool.map(conversation, range(20)) for t in batch]
        wall = time.perf_counter() - start
        rows.append(
            (
                "REST latency, 20 concurrent conversations: p50 / p95",
                f"{statistics.median(results):.0f} / {percentile(results, 95):.0f} ms",
            )
        )
        rows.append(
            (
                "throughput, 20 concurrent conversations",
                f"{len(results) / wall:.1f} messages/s ({len(results)} messages)",
            )
        )
        rows.append(("peak RSS of the Rasa server", f"{peak_rss_mb(rasa.pid):.0f} MB"))
    finally:
        local_servers.stop_process(rasa)
        local_servers.stop_process(actions)

    width = max(len(name) for name, _ in rows)
    print("\nSTO-assistent benchmark")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
