"""The user lines of the test stories are classified as the stories say.

`rasa test core --fail-on-prediction-errors` checks the bot's actions but takes the intents
from the story, so a misclassified user line would pass there. This closes that gap.
"""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from channels.input_guard import clean_text
from tests import servers
from tests.async_run import run_in_fresh_thread

STORIES_DIR = Path(__file__).resolve().parent / "stories"


def user_steps():
    steps = []
    for path in sorted(STORIES_DIR.glob("*.yml")):
        for story in yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]:
            for step in story["steps"]:
                if "user" in step:
                    steps.append((story["story"], step["user"].strip(), step["intent"]))
    return steps


STEPS = user_steps()


@pytest.fixture(scope="module")
def parse():
    if not servers.MODEL.exists():
        pytest.fail(f"No trained model at {servers.MODEL}: run `make train`.")
    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)

    agent = Agent.load(str(servers.MODEL))
    return lambda text: run_in_fresh_thread(agent.parse_message(clean_text(text).text))


def test_there_are_story_lines():
    assert len(STEPS) >= 40


@pytest.mark.parametrize("story, text, intent", STEPS, ids=[f"{s[0][:30]}|{s[1][:30]}" for s in STEPS])
def test_story_line_is_classified_as_labelled(parse, story, text, intent):
    import re

    plain = re.sub(r"\[([^\]]+)\]\([a-z_]+\)", r"\1", text)
    result = parse(plain)
    predicted = result["intent"].get("full_retrieval_intent_name") or result["intent"]["name"]
    places = [e for e in result.get("entities", []) if e["entity"] == "place"]
    if intent == "inform_place" and predicted == "nlu_fallback" and places:
        return  # by design: a recognised place under low confidence is still looked up
    if "/" in intent and predicted == intent.split("/")[0]:
        selector = result.get("response_selector", {}).get(predicted, {})
        predicted = selector.get("response", {}).get("intent_response_key", predicted)
    assert predicted == intent, f"{story}: {plain!r} -> {predicted}"
