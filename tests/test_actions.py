"""Custom actions run against the real domain and the real knowledge/regions.yml."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import region_service
from actions.fallback_actions import ActionAskAffirmation, ActionAskRephrase, ActionGiveUp
from actions.region_actions import (
    ActionFindRegion,
    ActionPlaceDeclined,
    ActionRegionContact,
    ActionRegionSchools,
)
from tests.async_run import run_in_fresh_thread

PROJECT_DIR = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def domain() -> Dict[str, Any]:
    from rasa.shared.core.domain import Domain

    return Domain.load(str(PROJECT_DIR / "domain")).as_dict()


@pytest.fixture(autouse=True)
def real_region_file(monkeypatch):
    monkeypatch.delenv("REGIONS_URL", raising=False)
    monkeypatch.delenv("REGIONS_FILE", raising=False)
    region_service.repository.cache_clear()
    yield
    region_service.repository.cache_clear()


def tracker(
    text: str = "",
    intent: str = "inform_place",
    places: Optional[List[str]] = None,
    slots: Optional[Dict[str, Any]] = None,
    ranking: Optional[List[Dict[str, Any]]] = None,
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


def run(action, tracker_: Tracker, domain: Dict[str, Any]):
    dispatcher = CollectingDispatcher()
    events = run_in_fresh_thread(action.run(dispatcher, tracker_, domain))
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_place_found_with_region_page(domain):
    messages, slots = run(ActionFindRegion(), tracker("Deventer", places=["Deventer"]), domain)
    assert len(messages) == 1
    text = messages[0]["text"]
    assert "Deventer valt onder de STO-regio Deventer-Twello" in text
    assert "https://www.sterktechniekonderwijs.nl/regio/deventertwello/" in text
    assert slots == {"place": None, "awaiting_place": False, "region_id": "deventertwello"}
    assert {b["payload"] for b in messages[0]["buttons"]} == {"/region_schools", "/contribution_overview"}


def test_place_without_region_page_gets_national_route(domain):
    messages, slots = run(ActionFindRegion(), tracker("Zwolle", places=["Zwolle"]), domain)
    assert "info@sterktechniekonderwijs.nl" in messages[0]["text"]
    assert slots["region_id"] == "zwolle"


def test_uncertain_region_name_is_said_politely(domain):
    messages, _ = run(ActionFindRegion(), tracker("Purmerend", places=["Purmerend"]), domain)
    assert "Waterland" in messages[0]["text"] and "niet helemaal zeker" in messages[0]["text"]


def test_typo_in_free_text_without_entity(domain):
    messages, slots = run(ActionFindRegion(), tracker("wij zitten in Zwole"), domain)
    assert "Ik ga ervan uit dat u Zwolle bedoelt" in messages[0]["text"]
    assert slots["region_id"] == "zwolle"


def test_longest_place_entity_wins(domain):
    messages, slots = run(
        ActionFindRegion(),
        tracker("in West-Brabant Midden", places=["West-Brabant", "West-Brabant Midden"]),
        domain,
    )
    assert slots["region_id"] == "west-brabant-midden"
    assert "e.o.." not in messages[0]["text"]


def test_alias_entity(domain):
    messages, slots = run(ActionFindRegion(), tracker("Den Bosch", places=["Den Bosch"]), domain)
    assert "Noordoost-Brabant" in messages[0]["text"]
    assert slots["region_id"] == "noordoost-brabant"


def test_ambiguous_place_offers_each_region(domain):
    messages, slots = run(ActionFindRegion(), tracker("Wageningen", places=["Wageningen"]), domain)
    assert "meer dan één STO-regio" in messages[0]["text"]
    payloads = [b["payload"] for b in messages[0]["buttons"]]
    assert payloads == [
        '/inform_place{"place": "foodvalley"}',
        '/inform_place{"place": "riverlandtechexplorers"}',
    ]
    assert "region_id" not in slots


def test_button_payload_with_region_id_resolves(domain):
    messages, slots = run(
        ActionFindRegion(), tracker('/inform_place{"place": "foodvalley"}', places=["foodvalley"]), domain
    )
    assert messages[0]["text"].startswith("Dat is de STO-regio Foodvalley.")
    assert slots["region_id"] == "foodvalley"


def test_province_lists_its_regions_as_buttons(domain):
    messages, _ = run(ActionFindRegion(), tracker("Gelderland", places=["Gelderland"]), domain)
    assert "provincie Gelderland" in messages[0]["text"]
    titles = {b["title"] for b in messages[0]["buttons"]}
    assert {"Foodvalley", "Apeldoorn e.o.", "Rijk van Nijmegen"} <= titles
    for button in messages[0]["buttons"]:
        assert json.loads(button["payload"][len("/inform_place"):])["place"]


def test_unknown_place_offers_overview_and_national_contact(domain):
    messages, slots = run(ActionFindRegion(), tracker("Parijs", places=["Parijs"]), domain)
    text = messages[0]["text"]
    assert '"Parijs" niet gevonden' in text
    assert "https://www.sterktechniekonderwijs.nl/tools/regioportret" in text
    assert "info@sterktechniekonderwijs.nl" in text
    assert slots["awaiting_place"] is False


def test_no_place_asks_for_it(domain):
    messages, slots = run(
        ActionFindRegion(), tracker("bij welke regio horen wij?", intent="find_region"), domain
    )
    assert "In welke plaats of gemeente" in messages[0]["text"]
    assert slots == {"place": None, "awaiting_place": True}


def test_region_question_without_place_uses_the_known_region(domain):
    messages, slots = run(
        ActionFindRegion(),
        tracker("wie is mijn contactpersoon in de regio?", intent="find_region", slots={"region_id": "twente"}),
        domain,
    )
    assert messages[0]["text"].startswith("Dat is de STO-regio Twente.")
    assert slots["region_id"] == "twente"


def test_declining_to_name_a_place(domain):
    messages, slots = run(ActionPlaceDeclined(), tracker("weet ik niet", intent="dont_know_place"), domain)
    assert "Geen probleem" in messages[0]["text"]
    assert "regioportret" in messages[0]["text"]
    assert slots["awaiting_place"] is False


def test_follow_up_contact_uses_the_region_slot(domain):
    messages, _ = run(
        ActionRegionContact(),
        tracker("en hoe bereik ik hen?", intent="region_contact", slots={"region_id": "twente"}),
        domain,
    )
    assert "STO-regio Twente" in messages[0]["text"]
    assert "https://www.sterktechniekonderwijs.nl/regio/twente/" in messages[0]["text"]


def test_follow_up_schools_uses_the_region_slot(domain):
    messages, _ = run(
        ActionRegionSchools(),
        tracker("welke scholen doen mee?", intent="region_schools", slots={"region_id": "dronten"}),
        domain,
    )
    assert "Ichthus College" in messages[0]["text"]


@pytest.mark.parametrize("action", [ActionRegionContact(), ActionRegionSchools()])
def test_follow_up_without_region_asks_for_place(domain, action):
    messages, slots = run(action, tracker("en hoe bereik ik hen?", intent="region_contact"), domain)
    assert "In welke plaats of gemeente" in messages[0]["text"]
    assert slots == {"awaiting_place": True}


def test_broken_region_file_gives_dutch_message(domain, tmp_path, monkeypatch):
    broken = tmp_path / "regions.yml"
    broken.write_text("version: 1\nregions: []\n", encoding="utf-8")
    monkeypatch.setenv("REGIONS_FILE", str(broken))
    region_service.repository.cache_clear()
    messages, _ = run(ActionFindRegion(), tracker("Zwolle", places=["Zwolle"]), domain)
    assert "niet beschikbaar" in messages[0]["text"]


def test_affirmation_offers_dutch_topics(domain):
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.5},
        {"name": "cofinancing_amount", "confidence": 0.41},
        {"name": "out_of_scope", "confidence": 0.3},
        {"name": "contribution_financial", "confidence": 0.2},
        {"name": "greet", "confidence": 0.01},
    ]
    messages, _ = run(ActionAskAffirmation(), tracker("geld?", intent="nlu_fallback", ranking=ranking), domain)
    assert messages[0]["text"].startswith("Ik weet niet zeker of ik u goed begrijp. Bedoelt u")
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/cofinancing_amount", "/contribution_financial", "/out_of_scope"
    ]
    assert messages[0]["buttons"][0]["title"] == "Hoeveel cofinanciering?"


def test_rephrase_and_give_up(domain):
    messages, _ = run(ActionAskRephrase(), tracker("x", intent="deny"), domain)
    assert "andere woorden" in messages[0]["text"]
    dispatcher = CollectingDispatcher()
    events = run_in_fresh_thread(ActionGiveUp().run(dispatcher, tracker("x", intent="deny"), domain))
    assert "Dat weet ik helaas niet" in dispatcher.messages[0]["text"]
    assert "info@sterktechniekonderwijs.nl" in dispatcher.messages[0]["text"]
    assert events == [{"event": "rewind", "timestamp": None}]


def test_every_action_is_in_the_domain(domain):
    actions = [ActionFindRegion, ActionRegionContact, ActionRegionSchools, ActionPlaceDeclined,
               ActionAskAffirmation, ActionAskRephrase, ActionGiveUp]
    assert {a().name() for a in actions} <= set(domain["actions"])
