"""Finding the conversations and contact requests of one person for an erasure request: by the
phone number or e-mail address they used (any notation: "06-12345678" finds "+31 6 1234 5678"),
or by the conversation's id (or a contact request's id)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers
from django.db.models import Q, QuerySet

from contacts import lookup as contact_lookup
from contacts.models import ContactRequest
from conversations.models import Conversation, Turn, TurnKind
from privacy.masking import EMAIL_RE, find_personal_data, normalise_phone, parse_phone

# Separators people put between digits; "-" last so the class reads the same in Python's re
# (SQLite's REGEXP in Django) and PostgreSQL's POSIX regular expressions.
SEPARATORS = "[ ()./-]*"
MAX_RESULTS = 200


@dataclass
class Lookup:
    kind: str  # "telefoonnummer", "e-mail", "gesprek-id" or "" (not understood)
    label: str
    conversations: list[Conversation]
    contact_requests: list[ContactRequest] = field(default_factory=list)


def _phone_candidates(number: str) -> QuerySet[Conversation]:
    """Conversations whose user messages contain the national digits with any separators."""
    national = str(phonenumbers.parse(number).national_number)
    pattern = SEPARATORS.join(national)
    return Conversation.objects.filter(search_text__regex=pattern)


def _has_phone(conversation: Conversation, number: str) -> bool:
    texts = Turn.objects.filter(conversation=conversation, kind=TurnKind.USER).values_list("text", flat=True)
    for text in texts:
        for span in find_personal_data(text):
            if span.kind == "phone" and normalise_phone(text[span.start : span.end]) == number:
                return True
    return False


def _with_request_conversations(found: list[Conversation], requests) -> list[Conversation]:
    """The conversations found, plus those of the contact requests found (still there)."""
    known = {c.pk for c in found}
    extra = {r.conversation_id for r in requests if r.conversation_id and r.conversation_id not in known}
    if not extra:
        return found
    more = Conversation.objects.filter(pk__in=extra)
    return sorted([*found, *more], key=lambda c: c.last_activity, reverse=True)[:MAX_RESULTS]


def find_conversations(query: str) -> Lookup:
    """Conversations and contact requests of one person."""
    query = query.strip()
    if not query:
        return Lookup("", "", [])
    if EMAIL_RE.fullmatch(query):
        found = Conversation.objects.filter(search_text__contains=query.lower()).order_by("-last_activity")
        requests = contact_lookup.by_email(query)
        return Lookup(
            "e-mail", "e-mailadres", _with_request_conversations(list(found[:MAX_RESULTS]), requests), requests
        )
    if parse_phone(query) is not None and re.fullmatch(r"[\d\s()+./-]+", query):
        number = normalise_phone(query)
        candidates = _phone_candidates(number).order_by("-last_activity")[: MAX_RESULTS * 5]
        found = [c for c in candidates if _has_phone(c, number)][:MAX_RESULTS]
        requests = contact_lookup.by_phone(number)
        return Lookup("telefoonnummer", "telefoonnummer", _with_request_conversations(found, requests), requests)
    by_id = Q(sender_id=query)
    if query.isdigit():
        by_id |= Q(pk=int(query))
    found = list(Conversation.objects.filter(by_id)[:MAX_RESULTS])
    requests = contact_lookup.by_id(query, [c.pk for c in found])
    return Lookup("gesprek-id", "gesprek-id", _with_request_conversations(found, requests), requests)
