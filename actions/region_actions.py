"""Region lookup actions: read slots and the message, ask the data layer, phrase the answer."""

from __future__ import annotations

import json
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_request, messages
from actions.fallback_actions import suggestions
from actions.region_context import PLACE_ENTITY, SLOT_REGION, latest_intent, place_entities, resolve_latest
from actions.region_service import current_index
from sto_regions import LookupResult, Region, RegionDataError, RegionIndex
from sto_regions.lookup import KIND_PLACE, KIND_PROVINCE, KIND_REGION

logger = logging.getLogger(__name__)

SLOT_PLACE = "place"
SLOT_AWAITING_PLACE = "awaiting_place"
MAX_SCHOOLS_LISTED = 8


def _msg(key: str, **values: Any) -> str:
    # Names such as "Roosendaal e.o." end in a full stop already; the texts add their own.
    tidy = {k: v.rstrip(".") if isinstance(v, str) and k in ("region", "place") else v for k, v in values.items()}
    return messages.text("region", key, **tidy)


def _send_parts(dispatcher: CollectingDispatcher, parts: list[tuple[str, str]], buttons: list[dict[str, str]]) -> None:
    """One message composed of several texts; every text's key is recorded."""
    keys = [key for key, _ in parts]
    messages.send(dispatcher, keys[0], " ".join(text for _, text in parts), buttons, parts=keys)


def region_button(region: Region) -> dict[str, str]:
    payload = json.dumps({PLACE_ENTITY: region.id})
    return {"title": region.name[:60], "payload": f"/find_region{payload}"}


def _contact_lines(region: Region, index: RegionIndex) -> tuple[str, str]:
    """The key and text of the way to reach a region: its page, or the national address."""
    if region.contact == "region_page" and region.url:
        return "region.contact_region_page", _msg("contact_region_page", url=region.url)
    return "region.contact_national", _msg("contact_national", email=index.data.national_contact.email)


def _offer_contact(region: Region, parts: list[tuple[str, str]], buttons: list[dict[str, str]]) -> list[EventType]:
    """A region without a region page: offer a contact request (a yes starts it)."""
    if region.contact == "region_page" and region.url:
        return []
    parts.append(("contact.offer_after_region", contact_request.text("offer_after_region")))
    buttons.insert(0, {"title": contact_request.text("button_yes_request"), "payload": contact_request.YES})
    return [SlotSet(contact_request.SLOT_OFFERED, True)]


def load_index(dispatcher: CollectingDispatcher) -> RegionIndex | None:
    try:
        return current_index()
    except RegionDataError as error:
        logger.error("Region data unavailable: %s", error)
        messages.send(dispatcher, "region.data_unavailable", _msg("data_unavailable"))
        return None


class ActionFindRegion(Action):
    """Answer "which region is mine?": found, several, province, not found, or ask.

    The region comes from `sto_regions.resolve`: what this message names, else the region
    remembered from earlier in the conversation (and the answer says it assumed that one).
    """

    def name(self) -> str:
        return "action_find_region"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        index = load_index(dispatcher)
        if index is None:
            return [SlotSet(SLOT_PLACE, None)]
        intent = latest_intent(tracker)
        resolution = resolve_latest(tracker)
        result = resolution.result
        if intent == "nlu_fallback" and (result is None or not result.found) and not place_entities(tracker):
            return _unclear_place(dispatcher, tracker)
        if result is None:
            messages.send(dispatcher, "region.ask_place", _msg("ask_place"))
            return [SlotSet(SLOT_PLACE, None), SlotSet(SLOT_AWAITING_PLACE, True)]
        return answer_lookup(dispatcher, index, result, result.query, remembered=not resolution.named_in_message)


def _unclear_place(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """An unclear message while a place was expected: no place in it, so perhaps a question."""
    labels: dict[str, str] = messages.load("intent_labels")["labels"]
    offered = suggestions(tracker.latest_message.get("intent_ranking") or [], labels)
    buttons = [{"title": labels[name], "payload": f"/{name}"} for name in offered]
    messages.send(dispatcher, "region.unclear_place", _msg("unclear_place"), buttons)
    return [SlotSet(SLOT_PLACE, None), SlotSet(SLOT_AWAITING_PLACE, False)]


def answer_lookup(
    dispatcher: CollectingDispatcher,
    index: RegionIndex,
    result: LookupResult,
    query: str,
    remembered: bool = False,
) -> list[EventType]:
    done = [SlotSet(SLOT_PLACE, None), SlotSet(SLOT_AWAITING_PLACE, False)]
    if result.kind == KIND_PROVINCE:
        messages.send(
            dispatcher,
            "region.province_regions",
            _msg("province_regions", province=result.matched_name, count=len(result.regions)),
            [region_button(region) for region in result.regions],
        )
        return done
    if result.kind == KIND_PLACE and len(result.regions) > 1:
        names = ", ".join(region.name for region in result.regions)
        messages.send(
            dispatcher,
            "region.several_regions",
            _msg("several_regions", place=result.matched_name, regions=names),
            [region_button(region) for region in result.regions],
        )
        return done
    if result.found:
        region = result.regions[0]
        if remembered:
            key = "found_remembered"
        elif result.kind == KIND_REGION:
            key = "found_region"
        elif result.fuzzy:
            key = "found_place_fuzzy"
        else:
            key = "found_place"
        parts = [(f"region.{key}", _msg(key, place=result.matched_name, region=region.name))]
        if region.name_uncertain:
            parts.append(("region.name_uncertain", _msg("name_uncertain")))
        parts.append(_contact_lines(region, index))
        buttons = [{"title": _msg("button_schools"), "payload": "/region_schools"}]
        buttons.append({"title": _msg("button_forms"), "payload": "/contribution_overview"})
        offered = _offer_contact(region, parts, buttons)
        _send_parts(dispatcher, parts, buttons)
        return done + [SlotSet(SLOT_REGION, region.id), *offered]
    contact = index.data.national_contact
    messages.send(
        dispatcher,
        "region.not_found",
        _msg(
            "not_found",
            query=(query or "").strip()[:80],
            overview_url=contact.regions_overview_url,
            email=contact.email,
        ),
    )
    return done


class _RegionFollowUp:
    """A follow-up about the region found earlier; asks for a place if none is known.

    A mixin, not an Action: rasa-sdk registers (and instantiates) every Action subclass.
    """

    def region_or_ask(
        self, dispatcher: CollectingDispatcher, tracker: Tracker
    ) -> tuple[RegionIndex | None, Region | None, list[EventType]]:
        index = load_index(dispatcher)
        if index is None:
            return None, None, []
        region = index.region(tracker.get_slot(SLOT_REGION))
        if region is None:
            messages.send(dispatcher, "region.ask_place", _msg("ask_place"))
            return index, None, [SlotSet(SLOT_AWAITING_PLACE, True)]
        return index, region, []


class ActionRegionSchools(_RegionFollowUp, Action):
    def name(self) -> str:
        return "action_region_schools"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        index, region, events = self.region_or_ask(dispatcher, tracker)
        if index is None or region is None:
            return events
        if region.schools:
            listed = "; ".join(region.schools[:MAX_SCHOOLS_LISTED])
            parts = [("region.schools_known", _msg("schools_known", region=region.name, schools=listed))]
        else:
            parts = [("region.schools_unknown", _msg("schools_unknown", region=region.name))]
        if region.url:
            parts.append(("region.schools_where", _msg("schools_where", url=region.url)))
        else:
            email = index.data.national_contact.email
            parts.append(("region.schools_ask_national", _msg("schools_ask_national", email=email)))
        _send_parts(dispatcher, parts, [{"title": _msg("button_contact"), "payload": "/find_region"}])
        return events


class ActionPlaceDeclined(Action):
    """The company does not know or does not want to say where it is."""

    def name(self) -> str:
        return "action_place_declined"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        index = load_index(dispatcher)
        if index is not None:
            contact = index.data.national_contact
            messages.send(
                dispatcher,
                "region.declined",
                _msg("declined", overview_url=contact.regions_overview_url, email=contact.email),
            )
        return [SlotSet(SLOT_PLACE, None), SlotSet(SLOT_AWAITING_PLACE, False)]


# General answers whose next step is always in the company's region, once it is known.
REGION_NEXT_STEP_INTENTS = {"how_to_join", "budget_region"}


class ActionRegionNextStep(Action):
    """After a topic answer or a greeting: the company's region, if the message named it.

    A mixed message ("wij zitten in Deventer, mag het ook in uren?") gets its answer and then
    the region it named, with its contact route. After the answers in REGION_NEXT_STEP_INTENTS
    the region remembered from earlier counts too; otherwise the answer stands alone.
    """

    def name(self) -> str:
        return "action_region_next_step"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        try:
            index = current_index()
            resolution = resolve_latest(tracker)
        except RegionDataError as error:
            logger.error("Region data unavailable: %s", error)
            return []
        region = resolution.region
        if region is None or not (resolution.named_in_message or latest_intent(tracker) in REGION_NEXT_STEP_INTENTS):
            return []
        parts = [("region.next_step", _msg("next_step", region=region.name)), _contact_lines(region, index)]
        buttons = [{"title": _msg("button_schools"), "payload": "/region_schools"}]
        offered = _offer_contact(region, parts, buttons)
        _send_parts(dispatcher, parts, buttons)
        return offered
