"""The topic as conversation state: which follow-ups are read in its context, and how."""

from __future__ import annotations

from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.slot_mappings import ValidateSlotMappings
from actions.topic_context import ActionContextualFallback, topic_families, topic_of
from sto_assistent.settings import DOMAIN_DIR
from tests.async_run import run_in_fresh_thread

FOLLOW_UP_RANKING = [
    {"name": "nlu_fallback", "confidence": 0.5},
    {"name": "contribution_financial", "confidence": 0.24},
    {"name": "cofinancing_money_or_kind", "confidence": 0.23},
    {"name": "out_of_scope_insult", "confidence": 0.05},
]


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(DOMAIN_DIR)).as_dict()


def fallback_tracker(
    text: str, ranking: list[dict[str, Any]], topic: str | None, events: list[dict[str, Any]]
) -> Tracker:
    latest = {
        "text": text,
        "intent": {"name": "nlu_fallback", "confidence": 0.5},
        "entities": [],
        "intent_ranking": ranking,
        "metadata": {"page": "/"},
    }
    slots = {"topic": topic, "region_id": None, "place": None, "awaiting_place": False}
    return Tracker("test-sender", slots, latest, events, False, None, {}, "action_listen")


def test_every_intent_of_a_family_is_in_the_domain(domain):
    named = set().union(*topic_families().families.values(), topic_families().after_any_topic)
    assert named <= set(domain["intents"])
    assert "greet" not in named and "thank" not in named, "small talk is no topic"


@pytest.mark.parametrize(
    "topic, chosen",
    [
        ("cofinancing_amount", "contribution_financial"),  # both in the co-financing family
        ("contribution_internships", "contribution_financial"),
        ("what_is_sto", None),  # neither candidate is about the programme
        (None, None),  # no topic yet: ask
        ("thank", None),
    ],
)
def test_a_follow_up_is_read_in_the_family_of_the_topic(topic, chosen):
    assert topic_families().choose(FOLLOW_UP_RANKING, topic) == chosen


def test_asking_whom_to_contact_follows_any_topic():
    ranking = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "find_region", "confidence": 0.35}]
    assert topic_families().choose(ranking, "company_benefits") == "find_region"
    assert topic_families().choose(ranking, None) is None, "but only once there is a topic"


def test_only_the_best_candidates_count_and_only_when_confident_enough():
    families = topic_families()
    weak = [{"name": "nlu_fallback", "confidence": 0.5}, {"name": "cofinancing_who", "confidence": 0.1}]
    assert families.choose(weak, "cofinancing_amount") is None
    third = [
        {"name": "what_is_sto", "confidence": 0.3},
        {"name": "regions_active", "confidence": 0.3},
        {"name": "cofinancing_who", "confidence": 0.3},
    ]
    assert families.choose(third, "cofinancing_amount") is None


@pytest.mark.parametrize(
    "intent, topic",
    [("cofinancing_amount", "cofinancing_amount"), ("nlu_fallback", None), ("thank", None), ("affirm", None)],
)
def test_the_topic_is_the_last_question_answered(domain, intent, topic):
    latest = {"text": "x", "intent": {"name": intent, "confidence": 0.9}, "entities": []}
    assert topic_of(latest) == topic
    tracker = Tracker("s", {"topic": "budget"}, latest, [], False, None, {}, "action_listen")
    slots = run_in_fresh_thread(ValidateSlotMappings().extract_topic(CollectingDispatcher(), tracker, domain))
    assert slots == ({"topic": topic} if topic else {}), "an unsure or small-talk message keeps the topic"


def test_a_follow_up_is_told_again_with_the_intent_it_means(domain):
    events = [
        {"event": "user", "text": "hoeveel moeten we bijdragen?"},
        {"event": "slot", "name": "topic", "value": "cofinancing_amount"},
        {"event": "user", "text": "moet dat in geld? wij zitten in Zwolle"},
        {"event": "slot", "name": "region_id", "value": "zwolle"},
    ]
    tracker = fallback_tracker(events[2]["text"], FOLLOW_UP_RANKING, "cofinancing_amount", events)
    result = run_in_fresh_thread(ActionContextualFallback().run(CollectingDispatcher(), tracker, domain))
    assert [e["event"] for e in result] == ["rewind", "action", "user", "slot", "slot"]
    assert result[1]["name"] == "action_listen"
    retold = result[2]
    assert retold["text"] == events[2]["text"]
    assert retold["parse_data"]["intent"] == {"name": "contribution_financial", "confidence": 0.24}
    assert retold["parse_data"]["intent_ranking"] == FOLLOW_UP_RANKING, "the ranking stays for review"
    assert retold["metadata"] == {"page": "/", "intent_from_topic": "cofinancing_amount"}
    assert result[3] == {**result[3], "name": "region_id", "value": "zwolle"}, "the region it named is kept"
    assert result[4]["name"] == "topic" and result[4]["value"] == "contribution_financial"


def test_without_a_related_topic_the_two_stage_fallback_asks(domain):
    tracker = fallback_tracker("moet dat in geld?", FOLLOW_UP_RANKING, "what_is_sto", [])
    dispatcher = CollectingDispatcher()
    result = run_in_fresh_thread(ActionContextualFallback().run(dispatcher, tracker, domain))
    assert result == [{"event": "followup", "timestamp": None, "name": "action_two_stage_fallback"}]
    assert dispatcher.messages == []
