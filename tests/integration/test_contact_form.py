"""The contact request form, held over REST with the trained model and the action server.

Each path checks the answers (message keys and the facts in them) and what the tracker store
holds afterwards: one `contact_request` event with the details after a yes, none after a
"stop" or a no, and no details left in the conversation's slots either way.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conversation_log import last_turn, sqlite_events

NAME, COMPANY, EMAIL, PHONE = "Henk Bosman", "Bosman Grondverzet BV", "henk@bosman-grondverzet.nl", "06-41237788"
QUESTION = "Wij willen stageplekken aanbieden aan vmbo-leerlingen, hoe pakken we dat aan?"
DETAIL_SLOTS = ("contact_name", "contact_company", "contact_email", "contact_phone", "contact_question")


@pytest.fixture(scope="module")
def region_without_page(region_index):
    """A region the data file knows no region page for, and a place only it covers."""
    for region in region_index.data.regions:
        if region.contact != "national":
            continue
        for place in region.places:
            found = region_index.find(place)
            if found.found and len(found.regions) == 1 and " " not in place and len(place) > 4:
                return region, place
    pytest.fail("the data file has no region without a region page")


def requests_in(stack, sender: str) -> list[dict[str, Any]]:
    return [
        event["value"]
        for event in sqlite_events(stack.extra["db_file"], sender)
        if event.get("event") == "slot" and event.get("name") == "contact_request" and event.get("value")
    ]


def details_left(stack, sender: str) -> dict[str, Any]:
    """The form slots' values at the end of the conversation (None: nothing kept)."""
    last: dict[str, Any] = {}
    for event in sqlite_events(stack.extra["db_file"], sender):
        if event.get("event") == "slot" and event.get("name") in DETAIL_SLOTS:
            last[event["name"]] = event.get("value")
    return {name: value for name, value in last.items() if value is not None}


def keys(stack, sender: str) -> list[str]:
    return last_turn(stack, sender).keys


def fill_in(stack, sender: str, *answers: str) -> None:
    for answer in answers:
        stack.say(answer, sender)


def test_region_without_page_offers_a_request_and_sends_it(stack, region_without_page, national_email):
    region, place = region_without_page
    sender = uuid.uuid4().hex
    stack.say(f"wij zijn een installatiebedrijf in {place}, bij wie kunnen we terecht?", sender)
    found = last_turn(stack, sender)
    assert found.keys == ["region.found_place"] and found.slots.get("region_id") == region.id
    assert found.slots.get("contact_offered") is True and "contactverzoek" in found.text
    stack.say("ja graag", sender)
    assert keys(stack, sender) == ["contact.start", "contact.ask_contact_name"]
    fill_in(stack, sender, NAME, COMPANY, EMAIL)
    assert keys(stack, sender) == ["contact.ask_contact_phone"]
    stack.say(PHONE, sender)
    assert keys(stack, sender) == ["contact.ask_contact_question"]
    stack.say(QUESTION, sender)
    summary = last_turn(stack, sender)
    assert summary.keys == ["contact.summary"]
    for fact in (NAME, COMPANY, EMAIL, "+31641237788", region.name.rstrip("."), national_email, "privacy"):
        assert fact in summary.text
    assert requests_in(stack, sender) == [], "nothing is sent before the yes"
    stack.say("/affirm", sender)
    sent = last_turn(stack, sender)
    assert sent.keys == ["contact.sent"] and EMAIL in sent.text and "digitale assistent" in sent.text
    [request] = requests_in(stack, sender)
    assert request["name"] == NAME and request["company"] == COMPANY and request["email"] == EMAIL
    assert request["phone"] == "+31641237788" and request["question"] == QUESTION
    assert request["region_id"] == region.id and len(request["id"]) == 32
    assert national_email in request["consent_text"]
    assert details_left(stack, sender) == {}, "the details do not stay in the conversation's state"


def test_invalid_email_is_asked_again_then_accepted(stack):
    sender = uuid.uuid4().hex
    stack.say("kan iemand mij terugbellen?", sender)
    assert keys(stack, sender) == ["contact.offer"]
    stack.say("/affirm", sender)
    fill_in(stack, sender, "Zwolle", "Anna de Vries", "De Vries Metaal")
    stack.say("anna at devries punt nl", sender)
    assert keys(stack, sender) == ["contact.email_invalid", "contact.ask_contact_email"]
    stack.say("anna@devriesmetaal.nl", sender)
    assert keys(stack, sender) == ["contact.ask_contact_phone"]


def test_a_field_is_corrected_from_the_summary(stack):
    sender = uuid.uuid4().hex
    stack.say("Ik wil graag dat iemand contact met mij opneemt", sender)
    stack.say("/affirm", sender)
    fill_in(stack, sender, "Zwolle", NAME, COMPANY, "henk@verkeerd.nl", "geen", QUESTION)
    assert keys(stack, sender) == ["contact.summary"]
    stack.say("/contact_change", sender)
    assert keys(stack, sender) == ["contact.ask_field"]
    stack.say('/contact_change{"contact_field": "contact_email"}', sender)
    assert keys(stack, sender) == ["contact.ask_contact_email"]
    stack.say(EMAIL, sender)
    summary = last_turn(stack, sender)
    assert summary.keys == ["contact.summary"] and EMAIL in summary.text and "verkeerd" not in summary.text
    stack.say("ja, versturen maar", sender)
    [request] = requests_in(stack, sender)
    assert request["email"] == EMAIL and request["phone"] == ""


def test_a_typed_correction_at_the_summary(stack):
    sender = uuid.uuid4().hex
    stack.say("bel me maar terug", sender)
    stack.say("/affirm", sender)
    fill_in(stack, sender, "Zwolle", NAME, COMPANY, EMAIL, PHONE, QUESTION)
    stack.say("het telefoonnummer klopt niet", sender)
    assert keys(stack, sender) == ["contact.ask_contact_phone"]
    stack.say("0522 451230", sender)
    assert keys(stack, sender) == ["contact.summary"] and "+31522451230" in last_turn(stack, sender).text


def test_stop_halfway_keeps_nothing_and_the_bot_answers_again(stack):
    sender = uuid.uuid4().hex
    stack.say("kunnen jullie mij bellen?", sender)
    stack.say("/affirm", sender)
    fill_in(stack, sender, "Zwolle", NAME)
    stack.say("laat maar, ik wil toch niet", sender)
    assert keys(stack, sender) == ["contact.stopped"]
    assert requests_in(stack, sender) == [] and details_left(stack, sender) == {}
    stack.say("wat is sterk techniekonderwijs eigenlijk?", sender)
    assert keys(stack, sender) == ["utter_what_is_sto"]


def test_no_consent_sends_and_keeps_nothing(stack):
    sender = uuid.uuid4().hex
    stack.say("neem maar contact met mij op", sender)
    stack.say("/affirm", sender)
    fill_in(stack, sender, "Zwolle", NAME, COMPANY, EMAIL, "geen", QUESTION)
    stack.say("nee", sender)
    assert keys(stack, sender) == ["contact.not_sent"]
    assert requests_in(stack, sender) == [] and details_left(stack, sender) == {}


def test_region_unknown_is_asked_then_taken_from_the_answer(stack, region_index):
    zwolle = region_index.find("Zwolle").regions[0]
    sender = uuid.uuid4().hex
    stack.say("kan iemand mij terugbellen?", sender)
    stack.say("ja", sender)
    assert keys(stack, sender) == ["contact.start", "contact.ask_contact_place"]
    stack.say("we zitten in Zwolle", sender)
    assert keys(stack, sender) == ["contact.ask_contact_name"]
    assert last_turn(stack, sender).slots.get("region_id") == zwolle.id
    fill_in(stack, sender, NAME, COMPANY, EMAIL, "geen", QUESTION)
    assert zwolle.name.rstrip(".") in last_turn(stack, sender).text
    stack.say("/affirm", sender)
    [request] = requests_in(stack, sender)
    assert request["region_id"] == zwolle.id and request["region_name"] == zwolle.name


def test_details_typed_with_the_request_are_not_asked_again(stack):
    sender = uuid.uuid4().hex
    stack.say("Mijn naam is Henk Bosman, kunt u mij terugbellen op 06-41237788?", sender)
    assert keys(stack, sender) == ["contact.offer"]
    assert "41237788" not in last_turn(stack, sender).text, "the offer does not repeat the number"
    stack.say("ja graag", sender)
    fill_in(stack, sender, "Zwolle", COMPANY)
    assert keys(stack, sender) == ["contact.ask_contact_email"]
    stack.say(EMAIL, sender)
    assert keys(stack, sender) == ["contact.ask_contact_question"], "the phone number was given already"
    stack.say(QUESTION, sender)
    assert NAME in last_turn(stack, sender).text and "+31641237788" in last_turn(stack, sender).text


def test_a_question_instead_of_a_name_is_not_taken_as_the_name(stack):
    sender = uuid.uuid4().hex
    stack.say("ik wil een contactverzoek doen", sender)
    stack.say("/affirm", sender)
    stack.say("Zwolle", sender)
    stack.say("hoeveel moeten we eigenlijk bijdragen?", sender)
    assert keys(stack, sender) == ["contact.name_invalid", "contact.ask_contact_name"]


def test_an_offer_not_taken_is_forgotten(stack):
    sender = uuid.uuid4().hex
    stack.say("Bel me op 06-41237788", sender)
    assert keys(stack, sender) == ["contact.offer"]
    stack.say("hoeveel cofinanciering is er nodig?", sender)
    assert keys(stack, sender) == ["utter_cofinancing_amount"]
    assert details_left(stack, sender) == {}
    stack.say("ja", sender)
    assert "contact.start" not in keys(stack, sender), "a later yes does not start a request"
