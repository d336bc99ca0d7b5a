"""Conversations are stored in SQL: SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

import uuid

import yaml

from channels.messages import MESSAGES, NOT_PROCESSED
from sto_assistent.action_calls import APOLOGY_KEY
from sto_assistent.local_servers import say
from sto_assistent.settings import DEFAULTS, PROJECT_DIR
from tests.conversation_log import sql_events, stack_turns, turns


def test_sqlite_keeps_the_whole_conversation(stack):
    sender = uuid.uuid4().hex
    stack.say("goedemorgen", sender)
    stack.say("Wat is Sterk Techniekonderwijs?", sender)
    stored = stack_turns(stack, sender)
    assert [t.user_text for t in stored] == ["goedemorgen", "Wat is Sterk Techniekonderwijs?"]
    assert [t.intent for t in stored] == ["greet", "what_is_sto"]
    assert [t.keys for t in stored] == [["utter_greet"], ["utter_what_is_sto"]]


def test_postgresql_stores_the_conversation(rasa_on_postgres):
    url, engine = rasa_on_postgres
    sender = uuid.uuid4().hex
    replies = say(url, "Hoeveel cofinanciering is nodig?", sender)
    say(url, "stage\u0000 aanbieden <b>nu</b>", sender)
    stored = turns(sql_events(engine, sender))
    assert [t.intent for t in stored][0] == "cofinancing_amount"
    assert stored[0].keys == ["utter_cofinancing_amount"] and "10%" in " ".join(r["text"] for r in replies)
    assert stored[1].user_text == "stage aanbieden <b>nu</b>"


def test_action_server_down_gives_a_dutch_apology_stored_with_the_message(rasa_on_postgres, national_email):
    url, engine = rasa_on_postgres
    sender = uuid.uuid4().hex
    replies = say(url, "We zitten in Zwolle", sender)
    texts = yaml.safe_load((PROJECT_DIR / "channels" / "messages.yml").read_text(encoding="utf-8"))
    apology = texts["action_failed"].format(email=national_email).strip()
    assert replies == [{"recipient_id": sender, "text": apology}]
    stored = turns(sql_events(engine, sender))
    assert [t.user_text for t in stored] == ["We zitten in Zwolle"]
    assert stored[0].intent == "find_region"
    assert stored[0].keys == [APOLOGY_KEY] and stored[0].texts == [apology]


def test_a_conversation_faster_than_a_person_is_not_processed_beyond_the_limit(rasa_on_postgres):
    url, engine = rasa_on_postgres
    sender, other = uuid.uuid4().hex, uuid.uuid4().hex
    limit = int(DEFAULTS["MAX_MESSAGES_PER_MINUTE"])
    for _ in range(limit):
        assert say(url, "goedemorgen", sender)[0]["text"] != MESSAGES["too_many"]
    replies = say(url, "goedemorgen", sender)
    assert replies == [{"recipient_id": sender, "text": MESSAGES["too_many"], "custom": NOT_PROCESSED}]
    assert len(turns(sql_events(engine, sender))) == limit, "the refused message was stored"
    assert say(url, "goedemorgen", other)[0]["text"] != MESSAGES["too_many"], "another conversation was limited"
