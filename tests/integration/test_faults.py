"""Real outages of the Rasa server's dependencies, made the way they happen.

One Rasa server (the trained model, sto_assistent.rasa_server as everywhere) stores in a fresh
PostgreSQL database and locks in Redis, both reached through a TCP proxy (tests/tcp_proxy.py)
that refuses or stalls; its action server is a real process that is stopped (SIGSTOP: it
accepts and never answers), slowed, or killed. Each case asserts what a user and an operator
see: a Dutch reply within 5 s, nothing lost (stored, or the user told to send it again),
the conversation's context kept, readiness reporting the broken part, and recovery without a
restart. The server starts with the database refused, which is the start-up case.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from channels.messages import MESSAGES
from sto_assistent import local_servers, prod_stack
from sto_assistent.action_calls import APOLOGY_KEY
from sto_assistent.services import actions_command, rasa_command
from sto_assistent.settings import MODEL_PATH
from tests.conversation_log import sql_events, turns
from tests.integration.test_prod_stack import fresh_database
from tests.tcp_proxy import TcpProxy

REPLY_BUDGET_SECONDS = 5.0
# DEPENDENCY_RETRY_SECONDS of the server under test: long enough that a known-down dependency is
# not probed again within one test step, short enough for recovery to be quick.
RETRY_SECONDS = 5
TOWN, FOLLOW_UP = "Wij zijn een installatiebedrijf in Zwolle.", "Bij wie kan ik terecht?"


@dataclass
class FaultyServer:
    rasa_url: str
    actions_port: int
    actions: subprocess.Popen[bytes]
    database: TcpProxy
    redis: TcpProxy
    engine: Any
    workdir: Path

    def say(self, text: str, sender: str) -> tuple[list[dict[str, Any]], float]:
        """The replies and how long they took (printed: `pytest -s` shows each case's time)."""
        started = time.monotonic()
        replies = local_servers.say(self.rasa_url, text, sender)
        took = time.monotonic() - started
        print(f"[fault timing] {os.environ.get('PYTEST_CURRENT_TEST', '').split(' ')[0]}: {took:.2f} s")
        return replies, took

    def readiness(self) -> tuple[int, dict[str, Any]]:
        answer = requests.get(f"{self.rasa_url}/webhooks/health/ready", timeout=5)
        return answer.status_code, answer.json()

    def wait_until_ready(self, timeout: float = 20) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status, body = self.readiness()
            if status == 200 and body["status"] == "ready":
                return body
            if time.monotonic() > deadline:
                pytest.fail(f"not ready again {timeout} s after the fault ended: {body}")
            time.sleep(0.5)

    def start_actions(self) -> None:
        self.actions = local_servers.start_process(
            actions_command(str(self.actions_port)), {}, self.workdir / f"actions-{time.time():.0f}.log"
        )
        local_servers.wait_for(f"http://127.0.0.1:{self.actions_port}/health", self.actions)

    def stored(self, sender: str) -> list[Any]:
        return turns(sql_events(self.engine, sender))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FaultyServer]:
    if not MODEL_PATH.exists():
        pytest.fail(f"No trained model at {MODEL_PATH}: run `make train` (make test does).")
    workdir = tmp_path_factory.mktemp("faults")
    db_name = f"sto_faults_{uuid.uuid4().hex[:8]}"
    db_url, engine = fresh_database(db_name)
    prod_stack.ensure_database(db_url)  # an empty database: the tables are Rasa's to create
    database, redis = TcpProxy(5432).start(), TcpProxy(6379).start()
    database.refuse()  # the start-up case: the database is down when Rasa starts
    actions_port, rasa_port = local_servers.free_port(), local_servers.free_port()
    actions = local_servers.start_process(actions_command(str(actions_port)), {}, workdir / "actions.log")
    proxied_db = db_url.replace(":5432/", f":{database.port}/")
    rasa = local_servers.start_process(
        rasa_command(str(rasa_port), host="127.0.0.1"),
        {
            "TRACKER_STORE_URL": proxied_db,
            "LOCK_STORE_TYPE": "sto_assistent.lock_store.AtomicRedisLockStore",
            "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
            "DEPENDENCY_RETRY_SECONDS": str(RETRY_SECONDS),
        },
        workdir / "rasa.log",
    )
    faulty = FaultyServer(f"http://127.0.0.1:{rasa_port}", actions_port, actions, database, redis, engine, workdir)
    try:
        local_servers.wait_for(f"http://127.0.0.1:{actions_port}/health", actions)
        local_servers.wait_for(f"{faulty.rasa_url}/webhooks/health/", rasa)
        yield faulty
    finally:
        if faulty.actions.poll() is None:
            os.killpg(faulty.actions.pid, signal.SIGCONT)
        local_servers.stop_process(faulty.actions)
        local_servers.stop_process(rasa)
        database.stop()
        redis.stop()
        engine.dispose()
        prod_stack.drop_database(db_url)


def text_of(replies: list[dict[str, Any]]) -> str:
    return " ".join(r.get("text") or "" for r in replies)


def assert_not_processed(replies: list[dict[str, Any]], took: float) -> None:
    assert took < REPLY_BUDGET_SECONDS, f"the user waited {took:.1f} s"
    assert [r.get("text") for r in replies] == [MESSAGES["not_processed"]]
    assert replies[0].get("custom") == {"status": "not_processed"}, "the widget could not offer to resend"


def known_region(server: FaultyServer) -> str:
    """A conversation that has named its town, with everything up."""
    server.database.forward()  # the server started without it (the first test), whichever test runs
    server.wait_until_ready()
    sender = str(uuid.uuid4())
    replies, _ = server.say(TOWN, sender)
    assert "Zwolle" in text_of(replies)
    return sender


def assert_answers_from_the_remembered_region(server: FaultyServer, sender: str) -> None:
    replies, took = server.say(FOLLOW_UP, sender)
    assert took < REPLY_BUDGET_SECONDS
    assert "Zwolle" in text_of(replies), f"the town was forgotten: {replies}"


def test_start_up_without_the_database_reports_not_ready_and_creates_the_tables_later(server):
    status, body = server.readiness()
    assert status == 503 and body["status"] == "not_ready" and body["checks"]["tracker_store"] != "ok"
    sender = str(uuid.uuid4())
    replies, took = server.say(TOWN, sender)
    assert_not_processed(replies, took)

    server.database.forward()
    assert server.wait_until_ready()["checks"]["tracker_store"] == "ok"
    replies, _ = server.say(TOWN, sender)  # what the widget's "Opnieuw versturen" sends
    assert "Zwolle" in text_of(replies)
    assert [t.user_text for t in server.stored(sender)] == [TOWN], "the fresh database got its tables"


def refused_while_a_conversation_goes_on(server: FaultyServer, proxy: TcpProxy) -> tuple[str, dict[str, Any]]:
    """A conversation names its town, the proxied dependency refuses for one message, comes back;
    the conversation and the readiness report during the outage."""
    sender = known_region(server)
    proxy.refuse()
    try:
        replies, took = server.say(FOLLOW_UP, sender)
        assert_not_processed(replies, took)
        status, body = server.readiness()
        assert status == 503, body
    finally:
        proxy.forward()
    server.wait_until_ready()
    assert_answers_from_the_remembered_region(server, sender)
    return sender, body


def test_database_refusing_loses_nothing_and_keeps_the_region(server):
    sender, readiness = refused_while_a_conversation_goes_on(server, server.database)
    assert "refused" in readiness["checks"]["tracker_store"].lower()
    assert [t.user_text for t in server.stored(sender)] == [TOWN, FOLLOW_UP]


def test_a_stalled_database_blocks_no_other_conversation(server):
    sender, other = known_region(server), str(uuid.uuid4())
    server.database.stall()
    try:
        replies, took = server.say(FOLLOW_UP, sender)
        assert_not_processed(replies, took)
        started = time.monotonic()
        alive = requests.get(f"{server.rasa_url}/webhooks/health/", timeout=5)
        assert alive.status_code == 200 and time.monotonic() - started < 1, "the event loop is blocked"
        replies, took = server.say("Wat is Sterk Techniekonderwijs?", other)
        assert_not_processed(replies, took)
        assert server.readiness()[0] == 503
    finally:
        server.database.forward()
    server.wait_until_ready()
    assert_answers_from_the_remembered_region(server, sender)
    assert [t.user_text for t in server.stored(sender)] == [TOWN, FOLLOW_UP]
    assert server.stored(other) == [], "a message the user was told to resend was stored anyway"


def test_a_hanging_action_server_gets_a_stored_apology_within_seconds(server):
    sender = known_region(server)
    os.killpg(server.actions.pid, signal.SIGSTOP)  # accepts connections, never answers
    try:
        replies, took = server.say(FOLLOW_UP, sender)
        assert took < REPLY_BUDGET_SECONDS, f"the user waited {took:.1f} s"
        assert text_of(replies) == MESSAGES["action_failed"]
        status, body = server.readiness()
        assert status == 200 and body["status"] == "degraded" and body["checks"]["action_server"] != "ok"
        replies, took = server.say(FOLLOW_UP, sender)  # the server is known down: no new wait
        assert took < 1 and text_of(replies) == MESSAGES["action_failed"]
    finally:
        os.killpg(server.actions.pid, signal.SIGCONT)
    stored = server.stored(sender)
    assert [t.user_text for t in stored] == [TOWN, FOLLOW_UP, FOLLOW_UP]
    assert stored[1].keys == [APOLOGY_KEY] and stored[1].texts == [MESSAGES["action_failed"]]
    time.sleep(RETRY_SECONDS)
    server.wait_until_ready()
    assert_answers_from_the_remembered_region(server, sender)


def test_a_slow_action_server_still_answers(server):
    sender = known_region(server)
    os.killpg(server.actions.pid, signal.SIGSTOP)
    resume = threading.Timer(1.5, os.killpg, (server.actions.pid, signal.SIGCONT))
    resume.start()
    try:
        replies, took = server.say(FOLLOW_UP, sender)
    finally:
        resume.join()
        os.killpg(server.actions.pid, signal.SIGCONT)
    assert 1.5 <= took < REPLY_BUDGET_SECONDS
    assert "Zwolle" in text_of(replies)


def test_a_refused_action_server_gets_the_apology_and_recovers_when_back(server):
    sender = known_region(server)
    local_servers.stop_process(server.actions)
    try:
        replies, took = server.say(FOLLOW_UP, sender)
        assert took < REPLY_BUDGET_SECONDS and text_of(replies) == MESSAGES["action_failed"]
        assert server.stored(sender)[-1].keys == [APOLOGY_KEY]
    finally:
        server.start_actions()
    time.sleep(RETRY_SECONDS)
    server.wait_until_ready()
    assert_answers_from_the_remembered_region(server, sender)


def test_redis_down_tells_the_user_to_resend_and_recovers(server):
    sender, readiness = refused_while_a_conversation_goes_on(server, server.redis)
    assert readiness["checks"]["lock_store"] != "ok" and readiness["checks"]["tracker_store"] == "ok"
    assert [t.user_text for t in server.stored(sender)] == [TOWN, FOLLOW_UP]


def test_the_logs_hold_no_user_text(server):
    """Last in the module: after every outage above, the operator's logs name conversations and
    dependencies, never what a company typed (default log level)."""
    logs = "".join(path.read_text(errors="replace") for path in server.workdir.glob("*.log"))
    assert "Conversation database is unavailable" in logs, "the start-up outage was not logged"
    for typed in (TOWN, FOLLOW_UP, "installatiebedrijf"):
        assert typed not in logs, f"user text in the logs: {typed!r}"
