"""Read access to Rasa's SQL tracker store (`events` table), SQLite file or PostgreSQL.

Its own small connection, not Django's: for SQLite the tracker file is not the console's
database, and for PostgreSQL an autocommit connection sees every commit at once.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import NamedTuple

import psycopg
from psycopg.conninfo import make_conninfo

from console_site import env as console_env

COLUMNS = "id, sender_id, type_name, timestamp, action_name, data"


class EventHead(NamedTuple):
    """The cheap columns: enough to decide whether an event is worth reading in full."""

    id: int
    type_name: str
    action_name: str | None


class EventRow(NamedTuple):
    id: int
    sender_id: str
    type_name: str
    timestamp: float
    action_name: str | None
    data: str


class TrackerEvents:
    """Base: fetch events after an id, and erase a conversation's events."""

    placeholder = "?"

    def fetch_after(self, after_id: int, limit: int) -> list[EventRow]:
        sql = f"SELECT {COLUMNS} FROM events WHERE id > {self.placeholder} ORDER BY id LIMIT {int(limit)}"
        return [EventRow(*row) for row in self._query(sql, (after_id,))]

    def fetch_heads_after(self, after_id: int, limit: int) -> list[EventHead]:
        sql = (
            f"SELECT id, type_name, action_name FROM events WHERE id > {self.placeholder} "
            f"ORDER BY id LIMIT {int(limit)}"
        )
        return [EventHead(*row) for row in self._query(sql, (after_id,))]

    def fetch_ids(self, ids: list[int]) -> list[EventRow]:
        rows: list[EventRow] = []
        for start in range(0, len(ids), 500):
            chunk = [int(i) for i in ids[start : start + 500]]
            marks = ", ".join([self.placeholder] * len(chunk))
            sql = f"SELECT {COLUMNS} FROM events WHERE id IN ({marks}) ORDER BY id"
            rows.extend(EventRow(*row) for row in self._query(sql, tuple(chunk)))
        return rows

    def max_id(self) -> int:
        rows = self._query("SELECT max(id) FROM events", ())
        return (rows[0][0] if rows else None) or 0

    def delete_sender(self, sender_id: str, idle_before: float | None = None) -> int:
        raise NotImplementedError

    def senders_idle_since(self, cutoff: float) -> list[str]:
        """Senders whose newest event is older than `cutoff` (epoch seconds): retention."""
        sql = f"SELECT sender_id FROM events GROUP BY sender_id HAVING max(timestamp) < {self.placeholder}"
        return [row[0] for row in self._query(sql, (cutoff,))]

    def count_events(self, sender_id: str) -> int:
        rows = self._query(f"SELECT count(*) FROM events WHERE sender_id = {self.placeholder}", (sender_id,))
        return rows[0][0] if rows else 0

    def newest_event_at(self, sender_id: str) -> float | None:
        rows = self._query(f"SELECT max(timestamp) FROM events WHERE sender_id = {self.placeholder}", (sender_id,))
        return rows[0][0] if rows else None

    def close(self) -> None:
        pass

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        raise NotImplementedError


class SqliteEvents(TrackerEvents):
    def __init__(self, path):
        self.path = path
        self._local = threading.local()

    def _connection(self, write: bool = False) -> sqlite3.Connection:
        if write:
            return sqlite3.connect(self.path, timeout=20)
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # Read-only: the console never blocks or changes Rasa's file while reading.
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=20, check_same_thread=False)
            self._local.conn = conn
        return conn

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        if not self.path.exists():
            return []
        try:
            return self._connection().execute(sql, params).fetchall()
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):  # Rasa has not created its table yet
                return []
            self.close()
            raise

    def delete_sender(self, sender_id: str, idle_before: float | None = None) -> int:
        """All events of a sender; with `idle_before`, only if none is newer than that (retention:
        a sender who writes again meanwhile keeps the conversation). One statement, so atomic."""
        if not self.path.exists():
            return 0
        sql, params = "DELETE FROM events WHERE sender_id = ?", (sender_id,)
        if idle_before is not None:
            sql += " AND NOT EXISTS (SELECT 1 FROM events WHERE sender_id = ? AND timestamp >= ?)"
            params = (sender_id, sender_id, idle_before)
        conn = self._connection(write=True)
        try:
            with conn:
                return conn.execute(sql, params).rowcount
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return 0
            raise
        finally:
            conn.close()

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


class PostgresEvents(TrackerEvents):
    placeholder = "%s"

    def __init__(self, params: dict[str, str], options: dict[str, str] | None = None):
        self.conninfo = make_conninfo(
            dbname=params["NAME"],
            user=params["USER"] or None,
            password=params["PASSWORD"] or None,
            host=params["HOST"] or None,
            port=params["PORT"] or None,
            **{"application_name": "sto-console-ingest", **(options or {})},
        )
        self._local = threading.local()

    def _connection(self) -> psycopg.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            conn = psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10)
            self._local.conn = conn
        return conn

    def _query(self, sql: str, params: tuple) -> list[tuple]:
        try:
            with self._connection().cursor() as cur:
                cur.execute(sql, params)
                return cur.fetchall()
        except psycopg.errors.UndefinedTable:
            return []
        except psycopg.OperationalError:
            self.close()
            raise

    def delete_sender(self, sender_id: str, idle_before: float | None = None) -> int:
        sql, params = "DELETE FROM events WHERE sender_id = %s", (sender_id,)
        if idle_before is not None:
            sql += " AND NOT EXISTS (SELECT 1 FROM events WHERE sender_id = %s AND timestamp >= %s)"
            params = (sender_id, sender_id, idle_before)
        try:
            with self._connection().cursor() as cur:
                cur.execute(sql, params)
                return cur.rowcount
        except psycopg.errors.UndefinedTable:
            return 0

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None


def events_for_url(url: str) -> TrackerEvents:
    if console_env.is_sqlite(url):
        return SqliteEvents(console_env.sqlite_path(url))
    return PostgresEvents(console_env.postgres_params(url), console_env.postgres_options(url))


def default_events() -> TrackerEvents:
    from django.conf import settings

    return events_for_url(settings.TRACKER_STORE_URL)
