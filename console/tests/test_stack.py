"""End to end: the real assistant (Rasa + action server, trained model) and the console in
production mode (`manage.py serve`: waitress + ingest thread) on the same tracker store.
A conversation held over REST must appear in the console within 10 seconds. Once with the
default SQLite tracker store, once with PostgreSQL (Rasa and the console in one database)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.conftest import PASSWORD

pytestmark = pytest.mark.rasa

CONSOLE_DIR = Path(__file__).resolve().parent.parent
PROJECT_DIR = CONSOLE_DIR.parent
RASA_PYTHON = PROJECT_DIR / ".venv" / "bin" / "python"
MODEL = PROJECT_DIR / "models" / "sto-assistent.tar.gz"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process for {url} exited with {process.returncode}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{url} not up after {timeout} s")


def clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("CONSOLE_", "TRACKER_", "DJANGO_", "RASA_", "ACTION"))
    }
    env.update(extra)
    return env


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


def start_assistant(work: Path, tracker_url: str) -> tuple[list[subprocess.Popen], str]:
    """The action server and Rasa as the project's launcher defines them, on free ports."""
    rasa_port, actions_port = free_port(), free_port()
    overrides = {
        "RASA_PORT": str(rasa_port),
        "ACTIONS_PORT": str(actions_port),
        "WEB_PORT": str(free_port()),
        "TRACKER_STORE_URL": tracker_url,
        "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
    }
    described = subprocess.run(
        [str(RASA_PYTHON), str(CONSOLE_DIR / "tests" / "helpers" / "assistant_services.py")],
        input=json.dumps(overrides),
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        env=clean_env(),
        check=False,
    )
    if described.returncode != 0:
        pytest.fail(f"cannot read the assistant's service definitions: {described.stderr[-2000:]}")
    spec = json.loads(described.stdout)
    processes = []
    for service in spec["services"]:
        processes.append(
            subprocess.Popen(
                service["command"],
                cwd=PROJECT_DIR,
                env=spec["env"],
                stdout=open(work / f"{service['name']}.log", "w"),
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        )
    try:
        for service, process in zip(spec["services"], processes, strict=True):
            if service["health_url"]:
                wait_until_up(service["health_url"], process, 240)
    except Exception:
        for process in processes:
            stop(process)
        raise
    return processes, f"http://127.0.0.1:{rasa_port}"


@contextlib.contextmanager
def tracker_database(kind: str, work: Path):
    """SQLite: a file (the console keeps its own sibling file). PostgreSQL: a fresh database
    that Rasa's events table and the console's tables share."""
    if kind == "sqlite":
        yield f"sqlite:///{work / 'conversations.db'}"
        return
    import psycopg

    name = f"console_e2e_{uuid.uuid4().hex[:8]}"
    admin = os.environ.get("CONSOLE_TEST_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def servers(request, tmp_path_factory):
    if not RASA_PYTHON.exists() or not MODEL.exists():
        pytest.fail(f"The assistant is not installed/trained ({RASA_PYTHON}, {MODEL}): run `make train`.")
    work = tmp_path_factory.mktemp("stack")
    with tracker_database(request.param, work) as tracker_url:
        yield from run_servers(work, tracker_url)


def run_servers(work: Path, tracker_url: str):
    console_port = free_port()
    console_env = clean_env(
        TRACKER_STORE_URL=tracker_url,
        CONSOLE_DB_FILE=str(work / "console.db"),
        CONSOLE_SECRET_KEY=uuid.uuid4().hex * 2,
        CONSOLE_PORT=str(console_port),
        CONSOLE_INGEST_INTERVAL="2",
        CONSOLE_PASSWORD=PASSWORD,
    )
    python = str(CONSOLE_DIR / ".venv" / "bin" / "python")
    started: list[subprocess.Popen] = []
    try:
        subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=CONSOLE_DIR, env=console_env, check=True)
        subprocess.run(
            [python, "manage.py", "console_user", "anna", "reviewer"],
            cwd=CONSOLE_DIR,
            env=console_env,
            check=True,
            capture_output=True,
        )
        console = subprocess.Popen(
            [python, "manage.py", "serve"],
            cwd=CONSOLE_DIR,
            env=console_env,
            stdout=open(work / "console.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        started.append(console)
        wait_until_up(f"http://127.0.0.1:{console_port}/login/", console, 60)
        assistant, rasa_url = start_assistant(work, tracker_url)
        started.extend(assistant)
        yield {
            "rasa": rasa_url,
            "console": f"http://127.0.0.1:{console_port}",
            "tracker_url": tracker_url,
            "console_env": console_env,
            "work": work,
        }
    finally:
        for process in reversed(started):
            stop(process)


def say(rasa: str, sender: str, text: str) -> list[dict]:
    response = requests.post(f"{rasa}/webhooks/rest/webhook", json={"sender": sender, "message": text}, timeout=60)
    response.raise_for_status()
    return response.json()


def logged_in(console: str, username: str = "anna") -> requests.Session:
    session = requests.Session()
    session.get(f"{console}/login/", timeout=10)
    token = session.cookies["sto_console_csrftoken"]
    response = session.post(
        f"{console}/login/",
        timeout=10,
        allow_redirects=False,
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302, response.text[:500]
    return session


def test_conversation_held_with_the_assistant_shows_up_in_the_console(servers):
    console = servers["console"]
    assert requests.get(f"{console}/", timeout=10, allow_redirects=False).status_code == 302
    assert requests.get(f"{console}/login/", timeout=10).status_code == 200
    static = requests.get(f"{console}/login/", timeout=10).text
    css = re.search(r'href="(/static/console/console\.[0-9a-f]+\.css)"', static)
    assert css, "production mode serves hashed static files"
    assert requests.get(console + css.group(1), timeout=10).status_code == 200

    sender = uuid.uuid4().hex
    assert say(servers["rasa"], sender, "Goedemiddag")
    say(servers["rasa"], sender, "Wij bouwen zeppelinmotoren, hoeveel cofinanciering moeten we bijdragen?")
    say(servers["rasa"], sender, "xkcd qwertyuiop zxcvbnm")
    said = time.monotonic()

    session = logged_in(console)
    link = None
    # all three messages in: the list filtered on at least 3 user messages shows it
    while time.monotonic() - said < 10 and link is None:
        page = session.get(f"{console}/", params={"q": "zeppelinmotoren", "min": "3"}, timeout=10).text
        link = re.search(r'href="(/gesprekken/\d+/)"', page)
        if link is None:
            time.sleep(0.5)
    assert link, "conversation with its three messages not in the console within 10 s"
    transcript = session.get(console + link.group(1), timeout=10)
    assert transcript.status_code == 200
    assert transcript.headers["Cache-Control"].startswith("no-store")
    assert sender in transcript.text
    assert "zeppelinmotoren" in transcript.text and "Goedemiddag" in transcript.text
    assert "Intent" in transcript.text and "utter_" in transcript.text
    assert "xkcd qwertyuiop" in transcript.text
    if servers["tracker_url"].startswith("postgresql"):
        # one database: Rasa's events table beside the console's own tables
        import psycopg

        with psycopg.connect(servers["tracker_url"]) as conn:
            tables = {
                r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            }
            assert {"events", "conversations_conversation", "accounts_user"} <= tables
            assert conn.execute("SELECT count(*) FROM events WHERE sender_id = %s", (sender,)).fetchone()[0] > 0


# --- privacy: retention and erasure with the real assistant ---------------------------------------


def tracker_sql(servers, query: str, params: tuple = ()) -> list[tuple]:
    """A statement on Rasa's tracker store (written with %s placeholders)."""
    url = servers["tracker_url"]
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            return conn.execute(query.replace("%s", "?"), params).fetchall()
    import psycopg

    with psycopg.connect(url) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def console_sql(servers, query: str, params: tuple = ()) -> list[tuple]:
    """A query on the console's own database (its SQLite file, or the shared PostgreSQL one)."""
    if servers["tracker_url"].startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(servers["console_env"]["CONSOLE_DB_FILE"]) as conn:
            return conn.execute(query.replace("%s", "?"), params).fetchall()
    return tracker_sql(servers, query, params)


def user_messages_in_console(servers, sender: str) -> int | None:
    rows = console_sql(servers, "SELECT user_messages FROM conversations_conversation WHERE sender_id = %s", (sender,))
    return rows[0][0] if rows else None


def wait_for_console(servers, sender: str, messages: int, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if user_messages_in_console(servers, sender) == messages:
            return
        time.sleep(0.5)
    raise AssertionError(f"{sender}: not {messages} user messages in the console within {timeout} s")


def assert_starts_afresh(servers, sender: str) -> None:
    """The same sender writes again: a normal answer, and a new conversation in the console."""
    answer = say(servers["rasa"], sender, "Goedemiddag")
    assert answer and all(message.get("text") or message.get("buttons") for message in answer)
    wait_for_console(servers, sender, 1)
    events = tracker_sql(servers, "SELECT type_name FROM events WHERE sender_id = %s ORDER BY id", (sender,))
    assert [t for (t,) in events].count("user") == 1


def test_retention_erases_a_backdated_conversation_from_both_stores(servers):
    assert "retention every 3600 s" in (servers["work"] / "console.log").read_text()  # started by serve
    sender = uuid.uuid4().hex
    say(servers["rasa"], sender, "Goedemiddag")
    say(servers["rasa"], sender, "Bel mij op 06-12345678 over de bijdrage")
    wait_for_console(servers, sender, 2)
    tracker_sql(servers, "UPDATE events SET timestamp = timestamp - %s WHERE sender_id = %s", (100 * 86400, sender))
    python = str(CONSOLE_DIR / ".venv" / "bin" / "python")
    done = subprocess.run(
        [python, "manage.py", "retention"],
        cwd=CONSOLE_DIR,
        env=servers["console_env"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "deleted: 1 conversations" in done.stdout, done.stdout + done.stderr
    assert tracker_sql(servers, "SELECT count(*) FROM events WHERE sender_id = %s", (sender,)) == [(0,)]
    assert user_messages_in_console(servers, sender) is None
    assert_starts_afresh(servers, sender)


def test_erasure_request_by_phone_number_then_the_sender_starts_afresh(servers):
    console = servers["console"]
    sender = uuid.uuid4().hex
    say(servers["rasa"], sender, "Mijn e-mail is erik@voorbeeld-installatie.nl, bel me op 0687654321")
    wait_for_console(servers, sender, 1)
    python = str(CONSOLE_DIR / ".venv" / "bin" / "python")
    subprocess.run(
        [python, "manage.py", "console_user", "bert", "beheerder"],
        cwd=CONSOLE_DIR,
        env=servers["console_env"],
        check=True,
        capture_output=True,
    )
    session = logged_in(console, "bert")
    token = session.cookies["sto_console_csrftoken"]
    found = session.post(
        f"{console}/beheer/verwijderverzoeken/", data={"zoek": "+31 6 8765 4321", "csrfmiddlewaretoken": token}
    )
    assert found.status_code == 200
    assert "0687654321" not in found.text and "[telefoonnummer]" in found.text
    forms = re.findall(r'action="(/beheer/verwijderverzoeken/\d+/verwijderen/)"', found.text)
    assert len(forms) == 1
    erased = session.post(console + forms[0], data={"csrfmiddlewaretoken": token}, allow_redirects=False)
    assert erased.status_code == 302
    assert tracker_sql(servers, "SELECT count(*) FROM events WHERE sender_id = %s", (sender,)) == [(0,)]
    assert user_messages_in_console(servers, sender) is None
    assert "Gesprek verwijderd" in session.get(f"{console}/beheer/auditlog/", params={"actie": "delete"}).text
    assert_starts_afresh(servers, sender)
