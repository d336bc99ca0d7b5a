"""Benchmark the assistant against Rasa's own `rasa init` bot, in one run on this machine.

    python scripts/bench.py [--skip-train]      # `make bench`

Not a test: it prints numbers. Both bots are measured the same way, interleaved, because
these machines are noisy: training time (fresh, empty cache, into a temporary folder),
model size, cold start (process start until the first answer over REST), REST latency
p50/p95 for 100 sequential messages (ten conversations of ten, one after another) and for 20
concurrent conversations, throughput, and
the peak RSS of the Rasa server process. The last column is assistant / init bot.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from sto_assistent import local_servers
from sto_assistent.services import actions_command, rasa_command
from sto_assistent.settings import MODEL_PATH, VENV_BIN
from sto_assistent.training import train_fresh

ASSISTANT_MESSAGES = [
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
SEQUENTIAL_CONVERSATIONS = 10
INIT_BOT_MESSAGES = ["hello", "I am sad", "yes", "great", "bye", "are you a bot?", "hi", "very good", "no", "hey"]


@dataclass
class Measures:
    values: dict[str, float] = field(default_factory=dict)


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(pct / 100 * (len(ordered) - 1))))]


def timed_say(url: str, text: str, sender: str, require_reply: bool = True) -> float:
    start = time.perf_counter()
    if not local_servers.say(url, text, sender) and require_reply:
        raise RuntimeError(f"no reply to {text!r}")
    return (time.perf_counter() - start) * 1000


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def measure_server(
    command: list[str], cwd: Path, env: dict[str, str], port: int, messages: list[str], require_reply: bool = True
) -> Measures:
    """Cold start, latency, throughput and peak RSS of one Rasa server.

    The init bot's TED policy sometimes answers a turn with silence (a "no" out of its story
    order); `require_reply=False` times such turns instead of stopping the benchmark.
    """
    measures = Measures()
    log = tempfile.NamedTemporaryFile("w", suffix=".log", delete=False)  # noqa: SIM115 - kept for reading
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        local_servers.wait_for(f"{url}/", process)
        timed_say(url, messages[0], uuid.uuid4().hex)
        measures.values["cold start (s)"] = time.perf_counter() - start

        def conversation(_: int) -> list[float]:
            own = uuid.uuid4().hex
            return [timed_say(url, text, own, require_reply) for text in messages]

        # Ten conversations of ten messages, one after another: one conversation of a hundred
        # would meet the assistant's per-conversation message rate (MAX_MESSAGES_PER_MINUTE)
        # and time its quick "too many messages" reply instead of an answer.
        sequential = [t for i in range(SEQUENTIAL_CONVERSATIONS) for t in conversation(i)]
        measures.values["REST p50, sequential (ms)"] = statistics.median(sequential)
        measures.values["REST p95, sequential (ms)"] = percentile(sequential, 95)

        began = time.perf_counter()
        with ThreadPoolExecutor(max_workers=20) as pool:
            results = [t for batch in pool.map(conversation, range(20)) for t in batch]
        measures.values["REST p50, 20 concurrent (ms)"] = statistics.median(results)
        measures.values["REST p95, 20 concurrent (ms)"] = percentile(results, 95)
        measures.values["throughput, 20 concurrent (msg/s)"] = len(results) / (time.perf_counter() - began)
        measures.values["peak RSS of the Rasa server (MB)"] = peak_rss_mb(process.pid)
    finally:
        local_servers.stop_process(process)
    return measures


def bench_assistant(workdir: Path, train: bool) -> Measures:
    measures = Measures()
    if train:
        measures.values["training, fresh (s)"] = train_fresh(workdir, "bench")
    measures.values["model size (MB)"] = MODEL_PATH.stat().st_size / 1e6
    actions_port = local_servers.free_port()
    actions = local_servers.start_process(actions_command(str(actions_port)), {}, workdir / "actions.log")
    try:
        local_servers.wait_for(f"http://127.0.0.1:{actions_port}/health", actions)
        port = local_servers.free_port()
        env = local_servers.stack_env(
            {
                "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                "TRACKER_STORE_URL": f"sqlite:///{workdir / 'bench.db'}",
            }
        )
        measures.values.update(
            measure_server(rasa_command(str(port)), MODEL_PATH.parent.parent, env, port, ASSISTANT_MESSAGES).values
        )
    finally:
        local_servers.stop_process(actions)
    return measures


def bench_init_bot(workdir: Path) -> Measures:
    """Rasa's demo bot, created and trained by `rasa init` in a temporary folder."""
    measures = Measures()
    project = workdir / "initbot"
    project.mkdir()
    start = time.perf_counter()
    subprocess.run(
        [str(VENV_BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(project)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=local_servers.stack_env({"RASA_CACHE_DIRECTORY": str(workdir / "initbot-cache")}),
    )
    measures.values["training, fresh (s)"] = time.perf_counter() - start
    model = next((project / "models").glob("*.tar.gz"))
    measures.values["model size (MB)"] = model.stat().st_size / 1e6
    port = local_servers.free_port()
    command = [str(VENV_BIN / "rasa"), "run", "--model", str(model), "--port", str(port)]
    env = local_servers.stack_env({})
    measures.values.update(measure_server(command, project, env, port, INIT_BOT_MESSAGES, require_reply=False).values)
    return measures


def table(rows: dict[str, tuple[float | None, float | None]]) -> str:
    fmt: Callable[[float | None], str] = lambda v: "-" if v is None else f"{v:,.1f}"  # noqa: E731
    lines = [
        f"| {'measure':<36} | {'assistant':>10} | {'init bot':>10} | {'ratio':>6} |",
        f"|{'-' * 38}|{'-' * 12}|{'-' * 12}|{'-' * 8}|",
    ]
    for name, (ours, theirs) in rows.items():
        ratio = f"{ours / theirs:.2f}" if ours is not None and theirs else "-"
        lines.append(f"| {name:<36} | {fmt(ours):>10} | {fmt(theirs):>10} | {ratio:>6} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skip-train", action="store_true", help="do not time a fresh training of the assistant")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        init_bot = bench_init_bot(workdir)
        assistant = bench_assistant(workdir, train=not args.skip_train)
    names = list(dict.fromkeys([*assistant.values, *init_bot.values]))
    print(table({name: (assistant.values.get(name), init_bot.values.get(name)) for name in names}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
