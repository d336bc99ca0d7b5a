"""Hostile and broken input gets a real Dutch answer, never a server error, and is stored safely.

"A reply" is not enough: the channel's apology would pass that. Each case checks which
intent the stored message got and which answer was given.
"""

from __future__ import annotations

import json
import uuid

import pytest
import requests

from channels.messages import MESSAGES
from tests.conversation_log import last_turn, sqlite_events

# The server's own failure texts: a real answer is none of them.
FAILURE_TEXTS = {MESSAGES[key] for key in ("no_reply", "action_failed", "not_processed")}


def webhook(stack):
    return f"{stack.rasa_url}/webhooks/rest/webhook"


def no_apology(replies, national_email):
    return replies and all(r.get("text") not in FAILURE_TEXTS for r in replies)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "🙂🙂🙂", "???", "\u0000\u0000"])
def test_empty_and_symbol_only_messages_get_the_nonsense_answer(stack, message):
    sender = uuid.uuid4().hex
    assert stack.say(message, sender)
    turn = last_turn(stack, sender)
    assert turn.intent == "nonsense" and turn.keys == ["utter_nonsense"]
    assert turn.metadata.get("input_unreadable", False) is bool(message.strip())


@pytest.mark.parametrize(
    "message",
    [
        "<script>alert('x')</script>",
        "<img src=x onerror=alert(1)> hoeveel cofinanciering?",
        "'; DROP TABLE events; --",
        "1 OR 1=1; SELECT * FROM events",
    ],
)
def test_html_and_sql_are_stored_as_text_and_answered_by_the_dialogue(stack, message, national_email):
    sender = uuid.uuid4().hex
    replies = stack.say(message, sender)
    assert no_apology(replies, national_email)
    turn = last_turn(stack, sender)
    assert turn.user_text == message
    assert turn.keys, "the dialogue answered (the channel's apology is never stored)"
    assert not any("<script" in r.get("text", "") for r in replies)


def test_nul_is_removed_before_nlu(stack):
    sender = uuid.uuid4().hex
    stack.say("Hoeveel\u0000 procent cofinanciering moeten bedrijven bijdragen?", sender)
    turn = last_turn(stack, sender)
    assert turn.user_text == "Hoeveel procent cofinanciering moeten bedrijven bijdragen?"
    assert turn.intent == "cofinancing_amount" and turn.keys == ["utter_cofinancing_amount"]


def test_ten_thousand_characters_are_cut_and_answered(stack):
    sender = uuid.uuid4().hex
    question = "Hoeveel procent cofinanciering moeten bedrijven bijdragen?"
    message = question + " " + "x" * 10_000
    stack.say(message, sender)
    turn = last_turn(stack, sender)
    # No space near the limit, so the cut is exactly at MAX_MESSAGE_CHARS.
    assert turn.user_text == message[: int(stack.env["MAX_MESSAGE_CHARS"])]
    assert turn.metadata["input_truncated"] is True
    assert turn.keys, "answered by the dialogue, not by the channel's apology"


def test_nul_never_reaches_the_database(stack):
    sender = uuid.uuid4().hex
    stack.say("stage\u0000 aanbieden", sender, metadata={"page\u0000": "/x\u0000"})
    rows = sqlite_events(stack.extra["db_file"], sender)
    assert rows and "\u0000" not in json.dumps(rows, ensure_ascii=False)
    turn = last_turn(stack, sender)
    assert turn.user_text == "stage aanbieden" and turn.metadata["page"] == "/x"


@pytest.mark.parametrize(
    "body, problem",
    [
        (b"not json", "invalid JSON"),
        (b"[1, 2]", "not an object"),
        (json.dumps({"message": "hoi"}).encode(), "no sender"),
        (json.dumps({"sender": "a b c", "message": "hoi"}).encode(), "bad sender"),
        (json.dumps({"sender": "x" * 500, "message": "hoi"}).encode(), "long sender"),
        (bytes(range(256)), "binary"),
    ],
)
def test_malformed_requests_are_rejected_with_400(stack, body, problem):
    response = requests.post(webhook(stack), data=body, headers={"Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 400, problem


def test_non_string_message_is_answered_as_nonsense(stack):
    sender = uuid.uuid4().hex
    replies = requests.post(webhook(stack), json={"sender": sender, "message": 12345}, timeout=30).json()
    assert replies
    turn = last_turn(stack, sender)
    assert turn.intent == "nonsense" and turn.keys == ["utter_nonsense"]
