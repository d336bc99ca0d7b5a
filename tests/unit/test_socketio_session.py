"""The socket.io channel's session_request puts the socket in its session's room and awaits it.

Rasa 3.6's own handler calls `enter_room` without awaiting it; since python-socketio 5.10 that
is a coroutine, so the socket never joined the room and the bot's replies, sent to the room,
reached nobody (RasaHQ/rasa#13027). The real round trip: tests/integration/test_socketio_replies.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from channels.guarded_channels import GuardedSocketIOInput
from channels.input_guard import valid_sender_id


async def ignore(_message: Any) -> None:
    return None


class Calls:
    def __init__(self) -> None:
        self.joined: list[tuple[str, str]] = []
        self.emitted: list[tuple[str, Any, str]] = []


def channel_with_stubs(session_persistence: bool, enter_room_is_coroutine: bool) -> tuple[GuardedSocketIOInput, Calls]:
    channel = GuardedSocketIOInput(session_persistence=session_persistence)
    channel.blueprint(ignore)
    calls = Calls()

    async def enter_room_async(sid: str, room: str, namespace: str | None = None) -> None:
        await asyncio.sleep(0)
        calls.joined.append((sid, room))

    def enter_room_plain(sid: str, room: str, namespace: str | None = None) -> None:
        calls.joined.append((sid, room))

    async def emit(event: str, data: Any = None, room: str | None = None, **_: Any) -> None:
        calls.emitted.append((event, data, room or ""))

    channel.sio.enter_room = enter_room_async if enter_room_is_coroutine else enter_room_plain
    channel.sio.emit = emit
    return channel, calls


def request_session(channel: GuardedSocketIOInput, data: Any) -> None:
    handler = channel.sio.handlers["/"]["session_request"]
    asyncio.run(handler("socket-1", data))


def test_the_channel_replaces_rasas_session_handler():
    channel = GuardedSocketIOInput(session_persistence=True)
    channel.blueprint(ignore)
    assert channel.sio.handlers["/"]["session_request"] == channel._session_request


@pytest.mark.parametrize("coroutine", [True, False], ids=["python-socketio>=5.10", "older"])
def test_the_socket_joins_the_requested_session_before_it_is_confirmed(coroutine):
    channel, calls = channel_with_stubs(session_persistence=True, enter_room_is_coroutine=coroutine)
    session_id = "0b6a3c8e-3f0e-4a43-9d0e-4c1f6f1b2a77"
    request_session(channel, {"session_id": session_id})
    assert calls.joined == [("socket-1", session_id)]
    assert calls.emitted == [("session_confirm", session_id, "socket-1")]


@pytest.mark.parametrize(
    "data",
    [None, {}, {"session_id": None}, {"session_id": ""}, {"session_id": ["x"]}, "text", {"session_id": "1"}],
)
def test_without_a_usable_session_id_a_new_random_one_is_given(data):
    channel, calls = channel_with_stubs(session_persistence=True, enter_room_is_coroutine=True)
    request_session(channel, data)
    ((event, session_id, room),) = calls.emitted
    assert (event, room) == ("session_confirm", "socket-1")
    assert valid_sender_id(session_id), "not a random UUID"
    assert calls.joined == [("socket-1", session_id)]


def test_without_session_persistence_no_room_is_joined():
    channel, calls = channel_with_stubs(session_persistence=False, enter_room_is_coroutine=True)
    session_id = "0b6a3c8e-3f0e-4a43-9d0e-4c1f6f1b2a77"
    request_session(channel, {"session_id": session_id})
    assert calls.joined == []
    assert calls.emitted == [("session_confirm", session_id, "socket-1")]
