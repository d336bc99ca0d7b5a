"""Custom actions run against the real domain and the real region data file.

Assertions name the message key that was sent (`region.found_place`) and the facts that
matter (region name, page, e-mail address), all taken from the data file, never wording.
"""

from __future__ import annotations

import inspect
import json
import pkgutil
from importlib import import_module
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

import actions
from actions import messages as action_messages
from actions import region_service
from actions.fallback_actions import NONE_OF_THESE, ActionAskAffirmation, ActionAskRephrase, ActionGiveUp
from actions.region_actions import (
    ActionFindRegion,
    ActionPlaceDeclined,
    ActionRegionNextStep,
    ActionRegionSchools,
)
from actions.slot_mappings import ValidateSlotMappings
from sto_assistent.settings import DOMAIN_DIR
from sto_regions import Region, RegionIndex
from tests.async_run import run_in_fresh_thread


@pytest.fixture(scope="module")
def domain() -> dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(DOMAIN_DIR)).as_dict()


@pytest.fixture(autouse=True)
def real_region_file(monkeypatch):
    monkeypatch.delenv("REGIONS_URL", raising=False)
    monkeypatch.delenv("REGIONS_FILE", raising=False)
    region_service.repository.cache_clear()
    yield
    region_service.repository.cache_clear()


def tracker(
    text: str = "",
    intent: str = "find_region",
    places: list[str] | None = None,
    slots: dict[str, Any] | None = None,
    ranking: list[dict[str, Any]] | None = None,
) -> Tracker:
    entities = [{"entity": "place", "value": p} for p in (places or [])]
    latest = {
        "text": text,
        "intent": {"name": intent, "confidence": 0.9},
        "entities": entities,
        "intent_ranking": ranking or [{"name": intent, "confidence": 0.9}],
    }
    all_slots = {"place": (places or [None])[0], "region_id": None, "awaiting_place": False}
    all_slots.update(slots or {})
    return Tracker("test-sender", all_slots, latest, [], False, None, {}, "action_listen")


def run(action: Action, tracker_: Tracker, domain: dict[str, Any]):
    dispatcher = CollectingDispatcher()
    events = run_in_fresh_thread(action.run(dispatcher, tracker_, domain))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def only(messages: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(messages) == 1, messages
    return messages[0]


def region_where(index: RegionIndex, **wanted: Any) -> tuple[Region, str]:
    """A region with the wanted attributes and one of its places that finds only it."""
    for region in index.data.regions:
        if all(getattr(region, name) == value for name, value in wanted.items()):
            for place in region.places:
                if [r.id for r in index.find(place).regions] == [region.id]:
                    return region, place
    raise AssertionError(f"no region with {wanted} in the data file")


def region_with_page(index: RegionIndex) -> tuple[Region, str]:
    for region in index.data.regions:
        if region.contact == "region_page" and region.url and region.schools:
            return region, next(p for p in region.places if index.find(p).regions == (region,))
    raise AssertionError("no region with a page and schools")


def test_place_found_with_region_page(domain, region_index):
    region, place = region_with_page(region_index)
    message, slots = run(ActionFindRegion(), tracker(place, places=[place]), domain)
    message = only(message)
    assert message["message_parts"] == ["region.found_place", "region.contact_region_page"]
    assert region.name.rstrip(".") in message["text"] and region.url in message["text"]
    assert slots == {"place": None, "awaiting_place": False, "region_id": region.id}
    assert {b["payload"] for b in message["buttons"]} == {"/region_schools", "/contribution_overview"}


def test_place_without_region_page_gets_the_national_route(domain, region_index, national_email):
    region, place = region_where(region_index, contact="national", name_uncertain=False)
    message, slots = run(ActionFindRegion(), tracker(place, places=[place]), domain)
    message = only(message)
    assert message["message_parts"] == ["region.found_place", "region.contact_national", "contact.offer_after_region"]
    assert national_email in message["text"] and region.name.rstrip(".") in message["text"]
    assert slots["region_id"] == region.id and slots["contact_offered"] is True
    assert message["buttons"][0]["payload"] == "/affirm", "a yes starts the contact request"


def test_place_with_region_page_gets_no_contact_offer(domain, region_index):
    region, place = region_where(region_index, contact="region_page", name_uncertain=False)
    message, slots = run(ActionFindRegion(), tracker(place, places=[place]), domain)
    assert "contact.offer_after_region" not in only(message)["message_parts"]
    assert "contact_offered" not in slots


def test_uncertain_region_name_is_flagged(domain, region_index):
    region, place = region_where(region_index, name_uncertain=True)
    message, slots = run(ActionFindRegion(), tracker(place, places=[place]), domain)
    assert "region.name_uncertain" in only(message)["message_parts"]
    assert slots["region_id"] == region.id


def test_typo_in_free_text_without_entity(domain, region_index):
    message, slots = run(ActionFindRegion(), tracker("wij zitten in Zwole"), domain)
    assert only(message)["message_key"] == "region.found_place_fuzzy"
    assert "Zwolle" in message[0]["text"]
    assert slots["region_id"] == region_index.find("Zwolle").regions[0].id


def test_longest_place_entity_wins(domain, region_index):
    _, slots = run(
        ActionFindRegion(),
        tracker("in West-Brabant Midden", places=["West-Brabant", "West-Brabant Midden"]),
        domain,
    )
    assert slots["region_id"] == region_index.find("West-Brabant Midden").regions[0].id
    assert slots["region_id"] != region_index.find("West-Brabant").regions[0].id


def test_a_region_name_ending_in_a_full_stop_gets_no_second_one(domain, region_index):
    region = next(r for r in region_index.data.regions if r.name.endswith("."))
    message, _ = run(ActionFindRegion(), tracker(region.name, places=[region.name]), domain)
    text = only(message)["text"]
    assert region.name in text and region.name + "." not in text


def test_alias_entity(domain, region_index):
    alias, target = next(iter(region_index.data.place_aliases.items()))
    _, slots = run(ActionFindRegion(), tracker(alias, places=[alias]), domain)
    expected = region_index.find(target).regions
    assert len(expected) == 1 and slots["region_id"] == expected[0].id


def test_ambiguous_place_offers_each_region(domain, region_index):
    place = next(p for r in region_index.data.regions for p in r.places if len(region_index.find(p).regions) > 1)
    message, slots = run(ActionFindRegion(), tracker(place, places=[place]), domain)
    assert only(message)["message_key"] == "region.several_regions"
    payloads = [b["payload"] for b in message[0]["buttons"]]
    assert payloads == [f'/find_region{{"place": "{r.id}"}}' for r in region_index.find(place).regions]
    assert "region_id" not in slots


def test_button_payload_with_region_id_resolves(domain, region_index):
    region = region_index.data.regions[3]
    payload = f'/find_region{{"place": "{region.id}"}}'
    message, slots = run(ActionFindRegion(), tracker(payload, places=[region.id]), domain)
    assert only(message)["message_key"] == "region.found_region"
    assert slots["region_id"] == region.id


def test_province_lists_all_its_regions_as_buttons_that_resolve(domain, region_index):
    message, _ = run(ActionFindRegion(), tracker("Gelderland", places=["Gelderland"]), domain)
    assert only(message)["message_key"] == "region.province_regions"
    in_province = region_index.find_by_province("Gelderland").regions
    assert [b["title"] for b in message[0]["buttons"]] == [r.name[:60] for r in in_province]
    for button, region in zip(message[0]["buttons"], in_province, strict=True):
        place = json.loads(button["payload"][len("/find_region") :])["place"]
        assert region_index.find(place).regions == (region,)


def test_unknown_place_offers_overview_and_national_contact(domain, region_index, national_email):
    message, slots = run(ActionFindRegion(), tracker("Parijs", places=["Parijs"]), domain)
    text = only(message)["text"]
    assert message[0]["message_key"] == "region.not_found"
    assert "Parijs" in text and national_email in text
    assert region_index.data.national_contact.regions_overview_url in text
    assert slots["awaiting_place"] is False and "region_id" not in slots


def test_no_place_asks_for_it(domain):
    message, slots = run(ActionFindRegion(), tracker("bij welke regio horen wij?", intent="find_region"), domain)
    assert only(message)["message_key"] == "region.ask_place"
    assert slots == {"place": None, "awaiting_place": True}


def test_region_question_without_place_uses_the_known_region(domain, region_index):
    region = region_index.data.regions[10]
    message, slots = run(
        ActionFindRegion(),
        tracker("wie is mijn contactpersoon in de regio?", intent="find_region", slots={"region_id": region.id}),
        domain,
    )
    assert only(message)["message_key"] == "region.found_remembered", "says it assumed the remembered region"
    assert region.name.rstrip(".") in message[0]["text"]
    assert slots["region_id"] == region.id


def test_declining_to_name_a_place(domain, region_index, national_email):
    message, slots = run(ActionPlaceDeclined(), tracker("weet ik niet", intent="dont_know_place"), domain)
    assert only(message)["message_key"] == "region.declined"
    assert region_index.data.national_contact.regions_overview_url in message[0]["text"]
    assert national_email in message[0]["text"]
    assert slots["awaiting_place"] is False


@pytest.mark.parametrize(
    "action, intent, parts",
    [
        (ActionRegionSchools(), "region_schools", ["region.schools_known", "region.schools_where"]),
    ],
    ids=["schools"],
)
def test_follow_up_uses_the_region_slot(domain, region_index, action, intent, parts):
    region, _ = region_with_page(region_index)
    message, _ = run(action, tracker("en daar?", intent=intent, slots={"region_id": region.id}), domain)
    assert only(message)["message_parts"] == parts
    assert region.url in message[0]["text"]
    if intent == "region_schools":
        assert region.schools[0] in message[0]["text"]


def test_follow_up_schools_without_a_list_says_so(domain, region_index, national_email):
    region = next(r for r in region_index.data.regions if not r.schools and not r.url)
    message, _ = run(
        ActionRegionSchools(), tracker("scholen?", intent="region_schools", slots={"region_id": region.id}), domain
    )
    assert only(message)["message_parts"] == ["region.schools_unknown", "region.schools_ask_national"]
    assert national_email in message[0]["text"]


@pytest.mark.parametrize(
    "action, text, intent",
    [
        (ActionFindRegion(), "en hoe bereik ik hen?", "find_region"),
        (ActionRegionSchools(), "en de scholen?", "region_schools"),
    ],
    ids=["contact", "schools"],
)
def test_follow_up_without_region_asks_for_place(domain, action, text, intent):
    message, slots = run(action, tracker(text, intent=intent), domain)
    assert only(message)["message_key"] == "region.ask_place"
    assert slots["awaiting_place"] is True


def test_broken_region_file_gives_a_dutch_message(domain, tmp_path, monkeypatch):
    broken = tmp_path / "regions.yml"
    broken.write_text("version: 1\nregions: []\n", encoding="utf-8")
    monkeypatch.setenv("REGIONS_FILE", str(broken))
    region_service.repository.cache_clear()
    message, slots = run(ActionFindRegion(), tracker("Zwolle", places=["Zwolle"]), domain)
    assert only(message)["message_key"] == "region.data_unavailable"
    assert "region_id" not in slots


def test_affirmation_offers_dutch_topics(domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "cofinancing_amount", "confidence": 0.41},
        {"name": "out_of_scope", "confidence": 0.3},
        {"name": "contribution_financial", "confidence": 0.2},
        {"name": "greet", "confidence": 0.01},
    ]
    message, _ = run(ActionAskAffirmation(), tracker("geld?", intent="nlu_fallback", ranking=ranking), domain)
    assert only(message)["message_key"] == "fallback.did_you_mean"
    labels = action_messages.load("intent_labels")["labels"]
    assert message[0]["buttons"] == [
        {"title": labels["cofinancing_amount"], "payload": "/cofinancing_amount"},
        {"title": labels["contribution_financial"], "payload": "/contribution_financial"},
        {"title": action_messages.text("fallback", "something_else"), "payload": NONE_OF_THESE},
    ]


def test_affirmation_without_a_likely_topic_asks_to_choose(domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.9}, {"name": "greet", "confidence": 0.1}]
    message, _ = run(ActionAskAffirmation(), tracker("hmm", intent="nlu_fallback", ranking=ranking), domain)
    assert only(message)["message_key"] == "fallback.not_sure"
    assert [b["payload"] for b in message[0]["buttons"]] == [NONE_OF_THESE]


def test_rephrase_and_give_up(domain, national_email):
    message, _ = run(ActionAskRephrase(), tracker("x", intent="deny"), domain)
    assert only(message)["message_key"] == "fallback.rephrase"
    dispatcher = CollectingDispatcher()
    events = run_in_fresh_thread(ActionGiveUp().run(dispatcher, tracker("x", intent="deny"), domain))
    assert only(dispatcher.messages)["message_key"] == "fallback.dont_know"
    assert national_email in dispatcher.messages[0]["text"]
    assert events == [{"event": "rewind", "timestamp": None}]


def all_action_names() -> set[str]:
    """Every Action subclass defined in the actions package, as rasa-sdk registers them."""
    names = set()
    for module_info in pkgutil.iter_modules(actions.__path__):
        module = import_module(f"actions.{module_info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Action) and cls is not Action and cls.__module__ == module.__name__:
                names.add(cls().name())
    return names


def test_every_custom_action_is_in_the_domain_and_back():
    import yaml

    declared = {
        action
        for path in DOMAIN_DIR.glob("*.yml")
        for action in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("actions") or []
    }
    assert all_action_names() == declared


@pytest.mark.parametrize(
    "text, intent, place",
    [
        (
            "wij zijn een metaalbedrijf in Deventer, mag onze bijdrage ook in uren?",
            "cofinancing_money_or_kind",
            "Deventer",
        ),
        ("ik heb een bedrijf in ede en wil meedoen", "how_to_join", "Ede"),
        ("nee, ik bedoel Zwolle", "deny", "Zwolle"),
    ],
)
def test_any_message_naming_a_place_sets_the_region(domain, region_index, text, intent, place):
    dispatcher = CollectingDispatcher()
    slots = run_in_fresh_thread(
        ValidateSlotMappings().extract_region_id(dispatcher, tracker(text, intent=intent), domain)
    )
    assert slots == {"region_id": region_index.find(place).regions[0].id}
    assert dispatcher.messages == []


@pytest.mark.parametrize("text", ["hoeveel kost het ons?", "wat is het beste om te doen", "Gelderland"])
def test_a_message_without_one_clear_region_leaves_the_region_alone(domain, text):
    slots = run_in_fresh_thread(
        ValidateSlotMappings().extract_region_id(CollectingDispatcher(), tracker(text, intent="what_is_sto"), domain)
    )
    assert slots == {}


def test_next_step_names_the_region_of_the_place_just_named(domain, region_index):
    region, place = region_with_page(region_index)
    message, _ = run(ActionRegionNextStep(), tracker(f"hallo, wij zitten in {place}", intent="greet"), domain)
    assert only(message)["message_parts"] == ["region.next_step", "region.contact_region_page"]
    assert region.name.rstrip(".") in message[0]["text"] and region.url in message[0]["text"]


def test_next_step_after_how_to_join_uses_the_remembered_region(domain, region_index):
    region, _ = region_with_page(region_index)
    message, _ = run(
        ActionRegionNextStep(), tracker("hoe doe ik mee?", intent="how_to_join", slots={"region_id": region.id}), domain
    )
    assert only(message)["message_key"] == "region.next_step" and region.url in message[0]["text"]


@pytest.mark.parametrize("intent, slots", [("greet", {}), ("greet", {"region_id": "twente"}), ("how_to_join", {})])
def test_next_step_is_silent_without_a_region_for_this_answer(domain, intent, slots):
    message, _ = run(ActionRegionNextStep(), tracker("hallo", intent=intent, slots=slots), domain)
    assert message == []


def test_an_unclear_message_while_a_place_is_expected_is_not_looked_up_as_a_place(domain):
    ranking = [{"name": "nlu_fallback", "confidence": 0.6}, {"name": "cofinancing_amount", "confidence": 0.4}]
    message, slots = run(
        ActionFindRegion(),
        tracker(
            "hoeveel moeten we dan betalen", intent="nlu_fallback", slots={"awaiting_place": True}, ranking=ranking
        ),
        domain,
    )
    assert only(message)["message_key"] == "region.unclear_place"
    assert [b["payload"] for b in message[0]["buttons"]] == ["/cofinancing_amount"]
    assert slots["awaiting_place"] is False and "region_id" not in slots
