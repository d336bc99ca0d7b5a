"""Rasa's SQL tracker store, made safe for a database that refuses, stalls or is not there yet.

Rasa 3.6's `SQLTrackerStore` runs every query on the event loop without a timeout (a stalled
database freezes the whole server), loops forever in its constructor while the database is
down, and Rasa's fail-safe wrapper then answers from an empty conversation and keeps the turns
in process memory only. This store, configured in endpoints.yml:

    tracker_store:
      type: sto_assistent.tracker_store.GuardedSQLTrackerStore
      url: ${TRACKER_STORE_URL}          # sqlite:///… or postgresql://…

- runs each query in a small thread pool, so a slow database never blocks other conversations
  or the health checks; a query gets DB_TIMEOUT_SECONDS, the driver gets its own timeouts, and
  a query still stuck after its timeout has its socket shut, so no thread stays stuck;
- after a failure counts the database as down (`circuit`) and stops waiting on it, probing
  again every DEPENDENCY_RETRY_SECONDS; recovery needs no restart;
- starts without the database: it creates the tables in the background as soon as the
  database answers, and reports "not ready" until then (sto_assistent/health.py);
- never answers from an empty conversation: a failed load or save marks the turn
  (turn_outcome), the save of that turn is skipped, and the channel tells the user the message
  did not go through, so the widget can send it again. Nothing is kept in memory only;
- never commits what the user was told did not go through: a query past its timeout is void
  (not retried, not committed, skipped if it had not started), and a save that finds another
  number of events stored than the turn loaded (Rasa appends by that number) voids the turn.

The table is Rasa's own `events` table; the console reads it unchanged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import event
from sqlalchemy.engine import make_url

from sto_assistent.circuit import Circuit
from sto_assistent.settings import setting
from sto_assistent.turn_outcome import STORE, current_turn

logger = logging.getLogger(__name__)

T = TypeVar("T")
THREADS = 8  # concurrent queries per Rasa process (and connections in the pool)
START_UP_RETRY_SECONDS = 2.0


class TrackerStoreUnavailable(ConnectionError):
    """The database did not answer in time or refused; raised only outside a channel's turn."""


class VoidQuery(RuntimeError):
    """The query outlived its timeout: the caller has moved on, so it must not commit."""


class ConversationChanged(RuntimeError):
    """Events were stored for this conversation since this turn loaded it."""


def engine_options(url: str, timeout: float) -> dict[str, Any]:
    """Timeouts in the driver too, so a query that is cut short also ends on the server."""
    millis = int(timeout * 1000)
    if make_url(url).drivername.startswith("postgresql"):
        return {
            "pool_size": THREADS,
            "max_overflow": 0,
            "pool_timeout": timeout,
            "pool_recycle": 300,
            "connect_args": {
                "connect_timeout": max(2, round(timeout)),  # libpq's minimum is 2 s
                "options": f"-c statement_timeout={millis} -c idle_in_transaction_session_timeout={10 * millis}",
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 2,
                "keepalives_count": 3,
                "tcp_user_timeout": 2 * millis,
            },
        }
    return {"connect_args": {"timeout": timeout, "check_same_thread": False}}


class GuardedSQLTrackerStore(SQLTrackerStore):
    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None, **kwargs: Any) -> None:
        # Not SQLTrackerStore.__init__: it blocks until the database answers.
        TrackerStore.__init__(self, domain, event_broker, **kwargs)
        if not host:
            raise ValueError("GuardedSQLTrackerStore needs a database URL (tracker_store.url)")
        self.timeout = float(setting("DB_TIMEOUT_SECONDS"))
        self.engine = sa.create_engine(host, **engine_options(host, self.timeout))
        self.sessionmaker = sa.orm.sessionmaker(bind=self.engine)
        self.circuit = Circuit("Conversation database", float(setting("DEPENDENCY_RETRY_SECONDS")))
        self._executor = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="tracker-db")
        self._sockets: dict[int, int] = {}  # worker thread -> socket of the connection it uses
        self._job = threading.local()  # the worker's current job (its "void" flag)
        event.listen(self.engine, "checkout", self._remember_socket)
        for done in ("checkin", "invalidate", "close"):  # the socket may be reused from here on
            event.listen(self.engine, done, self._forget_socket)
        self.schema_ready = threading.Event()
        threading.Thread(target=self._prepare_schema, name="tracker-db-schema", daemon=True).start()

    # ---------- Rasa's interface ----------
    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        return await self._load(sender_id, all_sessions=False)

    async def retrieve_full_tracker(self, conversation_id: str) -> DialogueStateTracker | None:
        return await self._load(conversation_id, all_sessions=True)

    async def save(self, tracker: DialogueStateTracker) -> None:
        turn = current_turn()
        if turn and turn.store_failed:
            return  # this turn ran on an empty conversation, or the user was told to resend
        expected = turn.loaded_events.pop(tracker.sender_id, None) if turn else None
        await self.stream_events(tracker)
        await self._guarded("save", self._store_new_events, tracker, expected)

    async def keys(self) -> Iterable[str]:
        result = await self._guarded("keys", self._sender_ids)
        return result or []

    # ---------- readiness ----------
    async def problem(self) -> str | None:
        """Why the database cannot be used now (None when it answers)."""
        if not self.schema_ready.is_set():
            return self.circuit.reason or "not reachable yet (start-up)"
        if await self._guarded("check", self._ping, mark_turn=False) is None:
            return self.circuit.reason or "not reachable"
        return None

    # ---------- the guard around every query ----------
    async def _load(self, sender_id: str, all_sessions: bool) -> DialogueStateTracker | None:
        found = await self._guarded("load", self._load_events, sender_id, all_sessions)
        turn = current_turn()
        if turn and not turn.store_failed and not all_sessions:
            turn.loaded_events[sender_id] = len(found or [])
        if not found:  # no conversation yet, or the database failed (then the turn is marked)
            return None
        return DialogueStateTracker.from_dict(sender_id, found, self.domain.slots)

    async def _guarded(self, operation: str, query: Callable[..., T], *args: Any, mark_turn: bool = True) -> T | None:
        """Run `query` in a worker thread within the timeout; None (and a marked turn) if it fails."""
        turn = current_turn() if mark_turn else None
        if not self.schema_ready.is_set() or not self.circuit.allow():
            self._failed(operation, turn, None)
            return None
        worker: dict[str, int] = {}
        future = asyncio.get_running_loop().run_in_executor(self._executor, self._in_worker, worker, query, *args)
        try:
            result = await asyncio.wait_for(asyncio.shield(future), self.timeout)
        except asyncio.TimeoutError:
            worker["void"] = 1
            self._cut(worker)
            self.circuit.failed(f"no answer within {self.timeout:g} s")
            self._failed(operation, turn, None)
            return None
        except ConversationChanged:
            logger.warning("Conversation changed while a turn ran (another instance, a late commit); turn void")
            self._failed(operation, turn, None)
            return None
        except Exception as error:  # noqa: BLE001 - any driver error means the database failed
            self.circuit.failed(f"{type(error).__name__}: {str(error).strip().splitlines()[0] if str(error) else ''}")
            self._failed(operation, turn, error)
            return None
        self.circuit.succeeded()
        return result

    def _failed(self, operation: str, turn: Any, error: Exception | None) -> None:
        """Mark the turn (the channel then asks the user to resend); outside a turn, raise."""
        if turn is not None:
            turn.fail(STORE)
            logger.info("Database %s failed: message not processed, the user is asked to send it again", operation)
        elif operation != "check":
            raise TrackerStoreUnavailable(f"conversation database: {operation} failed") from error

    def _in_worker(self, worker: dict[str, int], query: Callable[..., T], *args: Any) -> T:
        worker["thread"] = threading.get_ident()
        self._job.current = worker
        try:
            self._check_not_void()  # queued past its timeout: the caller has moved on
            try:
                return query(*args)
            except sa.exc.DBAPIError as error:
                # A pooled connection the database closed (restart, outage) fails once: try a
                # fresh one, unless this query was cut short on purpose.
                if not error.connection_invalidated or worker.get("void"):
                    raise
                return query(*args)
        finally:
            self._sockets.pop(worker["thread"], None)
            self._job.current = None

    def _check_not_void(self) -> None:
        job = getattr(self._job, "current", None)
        if job and job.get("void"):
            raise VoidQuery("past its timeout")

    def _forget_socket(self, *_: Any) -> None:
        self._sockets.pop(threading.get_ident(), None)

    def _remember_socket(self, dbapi_connection: Any, record: Any, proxy: Any) -> None:
        fileno = getattr(dbapi_connection, "fileno", None)  # psycopg2 has one, sqlite3 not
        if callable(fileno):
            self._sockets[threading.get_ident()] = fileno()

    def _cut(self, worker: dict[str, int]) -> None:
        """Shut the socket of a query that outlived its timeout: the driver raises, the
        worker thread is free again, the server rolls the transaction back."""
        fileno = self._sockets.get(worker.get("thread", -1))
        if fileno is None:
            return
        try:
            with socket.socket(fileno=os.dup(fileno)) as stuck:
                stuck.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _prepare_schema(self) -> None:
        """Create the tables once the database answers (retrying in the background)."""
        while True:
            try:
                self.Base.metadata.create_all(self.engine)
            except sa.exc.SQLAlchemyError as error:
                self.circuit.failed(f"tables not created yet: {type(error).__name__}")
                threading.Event().wait(START_UP_RETRY_SECONDS)
                continue
            self.schema_ready.set()
            self.circuit.succeeded()
            return

    # ---------- the queries (run in worker threads) ----------
    def _load_events(self, sender_id: str, all_sessions: bool) -> list[dict[str, Any]]:
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=all_sessions).all()
            return [json.loads(row.data) for row in rows]

    def _store_new_events(self, tracker: DialogueStateTracker, expected: int | None) -> None:
        with self.session_scope() as session:
            if expected is not None:
                stored = self._event_query(session, tracker.sender_id, fetch_events_from_all_sessions=False).count()
                if stored != expected:
                    raise ConversationChanged(f"{stored} events stored, {expected} loaded")
            for item in self._additional_events(session, tracker):
                data = item.as_dict()
                session.add(
                    self.SQLEvent(
                        sender_id=tracker.sender_id,
                        type_name=item.type_name,
                        timestamp=data.get("timestamp"),
                        intent_name=data.get("parse_data", {}).get("intent", {}).get("name"),
                        action_name=data.get("name"),
                        data=json.dumps(data),
                    )
                )
            self._check_not_void()
            session.commit()

    def _sender_ids(self) -> list[str]:
        with self.session_scope() as session:
            return [sender for (sender,) in session.query(self.SQLEvent.sender_id).distinct().all()]

    def _ping(self) -> bool:
        with self.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return True
