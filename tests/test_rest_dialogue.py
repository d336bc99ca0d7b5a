"""Real conversations over REST with the trained model, the action server and SQLite."""
from __future__ import annotations

import uuid

import pytest


def texts(replies):
    return " ".join(r.get("text", "") for r in replies)


def test_dutch_question_gets_the_cofinancing_answer(stack):
    replies = stack.say("Hoeveel moet ons bedrijf bijdragen aan de cofinanciering?")
    assert "10%" in texts(replies)
    assert any(b["payload"] == "/contribution_overview" for r in replies for b in r.get("buttons", []))


def test_region_dialogue_with_follow_ups(stack):
    sender = uuid.uuid4().hex
    asked = stack.say("Bij welke regio hoort mijn bedrijf?", sender)
    assert "In welke plaats of gemeente" in texts(asked)
    found = stack.say("Lelystad", sender)
    assert "STO-regio Lelystad" in texts(found)
    contact = stack.say("en hoe bereik ik hen?", sender)
    assert "https://www.sterktechniekonderwijs.nl/regio/lelystad/" in texts(contact)
    schools = stack.say("/region_schools", sender)
    assert "Aeres VMBO Lelystad" in texts(schools)


def test_region_found_in_the_middle_of_another_topic(stack):
    sender = uuid.uuid4().hex
    internships = stack.say("Wij willen graag stageplaatsen aanbieden aan vmbo-leerlingen", sender)
    assert texts(internships)
    found = stack.say("we zitten in Emmeloord", sender)
    assert "Noordoostpolder en Urk" in texts(found)


def test_two_stage_fallback_ends_with_an_honest_dont_know(stack):
    # A low-confidence message reaches the dialogue as intent nlu_fallback; the payload
    # triggers exactly that, whatever the model scores for a given sentence.
    sender = uuid.uuid4().hex
    first = stack.say("/nlu_fallback", sender)
    assert "Ik weet niet zeker of ik u goed begrijp" in texts(first)
    assert first[-1]["buttons"][-1] == {"title": "Iets anders", "payload": "/out_of_scope"}
    assert "andere woorden" in texts(stack.say("/out_of_scope", sender))
    assert "Ik weet niet zeker" in texts(stack.say("/nlu_fallback", sender))
    final = stack.say("/out_of_scope", sender)
    assert "Dat weet ik helaas niet" in texts(final)
    assert "info@sterktechniekonderwijs.nl" in texts(final)


def test_suggested_topic_button_answers_that_topic(stack):
    sender = uuid.uuid4().hex
    stack.say("/nlu_fallback", sender)
    assert "10%" in texts(stack.say("/cofinancing_amount", sender))


def test_talking_to_a_person_never_pretends_a_human_is_connected(stack):
    reply = texts(stack.say("Kan ik iemand van STO aan de lijn krijgen?"))
    assert "info@sterktechniekonderwijs.nl" in reply
    assert "doorverbind" in reply or "niet" in reply


def test_out_of_scope_says_what_the_assistant_can_do(stack):
    reply = texts(stack.say("Wie heeft de Champions League gewonnen vorig jaar?"))
    assert "cofinanciering" in reply.lower() or "regio" in reply.lower()


@pytest.mark.parametrize("place, region", [
    ("Wageningen", "meer dan één STO-regio"),
    ("Klazienaveen", "STO-regio Emmen/Ter Apel"),
    ("Beverwijk", "STO-regio IJmond en Zuid-Kennemerland"),
    ("Gelderland", "provincie Gelderland"),
])
def test_a_bare_place_name_without_context_is_looked_up(stack, place, region):
    assert region in texts(stack.say(place))
