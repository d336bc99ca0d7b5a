"""Hostile and broken input gets a Dutch reply, never a server error, and is stored safely."""
from __future__ import annotations

import json
import sqlite3
import uuid

import pytest
import requests

NONSENSE_REPLY = "begrijp"  # utter_nonsense: "Sorry, dat begrijp ik niet. ..."


def webhook(stack):
    return f"{stack.rasa_url}/webhooks/rest/webhook"


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "🙂🙂🙂", "???", "\u0000\u0000"])
def test_empty_and_symbol_only_messages_get_a_dutch_reply(stack, message):
    replies = stack.say(message)
    assert replies and NONSENSE_REPLY in replies[0]["text"]


@pytest.mark.parametrize("message", [
    "<script>alert('x')</script>",
    "<img src=x onerror=alert(1)> hoeveel cofinanciering?",
    "'; DROP TABLE events; --",
    "1 OR 1=1; SELECT * FROM events",
    "Hoeveel\u0000 cofinanciering moet ik betalen?",
])
def test_html_sql_and_nul_get_a_reply(stack, message):
    replies = stack.say(message)
    assert replies and all(isinstance(r.get("text", ""), str) for r in replies)
    assert not any("<script" in r.get("text", "") for r in replies)


def test_ten_thousand_characters_are_cut_and_answered(stack):
    sender = uuid.uuid4().hex
    replies = stack.say("Hoeveel procent cofinanciering? " + "x" * 10_000, sender)
    assert replies
    with sqlite3.connect(stack.db_file) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user'", (sender,)
        ).fetchall()
    stored = json.loads(rows[-1][0])
    assert len(stored["text"]) <= 1000 and stored["metadata"]["input_truncated"] is True


def test_nul_never_reaches_the_database(stack):
    sender = uuid.uuid4().hex
    stack.say("stage\u0000 aanbieden", sender, metadata={"page\u0000": "/x\u0000"})
    with sqlite3.connect(stack.db_file) as db:
        rows = db.execute("SELECT data FROM events WHERE sender_id = ?", (sender,)).fetchall()
    assert rows and not any("\u0000" in json.loads(r[0]).get("text", "") or "\\u0000" in r[0] for r in rows)


@pytest.mark.parametrize("body, problem", [
    (b"not json", "invalid JSON"),
    (b"[1, 2]", "not an object"),
    (json.dumps({"message": "hoi"}).encode(), "no sender"),
    (json.dumps({"sender": "a b c", "message": "hoi"}).encode(), "bad sender"),
    (json.dumps({"sender": "x" * 500, "message": "hoi"}).encode(), "long sender"),
])
def test_malformed_requests_are_rejected_with_400(stack, body, problem):
    response = requests.post(webhook(stack), data=body, headers={"Content-Type": "application/json"},
                             timeout=30)
    assert response.status_code == 400, problem


def test_binary_body_is_rejected_with_400(stack):
    response = requests.post(webhook(stack), data=bytes(range(256)),
                             headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400


def test_non_string_message_is_answered(stack):
    replies = requests.post(webhook(stack), json={"sender": uuid.uuid4().hex, "message": 12345},
                            timeout=30).json()
    assert replies and NONSENSE_REPLY in replies[0]["text"]
