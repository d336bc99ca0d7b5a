"""Benchmark the console at volume: 100,000 conversations / 1,000,000 Rasa events in PostgreSQL.

    python tools/bench_console.py [--conversations 100000] [--regenerate] [--rounds 20]

1. creates the database console_bench (BENCH_DATABASE_URL to change) with Rasa's `events`
   table and fills it in bulk (COPY) with events in Rasa's format: 10 per conversation
   (session start, two user/action/bot/listen rounds, a slot), spread over a year;
2. migrates the console's tables into the same database and runs the real ingest over all of it;
3. requests list, filter, search (and dashboard) pages through Django's full request stack
   as a logged-in reviewer and prints p50/p95 per page and per kind.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

import psycopg

CONSOLE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/console_bench"
EVENTS_PER_CONVERSATION = 10
INTENTS = [
    "greet",
    "what_is_sto",
    "cofinancing_amount",
    "contribution_overview",
    "contribution_in_kind",
    "contribution_internships",
    "company_benefits",
    "find_region",
    "inform_place",
    "region_contact",
    "region_schools",
    "human_handoff",
    "thank",
    "goodbye",
    "out_of_scope",
    "nonsense",
    "bot_challenge",
    "how_to_join",
    "scheme_periods",
    "cofinancing_money_or_kind",
]
REGIONS = [
    "haaglanden",
    "zuid-limburg",
    "middenbrabant",
    "groningenstad",
    "almere",
    "rotterdam-noord",
    "zuidwest-friesland",
    "noordoost-brabant",
    "gouda-midden-holland",
    "zuidoost-friesland",
]
WORDS = (
    "bedrijf cofinanciering bijdrage regio stage machines leerlingen school vmbo mbo techniek "
    "subsidie contact uren natura geld plan programma installatie bouw metaal elektro monteur "
    "werkplaats gastles docent excursie materiaal apparatuur lasser timmerman logistiek zorg "
    "drones robotica zonnepanelen warmtepomp scheepsbouw luchtvaart bakkerij"
).split()
CITIES = [
    "Heerenveen",
    "Drachten",
    "Utrecht",
    "Zwolle",
    "Groningen",
    "Eindhoven",
    "Tilburg",
    "Rotterdam",
    "Den Haag",
    "Maastricht",
    "Almere",
    "Enschede",
    "Gouda",
    "Leeuwarden",
]


def events_for(rng: random.Random, sender: str, start: float):
    """Ten events in the shape Rasa 3.6 stores them (type_name, intent/action columns, data JSON)."""
    ts = start
    rows = [(sender, "session_started", ts, None, None, json.dumps({"event": "session_started", "timestamp": ts}))]
    region = rng.random() < 0.4
    for round_no in range(2):
        ts += rng.uniform(2, 40)
        intent = rng.choice(INTENTS)
        confidence = rng.choice([rng.uniform(0.5, 1.0)] * 4 + [rng.uniform(0.1, 0.5)])
        fallback = confidence < 0.5 and rng.random() < 0.7
        text = " ".join(rng.choices(WORDS, k=rng.randint(3, 9))) + ("? " if rng.random() < 0.5 else " ")
        entities = []
        if region and round_no == 1:
            city = rng.choice(CITIES)
            text += f"in {city}"
            entities = [
                {
                    "entity": "place",
                    "value": city,
                    "start": 0,
                    "end": len(city),
                    "extractor": "DIETClassifier",
                    "confidence_entity": 0.9,
                }
            ]
        others = rng.sample([i for i in INTENTS if i != intent], 2)
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": o, "confidence": round(rng.uniform(0, 1 - confidence), 4)} for o in others
        ]
        top = {"name": "nlu_fallback", "confidence": 0.5} if fallback else {"name": intent, "confidence": confidence}
        if fallback:
            ranking.insert(0, top)
        user = {
            "event": "user",
            "timestamp": ts,
            "text": text,
            "input_channel": rng.choice(["rest", "socketio"]),
            "message_id": uuid.uuid4().hex,
            "metadata": {},
            "parse_data": {"intent": top, "entities": entities, "text": text, "intent_ranking": ranking},
        }
        rows.append((sender, "user", ts, top["name"], None, json.dumps(user)))
        action = "action_default_fallback" if fallback else f"utter_{intent}"
        rows.append(
            (
                sender,
                "action",
                ts + 0.1,
                None,
                action,
                json.dumps({"event": "action", "timestamp": ts + 0.1, "name": action, "confidence": 1.0}),
            )
        )
        bot = {
            "event": "bot",
            "timestamp": ts + 0.2,
            "text": f"Antwoord voor {intent}.",
            "data": {"buttons": [{"title": "Wat is STO?", "payload": "/what_is_sto"}] if rng.random() < 0.3 else None},
            "metadata": {"utter_action": action},
        }
        rows.append((sender, "bot", ts + 0.2, None, None, json.dumps(bot)))
        rows.append(
            (
                sender,
                "action",
                ts + 0.3,
                None,
                "action_listen",
                json.dumps({"event": "action", "timestamp": ts + 0.3, "name": "action_listen"}),
            )
        )
    slot_value = rng.choice(REGIONS) if region else None
    slot_name = "region_id" if region else "place"
    rows.insert(
        -1,
        (
            sender,
            "slot",
            ts + 0.25,
            None,
            None,
            json.dumps({"event": "slot", "timestamp": ts + 0.25, "name": slot_name, "value": slot_value}),
        ),
    )
    return rows


def ensure_database(url: str) -> None:
    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def generate(url: str, conversations: int, seed: int = 42) -> None:
    rng = random.Random(seed)
    now = time.time()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        conn.execute("""
            CREATE SEQUENCE events_seq;
            CREATE TABLE events (id INTEGER NOT NULL DEFAULT nextval('events_seq') PRIMARY KEY,
                sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT,
                intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT);
            CREATE INDEX ix_events_sender_id ON events (sender_id);""")
        started = time.monotonic()
        with conn.cursor() as cur:
            copy_sql = "COPY events (sender_id, type_name, timestamp, intent_name, action_name, data) FROM STDIN"
            with cur.copy(copy_sql) as copy:
                for _ in range(conversations):
                    start = now - rng.uniform(0, 365 * 86400)
                    for row in events_for(rng, uuid.UUID(int=rng.getrandbits(128)).hex, start):
                        copy.write_row(row)
        total = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        conn.execute("ANALYZE events")
    print(f"generated {conversations} conversations, {total} events in {time.monotonic() - started:.0f} s")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--regenerate", action="store_true", help="rebuild even if the data is there")
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)

    with psycopg.connect(url, autocommit=True) as conn:
        have = (
            conn.execute("SELECT to_regclass('events') IS NOT NULL").fetchone()[0]
            and conn.execute("SELECT count(*) FROM events").fetchone()[0]
        )
    if args.regenerate or have != args.conversations * EVENTS_PER_CONVERSATION:
        generate(url, args.conversations)

    os.environ.update(
        {
            "CONSOLE_DATABASE_URL": url,
            "TRACKER_STORE_URL": url,
            "CONSOLE_PLAIN_STATIC": "1",
            "DJANGO_SETTINGS_MODULE": "console_site.settings",
            "CONSOLE_SECRET_KEY": os.environ.get("CONSOLE_SECRET_KEY", "bench-" + uuid.uuid4().hex),
        }
    )
    sys.path.insert(0, str(CONSOLE_DIR))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from accounts.models import Role, User
    from conversations import ingest
    from conversations.models import Conversation, Turn
    from conversations.tracker_source import default_events

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    source = default_events()
    started = time.monotonic()
    added = ingest.run_once(source)
    took = time.monotonic() - started
    if added:
        print(f"ingest: {added} turns stored in {took:.0f} s ({added / took:.0f} events/s)")
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    else:
        print(f"ingest: up to date (poll took {took * 1000:.0f} ms)")
    print(f"read model: {Conversation.objects.count()} conversations, {Turn.objects.count()} turns")

    # some review work to filter on
    from review.models import ConversationTag, Tag

    if not ConversationTag.objects.exists():
        tag = Tag.objects.get_or_create(name="NLU-probleem")[0]
        ids = list(Conversation.objects.filter(had_fallback=True).values_list("id", flat=True)[:1000])
        ConversationTag.objects.bulk_create([ConversationTag(conversation_id=i, tag=tag) for i in ids])
        Conversation.objects.filter(id__in=ids[:500]).update(review_status="later")

    # the NLU inbox's copy of the user messages (review.inbox), filled on the first visit
    from review import inbox

    started = time.monotonic()
    while not inbox.catch_up():
        pass
    print(f"NLU inbox: caught up in {time.monotonic() - started:.1f} s")
    with connection.cursor() as cur:
        cur.execute("ANALYZE review_inboxmessage")  # as autovacuum does after a large insert

    user = User.objects.filter(username="bench").first() or User.objects.create_user(
        "bench", password=uuid.uuid4().hex, role=Role.REVIEWER
    )
    client = Client()
    client.force_login(user)
    pages = {
        "list": ["/", "/?pagina=2", "/?pagina=500"],
        "filter": [
            "/?intent=cofinancing_amount",
            "/?regio=haaglanden",
            "/?signaal=fallback",
            "/?signaal=laag&signaal=persoon",
            "/?min=2&van=2026-06-01&tot=2026-08-31",
            "/?label=NLU-probleem",
            "/?status=later",
            "/?intent=human_handoff&regio=zuid-limburg",
        ],
        "search": [
            "/?q=cofinanciering",
            "/?q=drones",
            "/?q=warmtepomp+monteur",
            "/?q=Maastricht",
            "/?q=stage&signaal=fallback",
            "/?q=scheepsbouw&regio=almere",
        ],
        "inbox": ["/inbox/", "/inbox/?pagina=200", "/inbox/?intent=cofinancing_amount"],
        "dashboard": ["/dashboard/", f"/dashboard/?van={date.today() - timedelta(days=364)}&tot={date.today()}"],
    }
    print("\n== in process (Django test client: middleware, views, templates; no socket)")
    worst_client = measure(pages, args.rounds, lambda path: client.get(path).status_code)
    print("\n== over HTTP (manage.py serve: waitress, production settings, a real login)")
    password = uuid.uuid4().hex
    user.set_password(password)
    user.save()
    with http_server(url) as base:
        session = http_login(base, "bench", password)
        worst_http = measure(
            pages, args.rounds, lambda path: session.get(base + path, timeout=30, allow_redirects=False).status_code
        )
    worst = max(worst_client, worst_http)
    verdict = "OK" if worst < 300 else "TOO SLOW"
    print(f"\nlist/filter/search p95 worst: {worst:.1f} ms (target < 300 ms): {verdict}")
    source.close()
    return 0 if worst < 300 else 1


def measure(pages: dict[str, list[str]], rounds: int, get) -> float:
    results: dict[str, list[float]] = {}
    print(f"{'page':<45} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, urls in pages.items():
        results[kind] = []
        for url_path in urls:
            status = get(url_path)  # warm-up (also fills the 60 s filter-menu cache)
            assert status == 200, (url_path, status)
            times = []
            for _ in range(rounds):
                t0 = time.perf_counter()
                status = get(url_path)
                times.append((time.perf_counter() - t0) * 1000)
                assert status == 200, (url_path, status)
            results[kind].extend(times)
            print(f"{url_path:<45} {statistics.median(times):8.1f} {percentile(times, 95):8.1f}")
    print(f"{'kind':<12} {'requests':>8} {'p50 ms':>8} {'p95 ms':>8}")
    worst = 0.0
    for kind, times in results.items():
        p95 = percentile(times, 95)
        if kind != "dashboard":
            worst = max(worst, p95)
        print(f"{kind:<12} {len(times):8d} {statistics.median(times):8.1f} {p95:8.1f}")
    return worst


@contextlib.contextmanager
def http_server(database_url: str):
    import socket
    import subprocess

    import requests

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("CONSOLE_PLAIN_STATIC", "DJANGO_SETTINGS_MODULE")}
    env.update({"CONSOLE_DATABASE_URL": database_url, "TRACKER_STORE_URL": database_url, "CONSOLE_PORT": str(port)})
    process = subprocess.Popen(
        [sys.executable, str(CONSOLE_DIR / "manage.py"), "serve", "--no-ingest"],
        cwd=CONSOLE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{base}/login/", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("console server did not start")
            time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        process.wait(30)


def http_login(base: str, username: str, password: str):
    import requests

    session = requests.Session()
    session.get(f"{base}/login/", timeout=10)
    response = session.post(
        f"{base}/login/",
        timeout=10,
        allow_redirects=False,
        data={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": session.cookies["sto_console_csrftoken"],
        },
    )
    assert response.status_code == 302, "bench login failed"
    return session


if __name__ == "__main__":
    sys.exit(main())
