"""REST and socket.io channels with input cleaning, sender checks and a no-silence guarantee.

Configured in credentials.yml by module path. They keep Rasa's channel names ("rest",
"socketio"), so the URLs stay /webhooks/rest/webhook and /socket.io.

Every message passes `input_guard` before NLU and storage. If processing produced no bot
message at all (for example because the action server is down: Rasa then logs the error and
stays silent), the user gets a clear Dutch message instead of nothing.
"""

from __future__ import annotations

import inspect
import logging
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint
from sanic.exceptions import SanicException
from sanic.request import Request

from channels.input_guard import clean_metadata, clean_text, valid_sender_id
from sto_assistent.settings import regions_file, setting
from sto_regions import load_region_file

logger = logging.getLogger(__name__)

MESSAGES_FILE = Path(__file__).with_name("messages.yml")


def _load_messages() -> dict[str, str]:
    """The channel's own texts, with the national e-mail address from the region data file."""
    email = load_region_file(regions_file()).national_contact.email
    texts = yaml.safe_load(MESSAGES_FILE.read_text(encoding="utf-8"))
    return {key: text.format(email=email).strip() for key, text in texts.items()}


MESSAGES = _load_messages()

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


def allowed_origins() -> list[str]:
    """Origins allowed to open a socket.io connection (ALLOWED_ORIGINS, comma-separated)."""
    configured = setting("ALLOWED_ORIGINS")
    if configured:
        return [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    web_port = setting("WEB_PORT")
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def guard(on_new_message: OnNewMessage) -> OnNewMessage:
    """Wrap Rasa's message handler: clean input, never leave the user without an answer."""

    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        if not valid_sender_id(message.sender_id):
            logger.warning("Rejected message with invalid sender id %r", message.sender_id)
            await output.send_text_message(message.sender_id or "unknown", MESSAGES["invalid_sender"])
            return
        cleaned = clean_text(message.text)
        metadata = clean_metadata(message.metadata or {})
        if not isinstance(metadata, dict):
            metadata = {}
        if cleaned.truncated:
            metadata["input_truncated"] = True
        if cleaned.unreadable and (message.text or "").strip():
            metadata["input_unreadable"] = True
        message.text, message.metadata = cleaned.text, metadata

        sent = _count_replies(output)
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the user must get an answer whatever failed
            logger.exception("Processing a message from %s failed", message.sender_id)
        if sent() == 0:
            logger.error(
                "No reply produced for sender %s (is the action server up?); sent fallback",
                message.sender_id,
            )
            await output.send_text_message(message.sender_id, MESSAGES["no_reply"])

    return handle


def _count_replies(output: Any) -> Callable[[], int]:
    count = 0
    original = output.send_response

    async def counting(recipient_id: str, message: dict[str, Any]) -> None:
        nonlocal count
        count += 1
        await original(recipient_id, message)

    output.send_response = counting
    return lambda: count


class GuardedRestInput(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    async def _extract_sender(self, req: Request) -> str | None:
        body = req.json
        if not isinstance(body, dict):
            raise SanicException("Body must be a JSON object with 'sender' and 'message'.", 400)
        sender = body.get("sender")
        if not isinstance(sender, str) or not valid_sender_id(sender):
            raise SanicException(
                "Field 'sender' must be 1-128 characters from [A-Za-z0-9_.:@-] (use a random UUID per conversation).",
                400,
            )
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = req.json.get("message")
        return message if isinstance(message, str) else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(guard(on_new_message))


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        blueprint = super().blueprint(guard(on_new_message))
        # Rasa disables the origin check ([]); only configured sites may connect.
        self.sio.eio.cors_allowed_origins = allowed_origins()
        # Replaces Rasa's handler, which calls enter_room without awaiting it: since
        # python-socketio 5.10 that is a coroutine, so the socket never joined the session's
        # room and the bot's replies, sent to that room, reached nobody (RasaHQ/rasa#13027).
        self.sio.on("session_request", handler=self._session_request, namespace=self.namespace)
        return blueprint

    async def _session_request(self, sid: str, data: dict[str, Any] | None) -> None:
        """Join the socket to the session the client asks for (a new one if none), confirm it."""
        requested = data.get("session_id") if isinstance(data, dict) else None
        session_id = requested if isinstance(requested, str) and requested else uuid.uuid4().hex
        if self.session_persistence:
            joined = self.sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):  # a plain call before python-socketio 5.10
                await joined
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
