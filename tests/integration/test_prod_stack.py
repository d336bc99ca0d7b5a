"""The production-like stack (`make run-prod`) for real: nginx, two Rasa instances, PostgreSQL,
Redis, the token-guarded action server, the web page and the console under /console.

Started once for the module through its real entry point (`python -m sto_assistent.run_prod`),
on free ports and a fresh PostgreSQL database; stopped with SIGTERM, as Ctrl-C would, and every
port must close. Everything is reached through nginx only.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from sto_assistent import local_servers, prod_stack
from sto_assistent.services import CONSOLE_PYTHON, healthy
from sto_assistent.settings import MODEL_PATH, PROJECT_DIR
from tests.conftest import POSTGRES_URL
from tests.conversation_log import sql_events, turns

CONSOLE_USER, CONSOLE_PASSWORD = "prodtest", "lang-genoeg-wachtwoord-42"
UPSTREAM = re.compile(r'"POST /webhooks/rest/webhook [^"]*" 200 \d+ upstream=(\S+)')


@dataclass
class ProdStack:
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    engine: Any
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['PROD_PORT']}"

    @property
    def access_log(self) -> Path:
        return Path(self.env["NGINX_RUN_DIR"]) / "access.log"

    def say(self, text: str, sender: str) -> list[dict[str, Any]]:
        return local_servers.say(self.url, text, sender)

    def ports(self) -> dict[str, int]:
        names = ("PROD_PORT", "ACTIONS_PORT", "WEB_PORT", "CONSOLE_PORT")
        found = {name: int(self.env[name]) for name in names}
        found.update({f"rasa-{i}": int(p) for i, p in enumerate(prod_stack.rasa_ports(self.env), start=1)})
        return found


def fresh_database(name: str) -> tuple[str, Any]:
    """A new, not yet created PostgreSQL database next to the test database; its URL and an engine."""
    import sqlalchemy as sa
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    try:
        prod_stack.drop_database(url)
    except Exception as error:  # noqa: BLE001 - any driver error means the same to the tester
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is not reachable: {error}")
    return url, sa.create_engine(url)


@pytest.fixture(scope="module")
def prod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProdStack]:
    if not MODEL_PATH.exists():
        pytest.fail(f"No trained model at {MODEL_PATH}: run `make train` (make test does).")
    if not CONSOLE_PYTHON.exists():
        pytest.fail("The support console is not installed: run `make console-install`.")
    workdir = tmp_path_factory.mktemp("prod")
    db_name = f"sto_prod_test_{uuid.uuid4().hex[:8]}"
    db_url, engine = fresh_database(db_name)
    overrides = {
        "PROD_PORT": str(local_servers.free_port()),
        "RASA_PORT": str(local_servers.consecutive_free_ports(2)),
        "RASA_INSTANCES": "2",
        "ACTIONS_PORT": str(local_servers.free_port()),
        "WEB_PORT": str(local_servers.free_port()),
        "CONSOLE_PORT": str(local_servers.free_port()),
        "TRACKER_STORE_URL": db_url,
        "NGINX_RUN_DIR": str(workdir / "nginx"),
        "ACTION_SERVER_TOKEN": "",  # generated into the file below
        "ACTION_SERVER_TOKEN_FILE": str(workdir / "action-server-token"),
        "CONSOLE_SECRET_KEY_FILE": str(workdir / "console-secret-key"),
        "CONTACT_OUTBOX_DIR": str(workdir / "outbox"),
    }
    env = prod_stack.prod_env({**os.environ, **overrides})
    log = workdir / "stack.log"
    with open(log, "w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "sto_assistent.run_prod"],
            cwd=PROJECT_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    stack = ProdStack(env, process, engine, log)
    try:
        wait_until_up(stack)
        yield stack
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        engine.dispose()
        local_servers.assert_ports_closed(list(stack.ports().values()))
        prod_stack.drop_database(db_url)


def wait_until_up(stack: ProdStack, timeout: float = 240) -> None:
    urls = [
        f"http://127.0.0.1:{stack.env['ACTIONS_PORT']}/health",
        *(f"http://127.0.0.1:{port}/" for port in prod_stack.rasa_ports(stack.env)),
        f"{stack.url}/healthz",
        f"{stack.url}/",
        f"{stack.url}{prod_stack.console_health_path(stack.env)}",
    ]
    deadline = time.monotonic() + timeout
    for url in urls:
        while not healthy(url):
            if stack.process.poll() is not None or time.monotonic() > deadline:
                tail = stack.log.read_text(errors="replace")[-3000:]
                pytest.fail(f"the production-like stack did not come up ({url}):\n{tail}")
            time.sleep(1)


def region_of(region_index: Any, place: str) -> Any:
    found = region_index.find_by_place(place).regions
    assert len(found) == 1, f"{place} is not in exactly one region"
    return found[0]


def upstreams(stack: ProdStack, at_least: int = 0) -> list[str]:
    """The Rasa instance nginx sent each REST message to, in order. nginx writes a request's
    line just after its response, so wait (up to 5 s) until at least `at_least` are there."""
    deadline = time.monotonic() + 5
    while True:
        found = UPSTREAM.findall(stack.access_log.read_text())
        if len(found) >= at_least or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_context_is_kept_across_instances_and_stored_in_postgres_in_order(prod, region_index):
    region = region_of(region_index, "Deventer")
    assert region.url
    sender = str(uuid.uuid4())
    before = len(upstreams(prod))
    first = "Wij zijn een metaalbedrijf in Deventer. Hoeveel cofinanciering moeten bedrijven bijdragen?"
    second = "En bij wie moet ik dan zijn?"
    assert prod.say(first, sender), "no answer to the first message"
    replies = prod.say(second, sender)

    served_by = upstreams(prod, at_least=before + 2)[before:]
    assert len(served_by) == 2 and served_by[0] != served_by[1], f"both messages went to {served_by}"
    assert set(served_by) == {f"127.0.0.1:{port}" for port in prod_stack.rasa_ports(prod.env)}

    # The second instance knew the region the first one stored.
    assert region.url in " ".join(r.get("text", "") for r in replies)
    conversation = turns(sql_events(prod.engine, sender))
    assert [t.user_text for t in conversation] == [first, second]
    assert "utter_cofinancing_amount" in conversation[0].keys
    assert conversation[0].slots.get("region_id") == region.id
    assert conversation[1].keys == ["region.found_remembered"]

    events = sql_events(prod.engine, sender)
    stamps = [event["timestamp"] for event in events]
    assert stamps == sorted(stamps), "events stored out of order"


def test_the_widgets_socketio_conversation_sticks_to_one_instance(prod):
    """engine.io's long-polling session lives in one Rasa process, so every request of a session
    must reach that process (with plain round-robin every other request gets 400, unknown session)."""
    base = f"{prod.url}/socket.io/?EIO=4&transport=polling"
    origin = {"Origin": prod.env["PUBLIC_URL"]}
    opened = requests.get(base, headers=origin, timeout=10)
    assert opened.status_code == 200, opened.text
    sid = re.search(r'"sid":"([^"]+)"', opened.text)
    assert sid, opened.text
    session_url = f"{base}&sid={sid.group(1)}"
    session_id = str(uuid.uuid4())

    def send(packet: str) -> None:
        response = requests.post(session_url, data=packet.encode(), headers=origin, timeout=10)
        assert response.status_code == 200, response.text

    def receive_until(marker: str, timeout: float = 60) -> str:
        received = ""
        deadline = time.monotonic() + timeout
        while marker not in received and time.monotonic() < deadline:
            poll = requests.get(session_url, headers=origin, timeout=40)
            assert poll.status_code == 200, f"poll refused: {poll.text}"
            received += poll.text
        assert marker in received, received
        return received

    send("40")
    receive_until("40{")
    for _ in range(3):  # several round trips, each a new request through nginx
        send(f'42["session_request",{{"session_id":"{session_id}"}}]')
        receive_until("session_confirm")
    send(f'42["user_uttered",{{"message":"Wij zitten in Zwolle","session_id":"{session_id}"}}]')
    assert "bot_uttered" in receive_until("bot_uttered")

    # 10 requests carry the sid at least; nginx logs a request just after its response, so the
    # last poll's line may lag a moment behind.
    deadline = time.monotonic() + 5
    while True:
        served_by = re.findall(rf"sid={re.escape(sid.group(1))}[^\n]* upstream=(\S+)", prod.access_log.read_text())
        if len(served_by) >= 10 or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(served_by) >= 10 and len(set(served_by)) == 1, f"one session, several instances: {set(served_by)}"


def test_the_console_works_under_console_via_nginx(prod, region_index):
    """Login, static files and redirects under /console/, and the one ingest reads PostgreSQL."""
    region = region_of(region_index, "Lelystad")
    assert prod.say("Wij zitten in Lelystad, bij welke regio horen we?", str(uuid.uuid4()))
    created = subprocess.run(
        [str(CONSOLE_PYTHON), "console/manage.py", "console_user", CONSOLE_USER, "reviewer"],
        cwd=PROJECT_DIR, env={**prod.env, "CONSOLE_PASSWORD": CONSOLE_PASSWORD}, capture_output=True, text=True,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    browser = requests.Session()
    start = browser.get(f"{prod.url}/console/", timeout=10, allow_redirects=False)
    assert start.status_code == 302 and start.headers["Location"].startswith("/console/login/")
    login_page = browser.get(f"{prod.url}/console/login/", timeout=10)
    assert login_page.status_code == 200
    assert 'action="/console/login/"' in login_page.text
    css = re.search(r'href="(/console/static/[^"]+\.css)"', login_page.text)
    assert css, "static files are not under /console/"
    assert browser.get(prod.url + css.group(1), timeout=10).headers["Content-Type"].startswith("text/css")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page.text)
    assert token
    logged_in = browser.post(
        f"{prod.url}/console/login/",
        data={"csrfmiddlewaretoken": token.group(1), "username": CONSOLE_USER, "password": CONSOLE_PASSWORD},
        headers={"Referer": f"{prod.url}/console/login/", "Origin": prod.url},
        timeout=10,
        allow_redirects=False,
    )
    assert logged_in.status_code == 302 and logged_in.headers["Location"] == "/console/"
    deadline = time.monotonic() + 20  # the ingest polls every CONSOLE_INGEST_INTERVAL (2 s)
    while True:
        listing = browser.get(f"{prod.url}/console/", timeout=10)
        assert listing.status_code == 200
        # A link to a conversation, not just the region's name (the region filter lists them all).
        if 'href="/console/gesprekken/' in listing.text or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert 'href="/console/gesprekken/' in listing.text, "the conversation did not reach the console"
    assert region.name in listing.text


def test_only_nginx_listens_beyond_localhost(prod):
    for name, port in prod.ports().items():
        addresses = local_servers.listen_addresses(port)
        if name == "PROD_PORT":
            assert addresses and not addresses <= {"127.0.0.1", "::1"}, f"nginx listens on {addresses}"
        else:
            assert addresses == {"127.0.0.1"}, f"{name} listens on {addresses}"


def test_nginx_closes_what_is_not_served(prod):
    assert requests.get(f"{prod.url}/webhooks/rest/webhook", timeout=10).status_code == 403
    too_big = {"sender": str(uuid.uuid4()), "message": "x" * 20_000}
    assert requests.post(f"{prod.url}/webhooks/rest/webhook", json=too_big, timeout=10).status_code == 413
    # Rasa's other routes (its status page, the HTTP API) are not behind nginx: the web page answers.
    assert requests.get(f"{prod.url}/status", timeout=10).status_code == 404
    assert requests.post(f"{prod.url}/model/parse", json={"text": "hoi"}, timeout=10).status_code == 403


def rasa_process_group(port: str) -> int:
    """The process group of the Rasa instance serving `port` (each service has its own)."""
    found = subprocess.run(
        ["pgrep", "-f", f"sto_assistent.rasa_server run .*--port {port}"], capture_output=True, text=True
    ).stdout.split()
    assert len(found) == 1, f"expected one Rasa process on port {port}, found {found}"
    return os.getpgid(int(found[0]))


def test_a_killed_instance_loses_no_turn_and_is_started_again(prod, region_index):
    """Last in this module: it kills rasa-1 (SIGKILL, no clean-up) in the middle of a conversation."""
    region = region_of(region_index, "Zwolle")
    first_port = prod_stack.rasa_ports(prod.env)[0]
    sender = str(uuid.uuid4())
    assert region.name in " ".join(r.get("text", "") for r in prod.say("Wij zitten in Zwolle.", sender))

    os.killpg(rasa_process_group(first_port), signal.SIGKILL)
    follow_ups = ["Bij wie kan ik terecht?", "Hoeveel moeten bedrijven bijdragen?", "En wie is ons aanspreekpunt?"]
    for text in follow_ups:
        started = time.monotonic()
        replies = prod.say(text, sender)
        assert time.monotonic() - started < 5, "nginx did not move on to the living instance at once"
        assert replies, f"no answer to {text!r}"
    conversation = turns(sql_events(prod.engine, sender))
    assert [t.user_text for t in conversation] == ["Wij zitten in Zwolle.", *follow_ups]
    assert region.name in conversation[1].text + conversation[3].text, "the region was forgotten"

    # The launcher starts the killed instance again; nginx uses it again once it answers.
    local_servers.wait_for(f"http://127.0.0.1:{first_port}/webhooks/health/ready", timeout=180)
    before = len(upstreams(prod))
    for _ in range(4):
        assert prod.say("Wat is Sterk Techniekonderwijs?", str(uuid.uuid4()))
    assert f"127.0.0.1:{first_port}" in upstreams(prod, at_least=before + 4)[before:]
    assert "Service 'rasa-1' stopped unexpectedly; starting it again." in prod.log.read_text()
