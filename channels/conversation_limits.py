"""What a conversation may send: payloads the bot offered, and a message rate a person keeps to.

- A payload with entities ('/find_region{"place": "..."}') sets slots directly, past NLU and
  the region lookup. It is accepted only when the bot offered exactly that payload as a button
  since the user's last message; otherwise it is treated as typed text. A plain '/intent' sets
  nothing, so it passes (it is what typing the question would do).
- Per conversation at most MAX_MESSAGES_PER_MINUTE messages in any 60 s (nginx limits each
  client address as well, but cannot see conversations, nor messages inside a websocket).
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict, deque
from typing import Any

from rasa.shared.core.events import BotUttered, UserUttered

ENTITY_PAYLOAD = re.compile(r"^/[a-z_]+\{")
WINDOW_SECONDS = 60.0
TRACKED_CONVERSATIONS = 10_000  # the least recently active are forgotten beyond this


def sets_slots(text: str) -> bool:
    return bool(ENTITY_PAYLOAD.match(text))


def offered_payloads(tracker: Any) -> set[str]:
    """The button payloads of the bot's messages since the user's last message."""
    offered: set[str] = set()
    for event in reversed(getattr(tracker, "events", [])):
        if isinstance(event, UserUttered):
            break
        if isinstance(event, BotUttered):
            for button in (event.data or {}).get("buttons") or []:
                if isinstance(button, dict) and isinstance(button.get("payload"), str):
                    offered.add(button["payload"])
    return offered


class MessageRate:
    """A sliding window of message times per conversation, in this process."""

    def __init__(self, limit: int, window: float = WINDOW_SECONDS) -> None:
        self.limit, self.window = limit, window
        self._times: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, sender_id: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        times = self._times.pop(sender_id, None) or deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._times[sender_id] = times
        while len(self._times) > TRACKED_CONVERSATIONS:
            self._times.popitem(last=False)
        return allowed
