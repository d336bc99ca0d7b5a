"""Calls to the action server that never leave a user waiting, and say so when they fail.

Rasa 3.6 waits up to 300 s for a custom action, and when the call fails it logs the error and
sends nothing (RasaHQ/rasa#7630). `install()` wraps `RemoteAction.run`, the one place every
custom action, form validation and slot-mapping validation goes through:

- a call gets ACTION_TIMEOUT_SECONDS (3 s), less when the turn's budget (turn_outcome,
  TURN_BUDGET_SECONDS) would not leave the database time to save the turn, never under
  MIN_ACTION_SECONDS;
- a refused call, or one without an answer within the full timeout, marks the action server
  down (`ACTION_CIRCUIT`; a call cut short by the turn's budget does not): for
  DEPENDENCY_RETRY_SECONDS the next calls fail at once, then one probe call goes through and,
  when it succeeds, everything works again, without a restart;
- a failed action returns an apology as a `BotUttered` event, so Rasa sends it *and* stores it
  with the user's message, unless the turn already has an answer (a failed bookkeeping action
  after an answer, such as remembering the topic, needs no apology); a failed slot-mapping
  validation only skips the extraction, since the action that answers will say what went wrong.

`python -m sto_assistent.rasa_server` (every Rasa process of the project) installs it.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.shared.core.constants import ACTION_VALIDATE_SLOT_MAPPINGS
from rasa.shared.core.events import BotUttered, Event, UserUttered

from channels.messages import MESSAGES
from sto_assistent.circuit import Circuit
from sto_assistent.settings import setting
from sto_assistent.turn_outcome import Turn, current_turn

logger = logging.getLogger(__name__)

# The apology's key in the stored bot event, as our actions store theirs (tests, console).
APOLOGY_KEY = "system.action_failed"
ACTION_CIRCUIT = Circuit("Action server", float(setting("DEPENDENCY_RETRY_SECONDS")))


MIN_ACTION_SECONDS = 1.5
CUT_SHORT_SECONDS = 0.5  # a timeout this much under the configured one was set by the turn's budget


def action_timeout(turn: Turn | None) -> float:
    """The configured timeout, cut to what is left of the turn once its save is accounted for."""
    limit = float(setting("ACTION_TIMEOUT_SECONDS"))
    if turn is not None:
        limit = min(limit, turn.remaining() - float(setting("DB_TIMEOUT_SECONDS")))
    return max(MIN_ACTION_SECONDS, limit)


def install() -> None:
    """Wrap RemoteAction.run (once)."""
    original = RemoteAction.run
    if getattr(original, "sto_guarded", False):
        return

    async def run(self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> list[Event]:
        turn = current_turn()
        if turn and turn.store_failed:  # the turn is void (see turn_outcome): spare the action server
            return []
        if not ACTION_CIRCUIT.allow():
            return failure_events(self.name(), tracker)
        timeout = action_timeout(turn)
        try:
            events: list[Event] = await asyncio.wait_for(original(self, output_channel, nlg, tracker, domain), timeout)
        except ActionExecutionRejection:  # a form's validation said no: a normal answer
            ACTION_CIRCUIT.succeeded()
            raise
        except asyncio.TimeoutError:
            # About the full timeout: the server itself is too slow, or hangs. Much less: the
            # turn's budget ran out (a slow database, a busy server), which is not its fault.
            if timeout > action_timeout(None) - CUT_SHORT_SECONDS:
                ACTION_CIRCUIT.failed(f"no answer within {timeout:.1f} s")
            else:
                logger.warning("Action %s cut short after %.1f s: the turn's time was used up", self.name(), timeout)
            return failure_events(self.name(), tracker)
        except Exception as error:  # noqa: BLE001 - whatever failed, the user gets the apology
            status = _http_status(error)
            if status is None:
                ACTION_CIRCUIT.failed(f"{type(error).__name__}: {error}")
            else:  # the server is up, this action failed (a bug, or a wrong token: 401)
                ACTION_CIRCUIT.succeeded()
                logger.error("Action %s failed on the action server (HTTP %s)", self.name(), status)
            return failure_events(self.name(), tracker)
        ACTION_CIRCUIT.succeeded()
        return events

    run.sto_guarded = True  # type: ignore[attr-defined]
    RemoteAction.run = run


def _http_status(error: BaseException) -> int | None:
    """The HTTP status behind Rasa's exception, when the action server did answer (Rasa's own
    ClientResponseError carries one; connection errors and timeouts do not)."""
    cause = error.__cause__ or error.__context__
    status = getattr(cause, "status", None)
    return status if isinstance(status, int) else None


def failure_events(action_name: str, tracker: Any) -> list[Event]:
    """The apology, unless this turn already answered; nothing for slot-mapping validation."""
    if action_name == ACTION_VALIDATE_SLOT_MAPPINGS or _answered_this_turn(tracker):
        return []
    return [BotUttered(MESSAGES["action_failed"], metadata={"message_key": APOLOGY_KEY})]


def _answered_this_turn(tracker: Any) -> bool:
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            return False
        if isinstance(event, BotUttered):
            return True
    return False
