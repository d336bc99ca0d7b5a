"""The guarded tracker store on a real SQLite file, without servers (sto_assistent/tracker_store.py)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time
import uuid

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered

from sto_assistent.tracker_store import GuardedSQLTrackerStore
from sto_assistent.turn_outcome import begin_turn, end_turn


def ready_store(path) -> GuardedSQLTrackerStore:
    store = GuardedSQLTrackerStore(domain=Domain.empty(), host=f"sqlite:///{path}")
    assert store.schema_ready.wait(10), "the tables were not created"
    return store


def stored_user_texts(path, sender: str) -> list[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data)["text"] for (data,) in rows if json.loads(data)["event"] == "user"]


async def one_turn(store: GuardedSQLTrackerStore, sender: str, text: str, meanwhile=None) -> bool:
    """Load, add a message, (let something else happen), save; True when the turn counts."""
    turn, token = begin_turn(10)
    try:
        tracker = await store.get_or_create_tracker(sender)
        tracker.update(UserUttered(text))
        tracker.update(ActionExecuted("action_listen"))
        if meanwhile:
            await meanwhile()
        await store.save(tracker)
        return not turn.store_failed
    finally:
        end_turn(token)


def test_turns_are_stored_in_order(tmp_path):
    path, sender = tmp_path / "c.db", str(uuid.uuid4())
    store = ready_store(path)
    assert asyncio.run(one_turn(store, sender, "eerste"))
    assert asyncio.run(one_turn(store, sender, "tweede"))
    assert stored_user_texts(path, sender) == ["eerste", "tweede"]


def test_a_conversation_changed_under_a_turn_voids_the_turn_instead_of_misplacing_events(tmp_path):
    """What a late commit or a second instance would do: events stored between load and save."""
    path, sender = tmp_path / "c.db", str(uuid.uuid4())
    store, other = ready_store(path), ready_store(path)
    assert asyncio.run(one_turn(store, sender, "eerste"))

    async def another_writer() -> None:
        assert await one_turn(other, sender, "ertussen")

    assert not asyncio.run(one_turn(store, sender, "tweede", meanwhile=another_writer)), "the turn was not voided"
    assert stored_user_texts(path, sender) == ["eerste", "ertussen"], "events were misplaced or lost"


def test_a_locked_database_fails_the_turn_within_its_timeout_and_recovers(tmp_path, monkeypatch):
    monkeypatch.setenv("DEPENDENCY_RETRY_SECONDS", "0.5")
    path, sender = tmp_path / "c.db", str(uuid.uuid4())
    store = ready_store(path)
    lock = sqlite3.connect(path, isolation_level=None)
    lock.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    try:
        assert not asyncio.run(one_turn(store, sender, "tijdens de storing"))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    assert time.monotonic() - started < 2 * store.timeout + 1
    assert stored_user_texts(path, sender) == [], "a void turn was stored"
    time.sleep(0.6)
    assert asyncio.run(one_turn(store, sender, "daarna"))
    assert stored_user_texts(path, sender) == ["daarna"]
