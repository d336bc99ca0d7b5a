"""The company's region as conversation state: remembered from any message that names it.

`action_validate_slot_mappings` runs after every user message (Rasa's custom slot mapping
for `region_id`). Whatever the intent, a message that clearly names one region, through a
place, region name or province-narrowed place, sets `region_id`; later answers use it. The
decision which region a message means is the data layer's (`sto_regions.resolve`).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.region_service import current_index
from sto_regions import RegionDataError, Resolution, resolve

logger = logging.getLogger(__name__)

PLACE_ENTITY = "place"
SLOT_REGION = "region_id"
# Messages about a place: the whole text is also tried as a name, typos included.
PLACE_INTENTS = {"find_region", "inform_place", "nlu_fallback"}


def latest_text(tracker: Tracker) -> str:
    text = tracker.latest_message.get("text") or ""
    return "" if text.startswith("/") else text


def place_entities(tracker: Tracker) -> list[str]:
    return [
        e["value"]
        for e in tracker.latest_message.get("entities", [])
        if e.get("entity") == PLACE_ENTITY and isinstance(e.get("value"), str)
    ]


def latest_intent(tracker: Tracker) -> str | None:
    name = (tracker.latest_message.get("intent") or {}).get("name")
    return name if isinstance(name, str) else None


def resolve_latest(tracker: Tracker, remember: bool = True) -> Resolution:
    """What the latest message means, falling back on the remembered region."""
    return resolve(
        current_index(),
        latest_text(tracker),
        place_entities(tracker),
        tracker.get_slot(SLOT_REGION) if remember else None,
        lenient=latest_intent(tracker) in PLACE_INTENTS,
    )


class ValidateSlotMappings(ValidationAction):
    """Fills `region_id` from every message that names exactly one region."""

    async def extract_region_id(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            resolution = resolve_latest(tracker, remember=False)
        except RegionDataError as error:
            logger.error("Region data unavailable while reading a message: %s", error)
            return {}
        region = resolution.region
        return {SLOT_REGION: region.id} if region is not None else {}
