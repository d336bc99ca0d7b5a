"""Reads every answer of the contact request form (validate_contact_request_form).

The form never rejects a message: each answer is read here, with a clear Dutch message when
it is not usable. "stop" (or "laat maar") ends the form at any step without sending or
keeping anything; an e-mail address or phone number in any answer is taken as a correction
of that field; at the summary the company can change one field and comes back to it.
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions import contact_fields as fields
from actions import contact_request as request
from actions import messages
from actions.region_actions import region_button
from actions.region_context import latest_intent, place_entities
from actions.region_service import current_index
from sto_regions import RegionDataError, resolve
from sto_regions.lookup import KIND_PROVINCE

# Leaving mid-form ("laat maar", "doei") stops it.
STOP_INTENTS = {"stop", "goodbye"}
CHANGE_INTENT = "contact_change"
UNKNOWN_PLACE_ANSWERS = {"weet ik niet", "geen idee", "onbekend", "weet niet", "maakt niet uit", "dont_know_place"}
Slots = dict[str, Any]


def _say(
    dispatcher: CollectingDispatcher, key: str, buttons: list[dict[str, str]] | None = None, **values: Any
) -> None:
    messages.send(dispatcher, f"contact.{key}", request.text(key, **values), buttons)


def _stopping(tracker: Tracker, value: Any) -> bool:
    """ "stop" ends the form, but "geen" for the phone number does not, whatever NLU says."""
    return latest_intent(tracker) in STOP_INTENTS and not fields.declines_phone(str(value or ""))


def _details_in(value: Any, requested: str) -> Slots:
    """E-mail addresses and phone numbers in an answer to another question: corrections."""
    text = str(value or "")
    found: Slots = {}
    email, phone = fields.find_email(text), fields.find_phone(text)
    if email and requested != request.SLOT_EMAIL:
        found[request.SLOT_EMAIL] = email
    if phone and requested != request.SLOT_PHONE:
        found[request.SLOT_PHONE] = phone
    return found


class ValidateContactRequestForm(FormValidationAction):
    def name(self) -> str:
        return "validate_contact_request_form"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot(request.SLOT_STOPPED):
            return []
        slots: list[str] = []
        if tracker.get_slot(request.SLOT_REGION) is None:
            slots.append(request.SLOT_PLACE)
        optional = (request.SLOT_PLACE, request.SLOT_FIELD, request.SLOT_CONSENT)
        slots += [slot for slot in domain_slots if slot not in optional]
        if tracker.get_slot(request.SLOT_CHANGING):
            slots.append(request.SLOT_FIELD)
        return [*slots, request.SLOT_CONSENT]

    def _stop(self) -> Slots:
        return {request.SLOT_STOPPED: True}

    async def validate_contact_place(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        text = str(value or "").strip()
        if latest_intent(tracker) == "dont_know_place" or text.lower().strip(".!") in UNKNOWN_PLACE_ANSWERS:
            return {request.SLOT_PLACE: ""}
        try:
            index = current_index()
        except RegionDataError:
            return {request.SLOT_PLACE: ""}  # the national team finds the region
        typed = "" if text.startswith("/") else text  # a region button carries the id as entity
        result = resolve(index, typed, place_entities(tracker), None, lenient=True).result
        if result is not None and result.found and len(result.regions) == 1:
            region = result.regions[0]
            return {request.SLOT_PLACE: region.name, request.SLOT_REGION: region.id}
        if result is not None and result.regions and (result.kind == KIND_PROVINCE or len(result.regions) > 1):
            buttons = [region_button(region) for region in result.regions]
            _say(dispatcher, "place_several", buttons, place=result.matched_name)
            return {request.SLOT_PLACE: None}
        _say(dispatcher, "place_unknown")
        return {request.SLOT_PLACE: None}

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        name = fields.read_name(str(value or ""))
        if name is None:
            _say(dispatcher, "name_invalid")
        return {request.SLOT_NAME: name, **_details_in(value, request.SLOT_NAME)}

    async def validate_contact_company(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        company = fields.read_company(str(value or ""))
        if company is None:
            _say(dispatcher, "company_invalid")
        return {request.SLOT_COMPANY: company, **_details_in(value, request.SLOT_COMPANY)}

    async def validate_contact_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        email = fields.read_email(str(value or ""))
        if email is None:
            _say(dispatcher, "email_invalid")
        return {request.SLOT_EMAIL: email, **_details_in(value, request.SLOT_EMAIL)}

    async def validate_contact_phone(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        text = str(value or "")
        if fields.declines_phone(text):
            return {request.SLOT_PHONE: ""}
        phone = fields.read_phone(text)
        if phone is None:
            _say(dispatcher, "phone_invalid")
        return {request.SLOT_PHONE: phone, **_details_in(value, request.SLOT_PHONE)}

    async def validate_contact_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        question = fields.read_question(str(value or ""))
        if question is None:
            _say(dispatcher, "question_invalid")
        return {request.SLOT_QUESTION: question}

    async def validate_contact_field(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        named = next((slot for slot in request.DETAIL_SLOTS if slot in str(value or "")), None)
        field = named or fields.field_named(str(value or ""))
        if field is None:
            _say(dispatcher, "field_unclear")
            return {request.SLOT_FIELD: None}
        return {request.SLOT_FIELD: None, request.SLOT_CHANGING: None, **self._reopen(field)}

    async def validate_contact_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if _stopping(tracker, value):
            return self._stop()
        intent = latest_intent(tracker)
        text = str(value or "")
        if intent == "affirm":
            return {request.SLOT_CONSENT: True}
        if intent == "deny" and fields.field_named(text) is None and not fields.wants_change(text):
            return {request.SLOT_CONSENT: False}
        details = _details_in(value, request.SLOT_CONSENT)
        if details:
            _say(dispatcher, "updated_detail")
            return {request.SLOT_CONSENT: None, **details}
        field = fields.field_named(text)
        if field is not None:
            return {request.SLOT_CONSENT: None, **self._reopen(field)}
        if intent == CHANGE_INTENT or fields.wants_change(text):
            return {request.SLOT_CONSENT: None, request.SLOT_CHANGING: True}
        _say(dispatcher, "consent_unclear")
        return {request.SLOT_CONSENT: None}

    @staticmethod
    def _reopen(field: str) -> Slots:
        """Empty one field so the form asks it again (the place: the region too)."""
        if field == request.SLOT_PLACE:
            return {request.SLOT_PLACE: None, request.SLOT_REGION: None}
        return {field: None}
