"""A circuit breaker for one dependency of the Rasa server (the action server, the database).

After a failure the dependency counts as down for `retry_seconds`: calls fail at once instead
of each waiting for its timeout, so a user gets an answer within seconds and a dependency that
hangs cannot tie up the server. Then one call per retry period is let through as a probe (a
probe that never reports back, e.g. cancelled with its request, only costs one period); its
success closes the circuit again, so everything recovers without a restart. The operator gets one log
line when a dependency goes down and one when it is back, not one per message.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)


@dataclass
class Circuit:
    name: str
    retry_seconds: float
    _down_since: float | None = None
    _retry_at: float = 0.0
    _reason: str = ""
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def is_down(self) -> bool:
        return self._down_since is not None

    @property
    def reason(self) -> str:
        """Why the dependency counts as down ('' while it is up)."""
        return self._reason if self.is_down else ""

    def allow(self) -> bool:
        """May a call go to the dependency now? While down: one probe per retry period."""
        with self._lock:
            if self._down_since is None:
                return True
            now = time.monotonic()
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_seconds
            return True

    def succeeded(self) -> None:
        with self._lock:
            was_down = self._down_since
            self._down_since, self._reason = None, ""
        if was_down is not None:
            logger.warning("%s is back after %.0f s", self.name, time.monotonic() - was_down)

    def failed(self, reason: str) -> None:
        with self._lock:
            newly_down = self._down_since is None
            now = time.monotonic()
            if newly_down:
                self._down_since = now
            self._retry_at, self._reason = now + self.retry_seconds, reason
        if newly_down:
            logger.error(
                "%s is unavailable (%s); answering without it, retrying every %.0f s",
                self.name,
                reason,
                self.retry_seconds,
            )
