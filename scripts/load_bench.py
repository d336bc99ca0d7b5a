"""Load through nginx on the production-like stack, at 1 and at 2 Rasa instances.

    python scripts/load_bench.py [--conversations 50] [--turns 20] [--instances 1 2]   # `make bench-load`

Not a test: it prints numbers. For each instance count it starts the real stack
(`python -m sto_assistent.run_prod`, fresh PostgreSQL database, free ports), then runs N
conversations of T turns at once, each from its own client address (127.0.0.x: nginx limits
each address, as it would each company), and checks in PostgreSQL that every message is
stored once, in order, and that every reply went to the conversation that asked. Printed:
throughput, p50/p95 latency, failed, refused, lost, wrong-conversation and out-of-order counts,
the scaling ratio. "Refused" turns got a Dutch "not processed" answer (the turn could not be
stored in time, or nginx's error reply), so the company was told to send it again; they need
not be stored. "Lost" counts only accepted messages that are missing from PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from channels.messages import MESSAGES
from sto_assistent import local_servers, prod_stack
from sto_assistent.services import healthy
from sto_assistent.settings import PROJECT_DIR

APOLOGIES = {MESSAGES["action_failed"], MESSAGES["no_reply"]}
BENCH_DATABASE = "postgresql://postgres@127.0.0.1:5432/sto_load_bench"
OPENING = "Wij zijn een installatiebedrijf in Zwolle."
QUESTIONS = [
    "Hoeveel cofinanciering moeten bedrijven inbrengen?",
    "Mag dat ook in natura, met uren van onze monteurs?",
    "Bij wie kan ik terecht?",
    "Wat is Sterk Techniekonderwijs precies?",
    "Welke vormen van bijdragen zijn er?",
    "Kunnen wij gastlessen geven?",
    "Krijgen bedrijven subsidie?",
    "Hoe lang loopt de regeling?",
    "Welke scholen doen mee?",
    "Wat levert het ons op?",
]


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failed: int = 0  # no answer, an HTTP error, a "not processed" answer or an apology
    refused: int = 0  # answered "not processed" or with nginx's error reply: to be sent again
    wrong_recipient: int = 0


def is_not_processed(reply: dict[str, Any]) -> bool:
    """The server's "not processed" answers (outage, too many): the company is told to resend."""
    return bool((reply.get("custom") or {}).get("status"))


def is_failure(reply: dict[str, Any]) -> bool:
    """The server's own failure answers: not processed, or an apology."""
    return is_not_processed(reply) or reply.get("text") in APOLOGIES


def conversation(port: int, client: int, turns: int) -> tuple[str, list[tuple[str, bool]], Result]:
    """One company: its own client address, a random conversation id, `turns` messages in a row."""
    sender, sent, result = str(uuid.uuid4()), [], Result()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(f"127.0.0.{client}", 0))
    for turn in range(turns):
        text = OPENING if turn == 0 else QUESTIONS[(client + turn) % len(QUESTIONS)]
        body = json.dumps({"sender": sender, "message": text})
        started = time.perf_counter()
        try:
            connection.request("POST", "/webhooks/rest/webhook", body, {"Content-Type": "application/json"})
            answer = connection.getresponse()
            replies = json.loads(answer.read() or b"[]")
        except (OSError, http.client.HTTPException, ValueError):
            connection.close()
            result.failed += 1
            continue
        result.latencies.append((time.perf_counter() - started) * 1000)
        refused = answer.status != 200 or any(is_not_processed(r) for r in replies)
        sent.append((text, not refused))
        result.refused += int(refused)
        if answer.status != 200 or not replies or any(is_failure(r) for r in replies):
            result.failed += 1
        if any(r.get("recipient_id") != sender for r in replies):
            result.wrong_recipient += 1
    connection.close()
    return sender, sent, result


def missing_and_disordered(stored: list[str], sent: list[tuple[str, bool]]) -> tuple[int, bool]:
    """Accepted messages missing from `stored`, and whether `stored` holds anything beyond the
    messages sent, in the order sent (a refused message may or may not have been stored)."""
    matched = missing = 0
    for text, accepted in sent:
        if matched < len(stored) and stored[matched] == text:
            matched += 1
        elif accepted:
            missing += 1
    return missing, matched < len(stored)


def stored_texts(engine: Any, sender: str) -> list[str]:
    import sqlalchemy as sa

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user' ORDER BY id"), {"s": sender}
        ).fetchall()
    return [json.loads(row[0]).get("text") for row in rows]


def start_stack(instances: int, workdir: Path) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    prod_stack.drop_database(BENCH_DATABASE)
    overrides = {
        "PROD_PORT": str(local_servers.free_port()),
        "RASA_PORT": str(local_servers.consecutive_free_ports(instances)),
        "RASA_INSTANCES": str(instances),
        "ACTIONS_PORT": str(local_servers.free_port()),
        "WEB_PORT": str(local_servers.free_port()),
        "CONSOLE_PORT": str(local_servers.free_port()),
        "TRACKER_STORE_URL": BENCH_DATABASE,
        "NGINX_RUN_DIR": str(workdir / "nginx"),
        "ACTION_SERVER_TOKEN_FILE": str(workdir / "action-server-token"),
        "CONSOLE_SECRET_KEY_FILE": str(workdir / "console-secret-key"),
        "CONTACT_OUTBOX_DIR": str(workdir / "outbox"),
    }
    env = prod_stack.prod_env({**os.environ, **overrides})
    with open(workdir / f"stack-{instances}.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "sto_assistent.run_prod"],
            cwd=PROJECT_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    urls = [f"http://127.0.0.1:{port}/webhooks/health/ready" for port in prod_stack.rasa_ports(env)]
    urls.append(f"http://127.0.0.1:{env['PROD_PORT']}/healthz")
    deadline = time.monotonic() + 300
    for url in urls:
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stack did not come up ({url}); see {workdir}")
            time.sleep(1)
    return process, env


def stop_stack(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def run(instances: int, conversations: int, turns: int, workdir: Path) -> dict[str, float]:
    import sqlalchemy as sa

    process, env = start_stack(instances, workdir)
    try:
        port = int(env["PROD_PORT"])
        conversation(port, 2, 2)  # warm-up: the first answers of a fresh model are slow
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=conversations) as pool:
            done = list(pool.map(lambda i: conversation(port, 10 + i, turns), range(conversations)))
        elapsed = time.perf_counter() - started
        engine = sa.create_engine(BENCH_DATABASE)
        lost = out_of_order = 0
        for sender, sent, _ in done:
            missing, disordered = missing_and_disordered(stored_texts(engine, sender), sent)
            lost += missing
            out_of_order += int(disordered)
        engine.dispose()
    finally:
        stop_stack(process)
        prod_stack.drop_database(BENCH_DATABASE)
    latencies = [ms for _, _, result in done for ms in result.latencies]
    return {
        "turns": float(len(latencies)),
        "throughput": len(latencies) / elapsed,
        "p50": statistics.median(latencies),
        "p95": sorted(latencies)[int(0.95 * (len(latencies) - 1))],
        "failed": float(sum(result.failed for _, _, result in done)),
        "refused": float(sum(result.refused for _, _, result in done)),
        "lost": float(lost),
        "wrong": float(sum(result.wrong_recipient for _, _, result in done)),
        "out_of_order": float(out_of_order),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2])
    args = parser.parse_args(argv)
    rows = {}
    with tempfile.TemporaryDirectory(prefix="sto-load-") as tmp:
        for instances in args.instances:
            print(f"{instances} instance(s): {args.conversations} conversations x {args.turns} turns ...", flush=True)
            rows[instances] = run(instances, args.conversations, args.turns, Path(tmp))
    print(f"\n{'instances':>9} {'turns':>6} {'turns/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'failed':>7} {'refused':>8} {'lost':>5} {'wrong':>6} {'disorder':>9}")  # fmt: skip
    for instances, row in rows.items():
        print(
            f"{instances:>9} {row['turns']:>6.0f} {row['throughput']:>8.1f} {row['p50']:>8.0f} {row['p95']:>8.0f} "
            f"{row['failed']:>7.0f} {row['refused']:>8.0f} {row['lost']:>5.0f} {row['wrong']:>6.0f} "
            f"{row['out_of_order']:>9.0f}"
        )
    if 1 in rows and 2 in rows:
        print(f"\nscaling 2 vs 1 instance: throughput x{rows[2]['throughput'] / rows[1]['throughput']:.2f}")
    bad = sum(row["lost"] + row["wrong"] + row["out_of_order"] for row in rows.values())
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
