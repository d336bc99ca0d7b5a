"""What a failed or slow action call does (sto_assistent/action_calls.py), without servers."""

from __future__ import annotations

import time

from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError

from channels.messages import MESSAGES
from sto_assistent.action_calls import APOLOGY_KEY, MIN_ACTION_SECONDS, _http_status, action_timeout, failure_events
from sto_assistent.turn_outcome import Turn


def test_a_call_gets_its_timeout_but_never_more_than_the_turn_can_spare(monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("DB_TIMEOUT_SECONDS", "1.5")
    assert action_timeout(None) == 3
    assert action_timeout(Turn(deadline=time.monotonic() + 10)) == 3
    assert 1.9 < action_timeout(Turn(deadline=time.monotonic() + 3.5)) <= 2.0  # the save needs 1.5 s
    assert action_timeout(Turn(deadline=time.monotonic() - 1)) == MIN_ACTION_SECONDS


def test_an_http_error_of_one_action_is_told_apart_from_an_unreachable_server():
    def raised_from(cause: BaseException) -> BaseException:
        try:
            raise RuntimeError("Failed to execute custom action") from cause
        except RuntimeError as error:
            return error

    assert _http_status(raised_from(ClientResponseError(500, "Internal Server Error", "{}"))) == 500
    assert _http_status(raised_from(ConnectionRefusedError())) is None


def tracker(*events):
    return DialogueStateTracker.from_events("0b6a3c8e-3f0e-4a43-9d0e-4c1f6f1b2a77", list(events))


def test_the_apology_is_a_stored_bot_event_once_per_turn_and_not_after_an_answer():
    (apology,) = failure_events("action_region", tracker(UserUttered("zwolle")))
    assert isinstance(apology, BotUttered) and apology.text == MESSAGES["action_failed"]
    assert apology.metadata == {"message_key": APOLOGY_KEY}
    assert failure_events("action_topic", tracker(UserUttered("wat is sto"), BotUttered("STO is ..."))) == []
    assert failure_events("action_validate_slot_mappings", tracker(UserUttered("zwolle"))) == []
    assert failure_events("action_region", tracker(BotUttered("eerder"), UserUttered("nu"))) != []
