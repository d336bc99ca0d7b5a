"""A Rasa `events` table for tests, in Rasa's own schema, on SQLite or PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from pathlib import Path

import psycopg

from conversations.tracker_source import PostgresEvents, SqliteEvents

DATA_DIR = Path(__file__).resolve().parent / "data"
# The schema Rasa 3.6's SQLTrackerStore creates (checked on a real var/conversations.db).
SQLITE_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT,
    PRIMARY KEY (id));
CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id);
"""
POSTGRES_SCHEMA = """
CREATE SEQUENCE IF NOT EXISTS events_seq;
CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL DEFAULT nextval('events_seq') PRIMARY KEY,
    sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL, timestamp FLOAT,
    intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT);
CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id);
"""
COLUMNS = ("sender_id", "type_name", "timestamp", "intent_name", "action_name", "data")


def recorded_events() -> list[dict]:
    """Events of ten real conversations with the assistant (tools/demo_data.py, REST)."""
    return json.loads((DATA_DIR / "rasa_events.json").read_text(encoding="utf-8"))


class TestTracker:
    def __init__(self, url: str, source):
        self.url = url
        self.source = source

    # -- writing rows as Rasa does -------------------------------------------------------
    def insert(self, rows: list[dict]) -> list[int]:
        raise NotImplementedError

    def count(self, sender_id: str | None = None) -> int:
        raise NotImplementedError

    def load_recorded(self, time_shift: float = 0.0) -> list[dict]:
        rows = recorded_events()
        for row in rows:
            row["timestamp"] += time_shift
            data = json.loads(row["data"])
            data["timestamp"] = row["timestamp"]
            row["data"] = json.dumps(data)
        self.insert(rows)
        return rows

    # -- synthetic events in Rasa's format ------------------------------------------------
    @staticmethod
    def user_event(
        sender: str,
        text: str,
        intent: str,
        confidence: float,
        ts: float | None = None,
        ranking: list[tuple[str, float]] | None = None,
        channel: str = "rest",
        entities: list[dict] | None = None,
    ) -> dict:
        ts = ts if ts is not None else time.time()
        ranking = ranking or []
        data = {
            "event": "user",
            "timestamp": ts,
            "text": text,
            "input_channel": channel,
            "message_id": uuid.uuid4().hex,
            "metadata": {},
            "parse_data": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": entities or [],
                "text": text,
                "message_id": uuid.uuid4().hex,
                "intent_ranking": [{"name": intent, "confidence": confidence}]
                + [{"name": n, "confidence": c} for n, c in ranking],
            },
        }
        return {
            "sender_id": sender,
            "type_name": "user",
            "timestamp": ts,
            "intent_name": intent,
            "action_name": None,
            "data": json.dumps(data),
        }

    @staticmethod
    def action_event(sender: str, name: str, ts: float | None = None) -> dict:
        ts = ts if ts is not None else time.time()
        data = {"event": "action", "timestamp": ts, "name": name, "policy": "RulePolicy", "confidence": 1.0}
        return {
            "sender_id": sender,
            "type_name": "action",
            "timestamp": ts,
            "intent_name": None,
            "action_name": name,
            "data": json.dumps(data),
        }

    @staticmethod
    def bot_event(
        sender: str, text: str, response: str | None = None, ts: float | None = None, buttons: list[dict] | None = None
    ) -> dict:
        ts = ts if ts is not None else time.time()
        data = {
            "event": "bot",
            "timestamp": ts,
            "text": text,
            "data": {"buttons": buttons},
            "metadata": {"utter_action": response} if response else {},
        }
        return {
            "sender_id": sender,
            "type_name": "bot",
            "timestamp": ts,
            "intent_name": None,
            "action_name": None,
            "data": json.dumps(data),
        }

    @staticmethod
    def slot_event(sender: str, name: str, value, ts: float | None = None) -> dict:
        ts = ts if ts is not None else time.time()
        data = {"event": "slot", "timestamp": ts, "name": name, "value": value}
        return {
            "sender_id": sender,
            "type_name": "slot",
            "timestamp": ts,
            "intent_name": None,
            "action_name": None,
            "data": json.dumps(data),
        }

    def conversation(
        self,
        text: str = "Wat is STO?",
        intent: str = "what_is_sto",
        confidence: float = 0.95,
        ts: float | None = None,
        region: str | None = None,
        sender: str | None = None,
        extra_messages: int = 0,
    ) -> str:
        """One short conversation: user message, the answer, optionally a region slot."""
        sender = sender or uuid.uuid4().hex
        ts = ts if ts is not None else time.time()
        rows = [
            self.user_event(sender, text, intent, confidence, ts, ranking=[("greet", 0.02), ("thank", 0.01)]),
            self.action_event(sender, f"utter_{intent}", ts + 0.1),
            self.bot_event(sender, f"Antwoord op {intent}", f"utter_{intent}", ts + 0.2),
        ]
        if region:
            rows.append(self.slot_event(sender, "region_id", region, ts + 0.3))
        for i in range(extra_messages):
            rows.append(self.user_event(sender, f"Nog een vraag {i}", "greet", 0.9, ts + 1 + i))
        self.insert(rows)
        return sender


class SqliteTestTracker(TestTracker):
    def __init__(self, path: Path):
        self.path = path
        with sqlite3.connect(path) as conn:
            conn.executescript(SQLITE_SCHEMA)
        super().__init__(f"sqlite:///{path}", SqliteEvents(path))

    def insert(self, rows):
        with sqlite3.connect(self.path) as conn:
            ids = []
            for row in rows:
                cur = conn.execute(
                    f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({', '.join('?' * len(COLUMNS))})",
                    [row[c] for c in COLUMNS],
                )
                ids.append(cur.lastrowid)
        return ids

    def count(self, sender_id=None):
        with sqlite3.connect(self.path) as conn:
            if sender_id:
                return conn.execute("SELECT count(*) FROM events WHERE sender_id=?", (sender_id,)).fetchone()[0]
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def drop(self):
        self.source.close()


class PostgresTestTracker(TestTracker):
    def __init__(self, params: dict):
        from console_site.env import postgres_params  # noqa: F401 - same parameter shape

        self.params = params
        source = PostgresEvents(params)
        self.conninfo = source.conninfo
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS events")
            conn.execute("DROP SEQUENCE IF EXISTS events_seq")
            conn.execute(POSTGRES_SCHEMA)
        auth = params["USER"] + (f":{params['PASSWORD']}" if params["PASSWORD"] else "")
        url = f"postgresql://{auth}@{params['HOST'] or 'localhost'}:{params['PORT'] or 5432}/{params['NAME']}"
        super().__init__(url, source)

    def connect(self) -> psycopg.Connection:
        return psycopg.connect(self.conninfo)

    def insert(self, rows, conn: psycopg.Connection | None = None):
        own = conn is None
        conn = conn or psycopg.connect(self.conninfo)
        try:
            ids = []
            with conn.cursor() as cur:
                for row in rows:
                    marks = ", ".join(["%s"] * len(COLUMNS))
                    cur.execute(
                        f"INSERT INTO events ({', '.join(COLUMNS)}) VALUES ({marks}) RETURNING id",
                        [row[c] for c in COLUMNS],
                    )
                    ids.append(cur.fetchone()[0])
            if own:
                conn.commit()
            return ids
        finally:
            if own:
                conn.close()

    def count(self, sender_id=None):
        with psycopg.connect(self.conninfo) as conn:
            if sender_id:
                return conn.execute("SELECT count(*) FROM events WHERE sender_id=%s", (sender_id,)).fetchone()[0]
            return conn.execute("SELECT count(*) FROM events").fetchone()[0]

    def drop(self):
        self.source.close()
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS events")
            conn.execute("DROP SEQUENCE IF EXISTS events_seq")
