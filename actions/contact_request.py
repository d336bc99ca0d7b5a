"""What a contact request says and where it goes: recipient, summary, consent, hand-over.

The confirmed request leaves the action server as one `contact_request` slot event (see
`handover_events`); the console ingests it from the tracker store, stores it in its own
table and delivers it by e-mail (console/README.md, "Contact requests"). The event is
cleared again at once, so the personal details do not stay in the conversation's state.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet

from actions import messages
from actions.region_context import SLOT_REGION
from sto_assistent.settings import setting
from sto_regions import Region, RegionIndex

# Buttons of the offer and the summary: a yes starts or sends, a no drops (data/rules/contact.yml).
YES = "/affirm"
NO = "/deny"
SLOT_OFFERED = "contact_offered"
SLOT_REQUEST = "contact_request"
SLOT_PLACE = "contact_place"
SLOT_NAME = "contact_name"
SLOT_COMPANY = "contact_company"
SLOT_EMAIL = "contact_email"
SLOT_PHONE = "contact_phone"
SLOT_QUESTION = "contact_question"
SLOT_CONSENT = "contact_consent"
SLOT_FIELD = "contact_field"
SLOT_CHANGING = "contact_changing"
SLOT_STOPPED = "contact_stopped"
# The details the form asks, in the order it asks them (the place only when unknown).
DETAIL_SLOTS = (SLOT_PLACE, SLOT_NAME, SLOT_COMPANY, SLOT_EMAIL, SLOT_PHONE, SLOT_QUESTION)
FORM_SLOTS = (*DETAIL_SLOTS, SLOT_CONSENT, SLOT_FIELD, SLOT_CHANGING, SLOT_STOPPED)
REQUEST_VERSION = 1


def text(key: str, **values: Any) -> str:
    return messages.text("contact", key, **values)


def region_of(tracker: Tracker, index: RegionIndex) -> Region | None:
    return index.region(tracker.get_slot(SLOT_REGION))


def recipient(index: RegionIndex, region: Region | None) -> str:
    """Who receives the request, as the consent question and the confirmation name it."""
    email = index.data.national_contact.email
    if region is not None and region.contact_email:
        return text("recipient_region", region=region.name.rstrip("."))
    if region is not None:
        return text("recipient_national_for_region", email=email, region=region.name.rstrip("."))
    return text("recipient_national", email=email)


def summary(tracker: Tracker, region: Region | None) -> str:
    return text(
        "summary",
        person=tracker.get_slot(SLOT_NAME) or "",
        company=tracker.get_slot(SLOT_COMPANY) or "",
        email=tracker.get_slot(SLOT_EMAIL) or "",
        phone=tracker.get_slot(SLOT_PHONE) or text("no_phone"),
        region=region.name.rstrip(".") if region is not None else text("region_unknown"),
        question=tracker.get_slot(SLOT_QUESTION) or "",
    )


def consent_question(index: RegionIndex, region: Region | None) -> str:
    return text("consent", recipient=recipient(index, region), privacy_url=setting("PRIVACY_PAGE_URL"))


def request_value(tracker: Tracker, index: RegionIndex) -> dict[str, Any]:
    """The request as the console ingests it (console/contacts: the `contact_request` event)."""
    region = region_of(tracker, index)
    return {
        "id": uuid.uuid4().hex,
        "version": REQUEST_VERSION,
        "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "name": tracker.get_slot(SLOT_NAME) or "",
        "company": tracker.get_slot(SLOT_COMPANY) or "",
        "email": tracker.get_slot(SLOT_EMAIL) or "",
        "phone": tracker.get_slot(SLOT_PHONE) or "",
        "question": tracker.get_slot(SLOT_QUESTION) or "",
        "region_id": region.id if region is not None else None,
        "region_name": region.name if region is not None else None,
        "consent_text": consent_question(index, region),
    }


def handover_events(value: dict[str, Any]) -> list[EventType]:
    """Set the request (the console reads this event), then clear it from the state."""
    return [SlotSet(SLOT_REQUEST, value), SlotSet(SLOT_REQUEST, None)]


def forget_details() -> list[EventType]:
    """Clear everything the form collected and the pending offer."""
    return [SlotSet(slot, None) for slot in FORM_SLOTS] + [SlotSet(SLOT_OFFERED, False)]
