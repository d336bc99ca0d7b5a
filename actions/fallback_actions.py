"""The first stage of the two-stage fallback: "Bedoelt u ...?" with topic buttons.

Rasa's TwoStageFallbackAction calls `action_default_ask_affirmation`; this replaces the
default (which shows raw intent names) with Dutch topic labels from
actions/messages/intent_labels.yml. A clicked button sends that intent; "Iets anders"
sends /out_of_scope, after which Rasa asks to rephrase and finally says it does not know.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions import messages
from actions.region_service import current_index

MAX_SUGGESTIONS = 3
# Rasa's TwoStageFallbackAction counts only `out_of_scope` as "none of these"; any other
# intent (deny too) ends the loop as if the user had clarified.
NONE_OF_THESE = "/out_of_scope"
MIN_SUGGESTION_CONFIDENCE = 0.05


def suggestions(intent_ranking: list[dict[str, Any]], labels: dict[str, str]) -> list[str]:
    """Intents worth offering: labelled (so not fallback/out of scope), confident enough."""
    picked: list[str] = []
    for candidate in intent_ranking:
        name = candidate.get("name")
        if name in labels and name not in picked:
            if (candidate.get("confidence") or 0.0) >= MIN_SUGGESTION_CONFIDENCE:
                picked.append(name)
        if len(picked) == MAX_SUGGESTIONS:
            break
    return picked


class ActionAskAffirmation(Action):
    def name(self) -> str:
        return "action_default_ask_affirmation"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        labels: dict[str, str] = messages.load("intent_labels")["labels"]
        ranking = tracker.latest_message.get("intent_ranking") or []
        offered = suggestions(ranking, labels)
        buttons = [{"title": labels[name], "payload": f"/{name}"} for name in offered]
        buttons.append({"title": messages.text("fallback", "something_else"), "payload": NONE_OF_THESE})
        key = "did_you_mean" if offered else "not_sure"
        messages.send(dispatcher, f"fallback.{key}", messages.text("fallback", key), buttons)
        return []


class ActionAskRephrase(Action):
    """Second stage: the user said the suggestions were not it."""

    def name(self) -> str:
        return "action_default_ask_rephrase"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        messages.send(dispatcher, "fallback.rephrase", messages.text("fallback", "rephrase"))
        return []


class ActionGiveUp(Action):
    """Last stage: say honestly that the assistant does not know, and where to go."""

    def name(self) -> str:
        return "action_default_fallback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = [
            {"title": messages.text("fallback", "button_region"), "payload": "/find_region"},
            {"title": messages.text("fallback", "button_forms"), "payload": "/contribution_overview"},
        ]
        email = current_index().data.national_contact.email
        messages.send(dispatcher, "fallback.dont_know", messages.text("fallback", "dont_know", email=email), buttons)
        # Like Rasa's default: forget the unclear message so it does not steer the dialogue.
        return [UserUtteranceReverted()]
