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

    @staticmethod
    def event(sender: str, type_name: str, data: dict, ts: float | None = None) -> dict:
        """Any other event type (`active_loop`, `session_started`, `user_featurization`, ...)."""
        ts = ts if ts is not None else time.time()
        return {
            "sender_id": sender,
            "type_name": type_name,
            "timestamp": ts,
            "intent_name": None,
            "action_name": None,
            "data": json.dumps({"event": type_name, "timestamp": ts, **data}),
        }

    # -- the contact form, as Rasa writes it (domain/contact.yml, actions/contact_form.py) ------
    FORM = "contact_request_form"

    def form_asks(self, sender: str, slot: str, ts: float, extra_slots: dict | None = None) -> list[dict]:
        """The form's run that asks for `slot`: the form action, slot events it sets on the way
        (`extra_slots`), `requested_slot`, the ask action and its question."""
        rows = [self.action_event(sender, self.FORM, ts)]
        rows += [self.slot_event(sender, name, value, ts + 0.01) for name, value in (extra_slots or {}).items()]
        rows += [
            self.slot_event(sender, "requested_slot", slot, ts + 0.02),
            self.action_event(sender, f"action_ask_{slot}", ts + 0.03),
            self.bot_event(sender, f"Vraag naar {slot}", None, ts + 0.04),
        ]
        return rows

    def form_answer(self, sender: str, slot: str, text: str, ts: float, intent: str = "inform") -> list[dict]:
        """The user's answer and the form's slot event for it (quiet in the console)."""
        return [
            self.user_event(sender, text, intent, 0.42, ts),
            self.event(sender, "user_featurization", {"use_text_for_featurization": False}, ts + 0.01),
            self.action_event(sender, self.FORM, ts + 0.02),
            self.slot_event(sender, slot, text, ts + 0.03),
        ]

    def form_ends(self, sender: str, ts: float, response: str = "contact.stopped") -> list[dict]:
        return [
            self.slot_event(sender, "requested_slot", None, ts),
            self.event(sender, "active_loop", {"name": None}, ts + 0.01),
            self.bot_event(sender, "Prima, ik stuur niets door en bewaar niets.", response, ts + 0.02),
        ]

    def stopped_contact_form(
        self,
        answers: list[tuple[str, str]] | None = None,
        stop: tuple[str, str, str] = ("contact_email", "stop", "stop"),
        after: str | None = "Wat is STO?",
        sender: str | None = None,
        ts: float | None = None,
    ) -> str:
        """A conversation in which the user asks for contact, starts the form, answers
        `answers` ([(slot, text)], each asked before it is answered), then answers the question
        `stop` = (slot, text, intent) with "stop" (or says "nee" to the consent question), the
        form ends (requested_slot null) and `after` is asked. Returns the sender id."""
        sender = sender or uuid.uuid4().hex
        ts = ts if ts is not None else time.time()
        answers = answers if answers is not None else [("contact_name", "Henk Bosman")]
        rows = [
            self.event(sender, "session_started", {}, ts),
            self.user_event(sender, "Kan iemand mij terugbellen?", "human_handoff", 0.91, ts + 1),
            self.action_event(sender, "action_offer_contact_request", ts + 1.1),
            self.bot_event(sender, "Zal ik een contactverzoek doorsturen?", None, ts + 1.2),
            self.user_event(sender, "ja", "affirm", 0.98, ts + 2),
            self.action_event(sender, "action_contact_request_start", ts + 2.1),
            self.event(sender, "active_loop", {"name": self.FORM}, ts + 2.2),
        ]
        at = ts + 2.3
        for slot, text in answers:
            rows += self.form_asks(sender, slot, at)
            rows += self.form_answer(sender, slot, text, at + 1)
            at += 2
        stop_slot, stop_text, stop_intent = stop
        rows += self.form_asks(sender, stop_slot, at)
        rows += [
            self.user_event(sender, stop_text, stop_intent, 0.95, at + 1),
            self.action_event(sender, self.FORM, at + 1.1),
        ]
        rows += self.form_ends(sender, at + 1.2)
        if after:
            rows += [
                self.user_event(sender, after, "what_is_sto", 0.97, at + 3),
                self.action_event(sender, "utter_what_is_sto", at + 3.1),
                self.bot_event(sender, "STO is ...", "utter_what_is_sto", at + 3.2),
            ]
        self.insert(rows)
        return sender

    @staticmethod
    def contact_request_value(**overrides) -> dict:
        """The value of the assistant's `contact_request` slot (one confirmed contact request)."""
        value = {
            "id": uuid.uuid4().hex,
            "version": 1,
            "created_at": "2026-12-02T13:55:00+00:00",
            "name": "Henk Bosman",
            "company": "Bosman Grondverzet BV",
            "email": "henk@bosman.nl",
            "phone": "+31641237788",
            "question": "Wij willen stageplekken aanbieden, hoe pakken we dat aan?",
            "region_id": "deventertwello",
            "region_name": "Deventer-Twello",
            "consent_text": "Mogen wij uw gegevens doorsturen naar STO Deventer-Twello?",
        }
        value.update(overrides)
        return value

    def contact_request(self, value=..., sender: str | None = None, ts: float | None = None) -> str:
        """A conversation in which the user fills the contact form and confirms: the form's slots
        (quiet in the console) and one `contact_request` slot event with `value` (default: a
        valid request). Returns the sender id."""
        sender = sender or uuid.uuid4().hex
        ts = ts if ts is not None else time.time()
        value = self.contact_request_value() if value is ... else value
        rows = [
            self.user_event(sender, "Ik wil graag contact met de regio", "human_handoff", 0.93, ts),
            self.bot_event(sender, "Wat is uw naam?", "utter_ask_contact_name", ts + 0.1),
            self.user_event(sender, "Henk Bosman", "inform", 0.6, ts + 1),
            self.slot_event(sender, "contact_name", "Henk Bosman", ts + 1.1),
            self.slot_event(sender, "contact_email", "henk@bosman.nl", ts + 1.2),
            self.slot_event(sender, "requested_slot", None, ts + 1.3),
            self.slot_event(sender, "contact_request", value, ts + 2),
            # the action server clears it at once (actions/contact_request.py, handover_events)
            self.slot_event(sender, "contact_request", None, ts + 2.01),
            self.slot_event(sender, "contact_stopped", None, ts + 2.02),
            self.bot_event(sender, "Dank u, wij sturen uw vraag door.", "utter_contact_request_sent", ts + 2.1),
        ]
        self.insert(rows)
        return sender

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
