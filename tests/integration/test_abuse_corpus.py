"""A corpus of abuse against the running stack: no server error, no message dropped in silence.

Oversized and wrongly typed requests, slot injection by typed payloads, bidi controls, huge
metadata and channel names, wrong types over socket.io. Each case asserts the status (never
5xx), that a processed message got an answer, and what was stored.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import requests

from channels.input_guard import MAX_METADATA_BYTES, METADATA_DROPPED
from tests.async_run import run_in_fresh_thread
from tests.conversation_log import last_turn, sqlite_events
from tests.integration.test_socketio_replies import WidgetSocket


def webhook(stack: Any) -> str:
    return f"{stack.rasa_url}/webhooks/rest/webhook"


def post(stack: Any, body: Any) -> requests.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(webhook(stack), data=data, headers={"Content-Type": "application/json"}, timeout=30)


def sender() -> str:
    return str(uuid.uuid4())


@pytest.mark.parametrize(
    "body, status",
    [
        (json.dumps({"sender": str(uuid.uuid4()), "message": "x" * 100_000}).encode(), 413),
        (b'"just a string"', 400),
        (b"42", 400),
        (b"null", 400),
        ({"sender": 12345, "message": "hoi"}, 400),
        ({"sender": ["a"], "message": "hoi"}, 400),
        ({"sender": "1", "message": "hoi"}, 400),
        ({"sender": str(uuid.uuid1()), "message": "hoi"}, 400),  # partly a clock: guessable
    ],
    ids=["100 KB", "string", "number", "null", "int sender", "list sender", "weak sender", "uuid1 sender"],
)
def test_requests_that_cannot_be_a_message_are_refused_with_4xx(stack, body, status):
    assert post(stack, body).status_code == status


@pytest.mark.parametrize("message", [12345, ["a", "b"], {"text": "hoi"}, None, True], ids=str)
def test_a_message_of_the_wrong_type_gets_the_nonsense_answer(stack, message):
    conversation = sender()
    answer = post(stack, {"sender": conversation, "message": message})
    assert answer.status_code == 200 and answer.json(), "dropped in silence"
    assert last_turn(stack, conversation).keys == ["utter_nonsense"]


def test_huge_metadata_and_channel_names_are_not_stored(stack):
    conversation = sender()
    metadata = {f"k{i}": {"deep": ["v" * 1500] * 3} for i in range(10)}
    answer = post(
        stack,
        {
            "sender": conversation,
            "message": "Wat is Sterk Techniekonderwijs?",
            "metadata": metadata,
            "input_channel": "c" * 10_000,
        },
    )
    assert answer.status_code == 200 and answer.json()
    (user_event,) = [e for e in sqlite_events(stack.extra["db_file"], conversation) if e["event"] == "user"]
    assert user_event["input_channel"] == "rest"
    assert len(json.dumps(user_event["metadata"]).encode()) <= MAX_METADATA_BYTES
    assert user_event["metadata"] == METADATA_DROPPED or "k9" not in user_event["metadata"]


def test_bidi_controls_are_removed_before_nlu_and_storage(stack):
    conversation = sender()
    answer = post(
        stack,
        {
            "sender": conversation,
            "message": "Hoeveel\u202e procent\u2066 cofinanciering\u200f moeten bedrijven bijdragen?",
        },
    )
    assert answer.status_code == 200
    turn = last_turn(stack, conversation)
    assert turn.user_text == "Hoeveel procent cofinanciering moeten bedrijven bijdragen?"
    assert turn.keys == ["utter_cofinancing_amount"]


def test_a_typed_payload_that_sets_slots_is_read_as_text(stack):
    conversation = sender()
    injected = '/contact_change{"contact_field": "email"}'
    answer = post(stack, {"sender": conversation, "message": injected})
    assert answer.status_code == 200 and answer.json()
    turn = last_turn(stack, conversation)
    assert turn.metadata.get("payload_refused") is True
    assert turn.user_text == injected.lstrip("/") and "contact_field" not in turn.slots


def test_a_payload_the_bot_offered_is_accepted(stack):
    conversation = sender()
    replies = stack.say("Ons bedrijf zit in Wageningen", conversation)  # a place in two regions
    offered = [b["payload"] for r in replies for b in r.get("buttons") or [] if "{" in b["payload"]]
    assert offered, f"no region buttons offered: {replies}"
    answer = post(stack, {"sender": conversation, "message": offered[0]})
    assert answer.status_code == 200 and answer.json()
    turn = last_turn(stack, conversation)
    assert "payload_refused" not in turn.metadata and turn.slots.get("region_id")


async def socket_replies(stack: Any, frames: list[Any]) -> list[Any]:
    """Open a widget socket, confirm a session, send each frame as user_uttered; the replies."""
    origin = f"http://localhost:{stack.env['WEB_PORT']}"
    socket = await WidgetSocket.open(stack.rasa_url, origin)
    session_id = str(uuid.uuid4())
    try:
        await socket.emit("session_request", {"session_id": session_id})
        assert await socket.next_event() == ("session_confirm", session_id)
        answers = []
        for frame in frames:
            data = {**frame, "session_id": session_id} if isinstance(frame, dict) else frame
            await socket.emit("user_uttered", data)
            answers.append(await socket.next_event(timeout=30))
        return answers
    finally:
        await socket.close()


def test_wrong_types_over_socketio_get_an_answer(stack):
    frames = [{"message": 12345}, {"message": None}, {"message": "hoi", "metadata": "{not json"}, {"message": ["x"]}]
    answers = run_in_fresh_thread(socket_replies(stack, frames))
    assert [event for event, _ in answers] == ["bot_uttered"] * len(frames), "a message got no answer"
    assert all(isinstance(data, dict) and data.get("text") for _, data in answers)


def test_a_socketio_message_without_a_session_gets_told(stack):
    answers = run_in_fresh_thread(socket_replies(stack, ["not an object"]))
    ((event, data),) = answers
    assert event == "bot_uttered" and "Vernieuw de pagina" in data["text"]
