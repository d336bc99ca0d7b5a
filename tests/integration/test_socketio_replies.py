"""The bot's replies reach a socket.io client, also after a reconnect with the same session.

The regression test of RasaHQ/rasa#13027 (Rasa 3.6 does not await `enter_room`; the channel
does): a client talks to the stack's Rasa server the way the widget does (websocket only, an
allowed origin, session_request, then user_uttered with the session id).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

import websockets

from tests.async_run import run_in_fresh_thread
from tests.conversation_log import stack_turns

REPLY_TIMEOUT_SECONDS = 60


class WidgetSocket:
    """Just enough socket.io (protocol 5 over engine.io 4, websocket only) to talk as the widget.

    Not python-socketio's client: its asyncio client needs a newer aiohttp than Rasa 3.6 allows.
    """

    def __init__(self, connection: Any):
        self.connection = connection

    @classmethod
    async def open(cls, rasa_url: str, origin: str) -> WidgetSocket:
        url = rasa_url.replace("http", "ws", 1) + "/socket.io/?EIO=4&transport=websocket"
        connection = await websockets.connect(url, extra_headers={"Origin": origin})
        socket = cls(connection)
        assert (await socket._receive()).startswith("0")  # engine.io open
        await connection.send("40")  # socket.io connect to the default namespace
        assert (await socket._receive()).startswith("40")
        return socket

    async def _receive(self) -> str:
        while True:
            packet = await asyncio.wait_for(self.connection.recv(), REPLY_TIMEOUT_SECONDS)
            if packet == "2":  # engine.io ping
                await self.connection.send("3")
                continue
            return str(packet)

    async def emit(self, event: str, data: Any) -> None:
        await self.connection.send("42" + json.dumps([event, data]))

    async def next_event(self, timeout: float = REPLY_TIMEOUT_SECONDS) -> tuple[str, Any]:
        while True:
            packet = await asyncio.wait_for(self._receive(), timeout)
            if packet.startswith("42"):
                event, *data = json.loads(packet[2:])
                return event, data[0] if data else None

    async def close(self) -> None:
        await self.connection.close()


async def converse(rasa_url: str, origin: str, session_id: str, text: str) -> list[dict[str, Any]]:
    """Connect, ask for the session, send one message; the bot messages of that turn."""
    socket = await WidgetSocket.open(rasa_url, origin)
    try:
        await socket.emit("session_request", {"session_id": session_id})
        assert await socket.next_event() == ("session_confirm", session_id)
        await socket.emit("user_uttered", {"message": text, "session_id": session_id})
        received = []
        event, data = await socket.next_event()
        while True:
            assert event == "bot_uttered"
            received.append(data)
            try:  # the rest of the turn follows at once
                event, data = await socket.next_event(timeout=2)
            except asyncio.TimeoutError:
                return received
    finally:
        await socket.close()


def test_replies_reach_the_socket_and_a_reconnected_one(stack):
    origin = f"http://localhost:{stack.env['WEB_PORT']}"
    session_id = str(uuid.uuid4())

    first = run_in_fresh_thread(
        converse(stack.rasa_url, origin, session_id, "Hoeveel procent cofinanciering moeten bedrijven bijdragen?")
    )
    assert "10%" in " ".join(m.get("text", "") for m in first)
    assert stack_turns(stack, session_id)[-1].keys == ["utter_cofinancing_amount"]

    # A reload: a new socket announces the same session and gets that conversation's replies.
    second = run_in_fresh_thread(converse(stack.rasa_url, origin, session_id, "Wat is Sterk Techniekonderwijs?"))
    turns = stack_turns(stack, session_id)
    assert len(turns) == 2 and turns[-1].keys
    words = " ".join(m.get("text", "") for m in second).split()
    assert words and words == turns[-1].text.split()
