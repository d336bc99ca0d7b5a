"""Rasa's custom slot mappings: run after every user message, whatever its intent.

- `region_id`: the region the message names (actions/region_context.py);
- `topic`: the question the message asks, kept for follow-ups (actions/topic_context.py);
- `contact_offered`: an offer of a contact request holds for one answer only.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions import contact_request as request
from actions.region_context import latest_intent, region_of_latest
from actions.topic_context import SLOT_TOPIC, topic_of

# Answers to an offer that start the contact request (data/rules/contact.yml).
OFFER_ACCEPTED_BY = {"affirm", "callback_request"}


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

    async def extract_contact_offered(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if not tracker.get_slot(request.SLOT_OFFERED) or latest_intent(tracker) in OFFER_ACCEPTED_BY:
            return {}
        return {request.SLOT_OFFERED: False}
