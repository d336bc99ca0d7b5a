"""The company's region as conversation state: remembered from any message that names it.

After every user message the custom slot mapping of `region_id` (actions/slot_mappings.py)
calls `region_of_latest`: whatever the intent, a message that clearly names one region,
through a place, region name or province-narrowed place, sets `region_id`; later answers
use it. The decision which region a message means is the data layer's (`sto_regions.resolve`).
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Tracker

from actions.region_service import current_index
from sto_regions import RegionDataError, Resolution, resolve

logger = logging.getLogger(__name__)

PLACE_ENTITY = "place"
SLOT_REGION = "region_id"
# Messages about a place: the whole text is also tried as a name, typos included.
PLACE_INTENTS = {"find_region", "nlu_fallback"}


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


def region_of_latest(tracker: Tracker) -> dict[str, Any]:
    """The `region_id` slot event for the latest message, if it names exactly one region."""
    try:
        resolution = resolve_latest(tracker, remember=False)
    except RegionDataError as error:
        logger.error("Region data unavailable while reading a message: %s", error)
        return {}
    region = resolution.region
    return {SLOT_REGION: region.id} if region is not None else {}
