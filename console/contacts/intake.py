"""Intake: the assistant's `contact_request` slot event becomes a ContactRequest.

The ingest (conversations.ingest) calls two functions, both inside its batch transaction:
`parse_slot_value()` when it reads a `contact_request` slot event (an invalid value is logged
and the event skipped) and `store_requests()` after the batch's turns are written. Only events
the ingest had not stored before reach it, and ids already present or erased
(ErasedContactRequest) are skipped, so re-reading Rasa's table never creates a request twice
or brings an erased one back.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from datetime import timezone as dt_timezone

from django.db import IntegrityError, transaction

from contacts.models import ContactRequest, ErasedContactRequest
from privacy import audit
from privacy.masking import normalise_phone

log = logging.getLogger("console.contacts")

SLOT = "contact_request"
# Slots the assistant's contact form fills on the way: personal data or dialogue state, never a
# line in the transcript (the request itself is shown as "Contactverzoek ingediend").
QUIET_SLOTS = frozenset(
    {
        "contact_name",
        "contact_company",
        "contact_email",
        "contact_phone",
        "contact_question",
        "contact_consent",
        "contact_place",
        "contact_field",
        "contact_changing",
        "contact_offered",
        "contact_stopped",
    }
)
REQUEST_ID_RE = re.compile(r"[0-9a-f]{32}")
# field: (required, longest kept)
TEXT_FIELDS = {
    "name": (True, 200),
    "company": (True, 200),
    "email": (True, 254),
    "question": (True, 5000),
    "consent_text": (True, 2000),
    "phone": (False, 40),
    "region_id": (False, 100),
    "region_name": (False, 200),
}
MULTILINE = frozenset({"question", "consent_text"})


@dataclass(frozen=True)
class RequestData:
    request_id: str
    version: int
    created_at: datetime
    event_id: int
    name: str
    company: str
    email: str
    phone: str
    question: str
    consent_text: str
    region_id: str
    region_name: str


class Invalid(ValueError):
    pass


def _text(value, field: str) -> str:
    required, longest = TEXT_FIELDS[field]
    if value is None:
        if required:
            raise Invalid(f"{field} missing")
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{field} is not text")
    text = value.replace("\x00", "").strip()
    if field not in MULTILINE:
        text = " ".join(text.split())  # one line: these end up in mail headers
    if required and not text:
        raise Invalid(f"{field} empty")
    return text[:longest]


def _created_at(value) -> datetime:
    if not isinstance(value, str):
        raise Invalid("created_at missing")
    try:
        stamp = datetime.fromisoformat(value)
    except ValueError as error:
        raise Invalid("created_at is not an ISO time") from error
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt_timezone.utc)


def _parse(value, event_id: int) -> RequestData:
    if not isinstance(value, dict):
        raise Invalid(f"value is {type(value).__name__}, not an object")
    request_id = value.get("id")
    if not isinstance(request_id, str) or not REQUEST_ID_RE.fullmatch(request_id):
        raise Invalid("no valid id")
    version = value.get("version", 1)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise Invalid("version is not a positive number")
    fields = {field: _text(value.get(field), field) for field in TEXT_FIELDS}
    if fields["phone"]:
        # E.164 as the assistant sends it; any other notation normalised so erasure finds it.
        fields["phone"] = normalise_phone(fields["phone"]) or fields["phone"]
    return RequestData(
        request_id=request_id,
        version=version,
        created_at=_created_at(value.get("created_at")),
        event_id=event_id,
        **fields,
    )


def parse_slot_value(value, event_id: int) -> RequestData | None:
    """The request in a `contact_request` slot value, or None (logged) when it is not one.

    A null value is the assistant clearing the slot right after handing a request over
    (actions/contact_request.py, handover_events): expected, so not a warning."""
    if value is None:
        log.debug("contact_request slot event %d: slot cleared", event_id)
        return None
    try:
        return _parse(value, event_id)
    except Invalid as error:
        # The reason only: the value may hold personal data.
        log.warning("contact_request slot event %d ignored: %s", event_id, error)
        return None


def store_requests(turns) -> int:
    """Create the requests carried by newly stored turns (turn.contact_request, set by the
    ingest). Call inside the ingest's transaction. Returns how many were created."""
    pending = [t for t in turns if getattr(t, "contact_request", None) is not None]
    if not pending:
        return 0
    ids = [t.contact_request.request_id for t in pending]
    known = set(ContactRequest.objects.filter(request_id__in=ids).values_list("request_id", flat=True))
    known |= set(ErasedContactRequest.objects.filter(request_id__in=ids).values_list("request_id", flat=True))
    created = 0
    for turn in pending:
        data: RequestData = turn.contact_request
        if data.request_id in known:
            continue
        known.add(data.request_id)
        try:
            with transaction.atomic():
                request = ContactRequest.objects.create(
                    request_id=data.request_id,
                    version=data.version,
                    sender_id=turn.conversation.sender_id,
                    conversation=turn.conversation,
                    source_event_id=data.event_id,
                    created_at=data.created_at,
                    name=data.name,
                    company=data.company,
                    email=data.email,
                    phone=data.phone,
                    question=data.question,
                    consent_text=data.consent_text,
                    region_id=data.region_id,
                    region_name=data.region_name,
                )
        except IntegrityError:  # made meanwhile by another ingest process
            continue
        audit.record("ingest", "contact_status", target=request.audit_target, detail="ontvangen: nieuw")
        log.info("contact request %d received (event %d)", request.pk, data.event_id)
        created += 1
    return created
