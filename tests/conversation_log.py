"""Read what a conversation did from the tracker store: per turn, the recognised intent,
the actions run, the response or message keys sent and the slots set.

Tests assert on these keys (`utter_cofinancing_amount`, `region.found_place`) and on the
facts that matter, instead of on the wording an editor may change. Rasa stores the response
name of a domain answer as `utter_action` and our actions' `message_key` in the metadata of
the BotUttered event; both reach the database before the REST call returns.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IGNORED_ACTIONS = {"action_listen", "action_session_start", "action_unlikely_intent"}


@dataclass
class Turn:
    user_text: str
    intent: str | None
    entities: list[dict[str, Any]] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    actions: list[str] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    slots: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(self.texts)


def turns(events: list[dict[str, Any]]) -> list[Turn]:
    """Split a conversation's events into user turns (events before the first message dropped)."""
    found: list[Turn] = []
    for event in events:
        kind = event.get("event")
        if kind == "user":
            intent = (event.get("parse_data") or {}).get("intent") or {}
            found.append(
                Turn(
                    user_text=event.get("text") or "",
                    intent=intent.get("name"),
                    entities=(event.get("parse_data") or {}).get("entities") or [],
                    metadata=event.get("metadata") or {},
                )
            )
        elif not found:
            continue
        elif kind == "action" and event.get("name") not in IGNORED_ACTIONS:
            found[-1].actions.append(event["name"])
        elif kind == "bot":
            metadata = event.get("metadata") or {}
            key = metadata.get("utter_action") or metadata.get("message_key")
            if key:
                found[-1].keys.append(key)
            found[-1].texts.append(event.get("text") or "")
        elif kind == "slot":
            found[-1].slots[event["name"]] = event.get("value")
    return found


def sqlite_events(db_file: Path, sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(db_file) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(row[0]) for row in rows]


def sql_events(engine: Any, sender: str) -> list[dict[str, Any]]:
    import sqlalchemy as sa

    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s ORDER BY id"), {"s": sender}
        ).fetchall()
    return [json.loads(row[0]) for row in rows]


def stack_turns(stack: Any, sender: str) -> list[Turn]:
    """The turns of one conversation held with the session stack (SQLite)."""
    return turns(sqlite_events(stack.extra["db_file"], sender))


def last_turn(stack: Any, sender: str) -> Turn:
    found = stack_turns(stack, sender)
    assert found, f"no turn stored for {sender}"
    return found[-1]
