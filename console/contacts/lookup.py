"""Contact requests of one person, for an erasure request (privacy.lookup)."""

from __future__ import annotations

from django.db.models import Q

from contacts.models import ContactRequest

MAX_RESULTS = 200


def by_email(address: str) -> list[ContactRequest]:
    return list(ContactRequest.objects.filter(email__iexact=address.strip())[:MAX_RESULTS])


def by_phone(e164: str) -> list[ContactRequest]:
    """`e164` as privacy.masking.normalise_phone gives it; the intake stored the same form."""
    return list(ContactRequest.objects.filter(phone=e164)[:MAX_RESULTS]) if e164 else []


def by_id(query: str, conversation_ids: list[int]) -> list[ContactRequest]:
    """By the request's id, the conversation's sender id, or the conversations already found."""
    match = Q(request_id=query.lower()) | Q(sender_id=query) | Q(conversation_id__in=conversation_ids)
    return list(ContactRequest.objects.filter(match)[:MAX_RESULTS])
