"""Conversations are stored in SQL: SQLite by default, PostgreSQL when configured."""
from __future__ import annotations

import json
import sqlite3
import uuid

import sqlalchemy as sa

from tests.servers import say


def test_sqlite_keeps_the_whole_conversation(stack):
    sender = uuid.uuid4().hex
    stack.say("goedemorgen", sender)
    stack.say("Wat is Sterk Techniekonderwijs?", sender)
    with sqlite3.connect(stack.db_file) as db:
        rows = db.execute(
            "SELECT type_name, intent_name, action_name FROM events WHERE sender_id = ? ORDER BY id",
            (sender,),
        ).fetchall()
    intents = [intent for kind, intent, _ in rows if kind == "user"]
    actions = [action for kind, _, action in rows if kind == "action"]
    assert intents == ["greet", "what_is_sto"]
    assert "utter_greet" in actions and "utter_what_is_sto" in actions


def test_postgresql_stores_the_conversation(rasa_on_postgres):
    url, engine = rasa_on_postgres
    sender = uuid.uuid4().hex
    assert "10%" in " ".join(r["text"] for r in say(url, "Hoeveel cofinanciering is nodig?", sender))
    say(url, "stage\u0000 aanbieden <b>nu</b>", sender)
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, intent_name, data FROM events WHERE sender_id = :s ORDER BY id"),
            {"s": sender},
        ).fetchall()
    user_rows = [row for row in rows if row[0] == "user"]
    assert [row[1] for row in user_rows][0] == "cofinancing_amount"
    assert json.loads(user_rows[1][2])["text"] == "stage aanbieden <b>nu</b>"


def test_action_server_down_gives_a_dutch_message_and_keeps_the_message(rasa_on_postgres):
    url, engine = rasa_on_postgres
    sender = uuid.uuid4().hex
    replies = say(url, "We zitten in Zwolle", sender)
    assert len(replies) == 1
    assert "ging aan onze kant iets mis" in replies[0]["text"]
    assert "info@sterktechniekonderwijs.nl" in replies[0]["text"]
    with engine.connect() as connection:
        texts = [json.loads(row[0]).get("text") for row in connection.execute(
            sa.text("SELECT data FROM events WHERE sender_id = :s AND type_name = 'user'"),
            {"s": sender},
        )]
    assert texts == ["We zitten in Zwolle"]
