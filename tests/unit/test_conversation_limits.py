"""Offered payloads and the per-conversation message rate (channels/conversation_limits.py)."""

from __future__ import annotations

import pytest
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from channels.conversation_limits import MessageRate, offered_payloads, sets_slots

REGION_BUTTON = '/find_region{"place": "zwolle"}'


@pytest.mark.parametrize(
    "text, sets",
    [(REGION_BUTTON, True), ('/contact_change{"contact_field": "email"}', True), ("/affirm", False), ("ja", False)],
)
def test_only_payloads_with_entities_set_slots(text, sets):
    assert sets_slots(text) is sets


def tracker(*events):
    return DialogueStateTracker.from_events("0b6a3c8e-3f0e-4a43-9d0e-4c1f6f1b2a77", list(events))


def test_the_buttons_since_the_users_last_message_are_offered():
    old = BotUttered("Welke regio?", {"buttons": [{"title": "Oud", "payload": '/find_region{"place": "oud"}'}]})
    offered = BotUttered("Bedoelt u Zwolle?", {"buttons": [{"title": "Zwolle", "payload": REGION_BUTTON}]})
    found = offered_payloads(tracker(old, UserUttered("zwolle"), ActionExecuted("action_region"), offered))
    assert found == {REGION_BUTTON}


def test_nothing_is_offered_once_the_user_has_answered():
    offered = BotUttered("Bedoelt u Zwolle?", {"buttons": [{"title": "Zwolle", "payload": REGION_BUTTON}]})
    assert offered_payloads(tracker(offered, UserUttered("nee"))) == set()


def test_the_rate_counts_per_conversation_within_the_window():
    rate = MessageRate(limit=3, window=60)
    assert all(rate.allow("a", now=t) for t in (0, 1, 2))
    assert not rate.allow("a", now=3), "a fourth message within the minute"
    assert rate.allow("b", now=3), "another conversation has its own count"
    assert rate.allow("a", now=60.5), "the first message has left the window"
    assert not rate.allow("a", now=60.6)
