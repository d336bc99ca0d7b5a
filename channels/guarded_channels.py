"""REST and socket.io channels with input cleaning, sender checks and a no-silence guarantee.

Configured in credentials.yml by module path. They keep Rasa's channel names ("rest",
"socketio"), so the URLs stay /webhooks/rest/webhook and /socket.io.

Every message passes `input_guard` before NLU and storage. A turn's replies are held back until
the turn is done: if the conversation could not be loaded or saved (sto_assistent.tracker_store
marks the turn) or processing failed, they are dropped and the user is told the message did
not go through (`not_processed`, which the widget offers to send again); if processing produced
no bot message at all, the user gets `no_reply` instead of silence. Texts: channels/messages.yml.
"""

from __future__ import annotations

import inspect
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic
from sanic.exceptions import SanicException
from sanic.request import Request

from channels.conversation_limits import MessageRate, offered_payloads, sets_slots
from channels.input_guard import capped_metadata, clean_text, valid_sender_id
from channels.messages import MESSAGES, NOT_PROCESSED
from sto_assistent.settings import setting
from sto_assistent.turn_outcome import Turn, begin_turn, end_turn

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# Sends the `not_processed` text with the marker the widget looks for: (output, recipient, text).
NotProcessed = Callable[[Any, str, str], Awaitable[None]]
PROCESSING = "processing"
MESSAGE_RATE = MessageRate(int(setting("MAX_MESSAGES_PER_MINUTE")))
MAX_SOCKET_PACKET_BYTES = 64 * 1024


def allowed_origins() -> list[str]:
    """Origins allowed to open a socket.io connection (ALLOWED_ORIGINS, comma-separated)."""
    configured = setting("ALLOWED_ORIGINS")
    if configured:
        return [origin.strip().rstrip("/") for origin in configured.split(",") if origin.strip()]
    web_port = setting("WEB_PORT")
    return [f"http://localhost:{web_port}", f"http://127.0.0.1:{web_port}"]


def guard(on_new_message: OnNewMessage, not_processed: NotProcessed) -> OnNewMessage:
    """Wrap Rasa's message handler: clean input, never leave the user without an answer."""

    async def handle(message: UserMessage) -> None:
        output = message.output_channel
        if not valid_sender_id(message.sender_id):
            logger.warning(
                "Rejected a message: sender id is not a random UUID (%d characters)", len(message.sender_id or "")
            )
            await output.send_text_message(message.sender_id or "unknown", MESSAGES["invalid_sender"])
            return
        cleaned = clean_text(message.text)
        metadata = capped_metadata(message.metadata)
        if cleaned.truncated:
            metadata["input_truncated"] = True
        if cleaned.unreadable and (message.text or "").strip():
            metadata["input_unreadable"] = True
        message.text, message.metadata = cleaned.text, metadata
        if not MESSAGE_RATE.allow(message.sender_id):
            logger.warning(
                "Conversation %s sent more than %d messages in a minute", message.sender_id, MESSAGE_RATE.limit
            )
            await not_processed(output, message.sender_id, MESSAGES["too_many"])
            return

        turn, token = begin_turn(float(setting("TURN_BUDGET_SECONDS")))
        try:
            await _process(message, metadata, on_new_message, turn, not_processed)
        finally:
            end_turn(token)

    return handle


async def _offered_payloads(sender_id: str) -> set[str]:
    """What the bot offered this conversation as buttons, read from its tracker store."""
    try:
        agent = Sanic.get_app().ctx.agent  # the one Rasa app of this process
    except (SanicException, AttributeError):
        return set()
    tracker = await agent.tracker_store.retrieve(sender_id)
    return offered_payloads(tracker) if tracker else set()


async def _process(
    message: UserMessage,
    metadata: dict[str, Any],
    on_new_message: OnNewMessage,
    turn: Turn,
    not_processed: NotProcessed,
) -> None:
    """One turn: Rasa's processing with the replies held back, then them or the right apology."""
    output = message.output_channel
    if sets_slots(message.text) and message.text not in await _offered_payloads(message.sender_id):
        logger.info("Conversation %s: a payload the bot did not offer, read as text", message.sender_id)
        message.text, metadata["payload_refused"] = message.text.lstrip("/"), True
    held = _hold_replies(output)
    try:
        await on_new_message(message)
    except Exception:  # noqa: BLE001 - the user must get an answer whatever failed
        logger.exception("Processing a message from %s failed", message.sender_id)
        turn.fail(PROCESSING)
    if turn.store_failed or PROCESSING in turn.failed:
        await not_processed(output, message.sender_id, MESSAGES["not_processed"])
    elif not await held.release():
        logger.error("No reply produced for sender %s; sent the apology", message.sender_id)
        await output.send_text_message(message.sender_id, MESSAGES["no_reply"])


class _HeldReplies:
    """The turn's replies, sent only once the turn is known to be stored."""

    def __init__(self, send: Callable[[str, dict[str, Any]], Awaitable[None]]) -> None:
        self.send = send
        self.replies: list[tuple[str, dict[str, Any]]] = []

    async def hold(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.replies.append((recipient_id, message))

    async def release(self) -> int:
        for recipient_id, message in self.replies:
            await self.send(recipient_id, message)
        return len(self.replies)


def _hold_replies(output: Any) -> _HeldReplies:
    held = _HeldReplies(output.send_response)
    output.send_response = held.hold
    return held


async def _rest_not_processed(output: CollectingOutputChannel, recipient_id: str, text: str) -> None:
    # One reply with text and marker; _persist_message also feeds the streaming variant's queue.
    await output._persist_message(output._message(recipient_id, text=text, custom=NOT_PROCESSED))


async def _socketio_not_processed(output: Any, recipient_id: str, text: str) -> None:
    await output.sio.emit(output.bot_message_evt, {"text": text, "custom": NOT_PROCESSED}, room=recipient_id)


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
            raise SanicException("Field 'sender' must be a random UUID (version 4), a new one per conversation.", 400)
        return sender

    def _extract_message(self, req: Request) -> str | None:
        message = req.json.get("message")
        return message if isinstance(message, str) else None

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()  # not the client's to choose (Rasa would store any string it sends)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        return super().blueprint(guard(on_new_message, _rest_not_processed))


class GuardedSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> str:
        return "socketio"

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._handle = guard(on_new_message, _socketio_not_processed)
        blueprint = super().blueprint(self._handle)
        # Rasa disables the origin check ([]); only configured sites may connect.
        self.sio.eio.cors_allowed_origins = allowed_origins()
        # engine.io accepts 1 MB per packet by default; a chat message is a few hundred bytes.
        self.sio.eio.max_http_buffer_size = MAX_SOCKET_PACKET_BYTES
        # Replaces Rasa's handler, which drops (or fails on) a message whose parts have the wrong
        # type, silently: here every message gets an answer.
        self.sio.on(self.user_message_evt, handler=self._user_uttered, namespace=self.namespace)
        # Replaces Rasa's handler, which calls enter_room without awaiting it: since
        # python-socketio 5.10 that is a coroutine, so the socket never joined the session's
        # room and the bot's replies, sent to that room, reached nobody (RasaHQ/rasa#13027).
        self.sio.on("session_request", handler=self._session_request, namespace=self.namespace)
        return blueprint

    async def _user_uttered(self, sid: str, data: Any) -> None:
        """A message from the widget: its parts checked, then the guarded handler."""
        data = data if isinstance(data, dict) else {}
        output = SocketIOOutput(self.sio, self.bot_message_evt)
        sender = data.get("session_id") if self.session_persistence else sid
        if not isinstance(sender, str) or not valid_sender_id(sender):
            await self.sio.emit(self.bot_message_evt, {"text": MESSAGES["invalid_sender"]}, room=sid)
            return
        metadata = data.get(self.metadata_key)
        if isinstance(metadata, str):  # Rasa's widget protocol allows metadata as JSON text
            try:
                metadata = json.loads(metadata)
            except ValueError:
                metadata = None
        text = data.get("message")
        message = UserMessage(
            text if isinstance(text, str) else "",
            output,
            sender,
            input_channel=self.name(),
            metadata=metadata if isinstance(metadata, dict) else None,
        )
        await self._handle(message)

    async def _session_request(self, sid: str, data: dict[str, Any] | None) -> None:
        """Join the socket to the session the client asks for (a new one if none), confirm it."""
        requested = data.get("session_id") if isinstance(data, dict) else None
        # A guessable id would open someone else's conversation: the server picks one instead.
        session_id = requested if isinstance(requested, str) and valid_sender_id(requested) else str(uuid.uuid4())
        if self.session_persistence:
            joined = self.sio.enter_room(sid, session_id, namespace=self.namespace)
            if inspect.isawaitable(joined):  # a plain call before python-socketio 5.10
                await joined
        await self.sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)
