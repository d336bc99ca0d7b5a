"""Real conversations over REST with the trained model, the action server and SQLite.

Each turn is checked by what the conversation log says was answered (response or message
key, region slot) plus the facts that matter, taken from the region data file.
"""

from __future__ import annotations

import uuid

import pytest

from actions import messages as action_messages
from actions.fallback_actions import NONE_OF_THESE
from tests.conversation_log import last_turn


def test_dutch_question_gets_the_cofinancing_answer(stack):
    sender = uuid.uuid4().hex
    replies = stack.say("Hoeveel moet ons bedrijf bijdragen aan de cofinanciering?", sender)
    turn = last_turn(stack, sender)
    assert turn.intent == "cofinancing_amount" and turn.keys == ["utter_cofinancing_amount"]
    assert "10%" in turn.text
    assert any(b["payload"] == "/contribution_overview" for r in replies for b in r.get("buttons", []))


def test_region_dialogue_with_follow_ups(stack, region_index):
    region = region_index.region("lelystad")
    assert region is not None and region.url and region.schools
    sender = uuid.uuid4().hex
    stack.say("Bij welke regio hoort mijn bedrijf?", sender)
    assert last_turn(stack, sender).keys == ["region.ask_place"]
    stack.say("Lelystad", sender)
    found = last_turn(stack, sender)
    assert found.keys == ["region.found_place"] and found.slots["region_id"] == region.id
    stack.say("en hoe bereik ik hen?", sender)
    contact = last_turn(stack, sender)
    assert contact.keys == ["region.found_remembered"] and region.url in contact.text
    stack.say("/region_schools", sender)
    schools = last_turn(stack, sender)
    assert schools.keys == ["region.schools_known"] and region.schools[0] in schools.text


def test_region_found_in_the_middle_of_another_topic(stack, region_index):
    sender = uuid.uuid4().hex
    stack.say("Wij willen graag stageplaatsen aanbieden aan vmbo-leerlingen", sender)
    assert last_turn(stack, sender).keys == ["utter_contribution_internships"]
    stack.say("we zitten in Emmeloord", sender)
    found = last_turn(stack, sender)
    assert "action_find_region" in found.actions and found.keys == ["region.found_place"]
    assert found.slots["region_id"] == region_index.find("Emmeloord").regions[0].id


def test_two_stage_fallback_ends_with_an_honest_dont_know(stack, national_email):
    # A low-confidence message reaches the dialogue as intent nlu_fallback; the payload
    # triggers exactly that, whatever the model scores for a given sentence.
    sender = uuid.uuid4().hex
    first = stack.say("/nlu_fallback", sender)
    assert last_turn(stack, sender).keys[0].startswith("fallback.")
    assert first[-1]["buttons"][-1] == {
        "title": action_messages.text("fallback", "something_else"),
        "payload": NONE_OF_THESE,
    }
    stack.say(NONE_OF_THESE, sender)
    assert last_turn(stack, sender).keys == ["fallback.rephrase"]
    stack.say("/nlu_fallback", sender)
    assert last_turn(stack, sender).keys[0].startswith("fallback.")
    stack.say(NONE_OF_THESE, sender)
    final = last_turn(stack, sender)
    assert final.keys == ["fallback.dont_know"] and national_email in final.text


def test_suggested_topic_button_answers_that_topic(stack):
    sender = uuid.uuid4().hex
    stack.say("/nlu_fallback", sender)
    stack.say("/cofinancing_amount", sender)
    assert last_turn(stack, sender).keys == ["utter_cofinancing_amount"]


def test_asking_for_a_person_gets_the_handoff_answer(stack, national_email):
    sender = uuid.uuid4().hex
    stack.say("Kan ik iemand van STO aan de lijn krijgen?", sender)
    turn = last_turn(stack, sender)
    assert turn.intent == "human_handoff" and turn.keys == ["utter_human_handoff", "contact.offer"]
    assert national_email in turn.text and turn.slots["contact_offered"] is True


def test_out_of_scope_gets_an_out_of_scope_answer(stack):
    sender = uuid.uuid4().hex
    stack.say("Wie heeft de Champions League gewonnen vorig jaar?", sender)
    turn = last_turn(stack, sender)
    assert len(turn.keys) == 1 and turn.keys[0].startswith("utter_out_of_scope_"), turn.keys
    assert "action_default_ask_affirmation" not in turn.actions


@pytest.mark.parametrize("place", ["Wageningen", "Klazienaveen", "Beverwijk", "Gelderland"])
def test_a_bare_place_name_without_context_is_looked_up(stack, region_index, place):
    sender = uuid.uuid4().hex
    replies = stack.say(place, sender)
    turn = last_turn(stack, sender)
    expected = region_index.find(place)
    if expected.kind == "province":
        assert turn.keys == ["region.province_regions"]
    elif len(expected.regions) > 1:
        assert turn.keys == ["region.several_regions"]
        payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
        assert payloads == [f'/find_region{{"place": "{r.id}"}}' for r in expected.regions]
    else:
        assert turn.keys == ["region.found_place"] and turn.slots["region_id"] == expected.regions[0].id
