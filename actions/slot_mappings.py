"""Rasa's custom slot mappings: run after every user message, whatever its intent.

- `region_id`: the region the message names (actions/region_context.py);
- `topic`: the question the message asks, kept for follow-ups (actions/topic_context.py).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.region_context import region_of_latest
from actions.topic_context import SLOT_TOPIC, topic_of


class ValidateSlotMappings(ValidationAction):
    async def extract_region_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return region_of_latest(tracker)

    async def extract_topic(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        topic = topic_of(tracker.latest_message)
        return {SLOT_TOPIC: topic} if topic else {}
