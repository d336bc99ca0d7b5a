"""Contact request actions: offer, start, the summary with consent, and send or drop.

The form's answers are read by actions/contact_form.py; what the request says and where it
goes is actions/contact_request.py.
"""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import contact_request as request
from actions import messages
from actions.contact_fields import find_email, find_phone, introduced_name
from actions.region_actions import load_index

logger = logging.getLogger(__name__)

CHANGE = "/contact_change"
# The fields a company can change from the summary, in the order of the summary.
CHANGEABLE = (
    ("field_name", request.SLOT_NAME),
    ("field_company", request.SLOT_COMPANY),
    ("field_email", request.SLOT_EMAIL),
    ("field_phone", request.SLOT_PHONE),
    ("field_question", request.SLOT_QUESTION),
    ("field_place", request.SLOT_PLACE),
)


def offer_buttons() -> list[dict[str, str]]:
    return [
        {"title": request.text("button_yes_request"), "payload": request.YES},
        {"title": request.text("button_no_thanks"), "payload": request.NO},
    ]


# The form starts after the offer: details may be in the answer or the message before it.
PREFILL_FROM_MESSAGES = 2


def prefill_events(tracker: Tracker) -> list[EventType]:
    """Details the company already typed ("Henk Bosman, 06-41237788, bel me terug")."""
    texts = [e.get("text") or "" for e in reversed(tracker.events) if e.get("event") == "user"]
    found: dict[str, str] = {}
    for text in reversed(texts[:PREFILL_FROM_MESSAGES]):  # the latest message wins
        if text.startswith("/"):
            continue
        for slot, value in (
            (request.SLOT_NAME, introduced_name(text)),
            (request.SLOT_EMAIL, find_email(text)),
            (request.SLOT_PHONE, find_phone(text)),
        ):
            if value:
                found[slot] = value
    return [SlotSet(slot, value) for slot, value in found.items()]


class ActionOfferContactRequest(Action):
    """Offer a contact request; a yes (or asking again) starts the form (data/rules/contact.yml)."""

    def name(self) -> str:
        return "action_offer_contact_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        index = load_index(dispatcher)
        if index is None:
            return []
        region = request.region_of(tracker, index)
        body = request.text(
            "offer", recipient=request.recipient(index, region), email=index.data.national_contact.email
        )
        messages.send(dispatcher, "contact.offer", body, offer_buttons())
        return [SlotSet(request.SLOT_OFFERED, True)]


class ActionContactRequestStart(Action):
    def name(self) -> str:
        return "action_contact_request_start"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        messages.send(dispatcher, "contact.start", request.text("start"))
        return prefill_events(tracker)


class _AskDetail:
    """Asks one detail (`action_ask_<slot>`); the texts are `ask_<slot>` in contact.yml.

    A mixin, not an Action: rasa-sdk registers (and instantiates) every Action subclass.
    """

    slot = ""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        no_phone = [{"title": request.text("button_no_phone"), "payload": "geen"}]
        buttons = no_phone if self.slot == request.SLOT_PHONE else []
        messages.send(dispatcher, f"contact.ask_{self.slot}", request.text(f"ask_{self.slot}"), buttons)
        return []


class ActionAskContactPlace(_AskDetail, Action):
    slot = request.SLOT_PLACE

    def name(self) -> str:
        return "action_ask_contact_place"


class ActionAskContactName(_AskDetail, Action):
    slot = request.SLOT_NAME

    def name(self) -> str:
        return "action_ask_contact_name"


class ActionAskContactCompany(_AskDetail, Action):
    slot = request.SLOT_COMPANY

    def name(self) -> str:
        return "action_ask_contact_company"


class ActionAskContactEmail(_AskDetail, Action):
    slot = request.SLOT_EMAIL

    def name(self) -> str:
        return "action_ask_contact_email"


class ActionAskContactPhone(_AskDetail, Action):
    slot = request.SLOT_PHONE

    def name(self) -> str:
        return "action_ask_contact_phone"


class ActionAskContactQuestion(_AskDetail, Action):
    slot = request.SLOT_QUESTION

    def name(self) -> str:
        return "action_ask_contact_question"


class ActionAskContactConsent(Action):
    """The summary, the recipient and the consent question, with send / change / don't send."""

    def name(self) -> str:
        return "action_ask_contact_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        index = load_index(dispatcher)
        if index is None:
            return []
        region = request.region_of(tracker, index)
        parts = [
            ("contact.summary", request.summary(tracker, region)),
            ("contact.consent", request.consent_question(index, region)),
        ]
        buttons = [
            {"title": request.text("button_send"), "payload": request.YES},
            {"title": request.text("button_change"), "payload": CHANGE},
            {"title": request.text("button_dont_send"), "payload": request.NO},
        ]
        messages.send(
            dispatcher, "contact.summary", "\n\n".join(body for _, body in parts), buttons, [k for k, _ in parts]
        )
        return []


class ActionAskContactField(Action):
    def name(self) -> str:
        return "action_ask_contact_field"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        buttons = [
            {"title": request.text(key), "payload": f'/contact_change{{"contact_field": "{slot}"}}'}
            for key, slot in CHANGEABLE
        ]
        messages.send(dispatcher, "contact.ask_field", request.text("ask_field"), buttons)
        return []


class ActionSubmitContactRequest(Action):
    """After the form: hand a consented request over to the console, else drop everything."""

    def name(self) -> str:
        return "action_submit_contact_request"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]) -> list[EventType]:
        forget = request.forget_details()
        if tracker.get_slot(request.SLOT_STOPPED):
            messages.send(dispatcher, "contact.stopped", request.text("stopped"))
            return forget
        index = load_index(dispatcher)
        if index is None:
            return forget
        national_email = index.data.national_contact.email
        if tracker.get_slot(request.SLOT_CONSENT) is not True:
            messages.send(dispatcher, "contact.not_sent", request.text("not_sent", email=national_email))
            return forget
        value = request.request_value(tracker, index)
        reply_time = index.data.national_contact.contact_reply_time
        body = request.text(
            "sent",
            recipient=request.recipient(index, request.region_of(tracker, index)),
            email=value["email"],
            reply_time=request.text("sent_reply_time", reply_time=reply_time) if reply_time else "",
        )
        messages.send(dispatcher, "contact.sent", body)
        logger.info("Contact request %s handed over (region %s)", value["id"], value["region_id"] or "unknown")
        return [*request.handover_events(value), *forget]
