"""One user message being handled: its time budget and what went wrong, shared by the channel
guard, the tracker store and the action calls.

The channel guard (channels/guarded_channels.py) starts a turn for every message. The tracker
store marks it when the conversation could not be loaded or saved, or changed under it; the
guard then discards the replies of that turn (they were computed without, or are not backed
by, the stored conversation) and tells the user the message did not go through, so nothing is
silently lost and no answer is given from an empty conversation. Action calls shorten their
timeout so the turn ends within TURN_BUDGET_SECONDS. A context variable follows the message
through Rasa's coroutines without changing Rasa's signatures.
"""

from __future__ import annotations

import time
from contextvars import ContextVar, Token
from dataclasses import dataclass, field

STORE = "tracker_store"


@dataclass
class Turn:
    deadline: float
    failed: set[str] = field(default_factory=set)
    # Events of each conversation as loaded in this turn: a save that finds another number
    # stored (a late commit, another instance) would misplace events, so it voids the turn.
    loaded_events: dict[str, int] = field(default_factory=dict)

    def fail(self, dependency: str) -> None:
        self.failed.add(dependency)

    @property
    def store_failed(self) -> bool:
        return STORE in self.failed

    def remaining(self) -> float:
        return self.deadline - time.monotonic()


_current: ContextVar[Turn | None] = ContextVar("sto_turn", default=None)


def begin_turn(budget_seconds: float) -> tuple[Turn, Token[Turn | None]]:
    turn = Turn(deadline=time.monotonic() + budget_seconds)
    return turn, _current.set(turn)


def end_turn(token: Token[Turn | None]) -> None:
    _current.reset(token)


def current_turn() -> Turn | None:
    return _current.get()
