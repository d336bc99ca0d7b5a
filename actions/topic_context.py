"""The topic of the conversation as state, and short follow-ups answered in its context.

The slot `topic` holds the last question the assistant answered (its intent), set by the
custom slot mapping after every confidently classified message. A follow-up that leans on
that answer ("moet dat in geld?", "om welk bedrag gaat het dan?") often falls below the
fallback threshold, split between a few intents. `action_contextual_fallback` runs for
such a message: when one of its best intents belongs to the same topic family as `topic`
(actions/topics.yml), the message is answered as that intent; otherwise the usual
"Bedoelt u ...?" two-stage fallback starts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, FollowupAction, SlotSet, UserUtteranceReverted, UserUttered
from rasa_sdk.executor import CollectingDispatcher

TOPICS_FILE = Path(__file__).with_name("topics.yml")
SLOT_TOPIC = "topic"
FALLBACK_INTENT = "nlu_fallback"
TWO_STAGE_FALLBACK = "action_two_stage_fallback"


@dataclass(frozen=True)
class TopicFamilies:
    families: Mapping[str, frozenset[str]]
    min_confidence: float
    candidates: int
    after_any_topic: frozenset[str] = frozenset()

    def is_topic(self, intent: str | None) -> bool:
        return any(intent in members for members in self.families.values())

    def related(self, intent: str, topic: str) -> bool:
        if intent in self.after_any_topic:
            return True
        return any(intent in members and topic in members for members in self.families.values())

    def choose(self, ranking: Sequence[Mapping[str, Any]], topic: str | None) -> str | None:
        """The intent an unsure message means in the context of `topic`, or None."""
        if not self.is_topic(topic):
            return None
        best = [r for r in ranking if r.get("name") != FALLBACK_INTENT][: self.candidates]
        for candidate in best:
            name, confidence = candidate.get("name"), candidate.get("confidence") or 0.0
            if isinstance(name, str) and confidence >= self.min_confidence and self.related(name, str(topic)):
                return name
        return None


@cache
def topic_families() -> TopicFamilies:
    """Loaded once; a broken file fails loudly with its path."""
    data = yaml.safe_load(TOPICS_FILE.read_text(encoding="utf-8"))
    try:
        families = {name: frozenset(members) for name, members in data["families"].items()}
        return TopicFamilies(
            families,
            float(data["min_confidence"]),
            int(data["candidates"]),
            frozenset(data.get("after_any_topic") or ()),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise ValueError(f"{TOPICS_FILE}: needs families, min_confidence and candidates ({error})") from error


def topic_of(parse_data: Mapping[str, Any]) -> str | None:
    """The topic a message sets: its intent, when that is a topic. An unsure message has
    the intent `nlu_fallback` (Rasa's FallbackClassifier) and sets none."""
    name = (parse_data.get("intent") or {}).get("name")
    return name if isinstance(name, str) and topic_families().is_topic(name) else None


def _slot_events_since_last_user_message(tracker: Tracker) -> list[EventType]:
    """Slots the slot mappings set for the latest message (undone by a revert)."""
    events: list[EventType] = []
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "slot" and event.get("name") != SLOT_TOPIC:
            events.insert(0, SlotSet(event["name"], event.get("value")))
    return events


class ActionContextualFallback(Action):
    """Below the fallback threshold: answer in the context of the topic, or ask."""

    def name(self) -> str:
        return "action_contextual_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        message = tracker.latest_message
        ranking = message.get("intent_ranking") or []
        chosen = topic_families().choose(ranking, tracker.get_slot(SLOT_TOPIC))
        if chosen is None:
            return [FollowupAction(TWO_STAGE_FALLBACK)]
        confidence = next((r.get("confidence") for r in ranking if r.get("name") == chosen), None)
        parse_data = {**message, "intent": {"name": chosen, "confidence": confidence}}
        metadata = {**(message.get("metadata") or {}), "intent_from_topic": tracker.get_slot(SLOT_TOPIC)}
        # As Rasa's own two-stage fallback does after a "yes": the message is told again with
        # the intent it means, so the rules answer it as if it had been clear.
        retold = UserUttered(message.get("text"), parse_data, input_channel=tracker.get_latest_input_channel())
        retold["metadata"] = metadata
        return [
            UserUtteranceReverted(),
            ActionExecuted("action_listen"),
            retold,
            *_slot_events_since_last_user_message(tracker),
            SlotSet(SLOT_TOPIC, chosen),
        ]
