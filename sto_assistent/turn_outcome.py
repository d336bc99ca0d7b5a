"""What went wrong while one user message was handled, shared by the channel and the stores.

The channel guard (channels/guarded_channels.py) starts a turn for every message; the tracker
store marks it when the conversation could not be loaded or saved. The guard then discards the
replies of that turn (they were computed without, or are not backed by, the stored
conversation) and tells the user the message did not go through, so nothing is silently lost
and no answer is given from an empty conversation. A context variable follows the message
through Rasa's coroutines without changing Rasa's signatures.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass, field

STORE = "tracker_store"


@dataclass
class Turn:
    failed: set[str] = field(default_factory=set)

    def fail(self, dependency: str) -> None:
        self.failed.add(dependency)

    @property
    def store_failed(self) -> bool:
        return STORE in self.failed


_current: ContextVar[Turn | None] = ContextVar("sto_turn", default=None)


def begin_turn() -> Turn:
    turn = Turn()
    _current.set(turn)
    return turn


def current_turn() -> Turn | None:
    return _current.get()
