"""Erasing contact requests: with their conversation (erasure request, deletion from the
transcript), on their own, or by retention. Each leaves a tombstone with only its id, so a
rescan of Rasa's events never brings it back, and takes its outbox mail along."""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import QuerySet

from contacts import outbox
from contacts.models import ContactRequest, ErasedContactRequest

log = logging.getLogger("console.contacts")


def erase_requests(requests: QuerySet[ContactRequest], by: str) -> int:
    """Deletes the requests and their outbox files; returns how many. The files go at once (if
    the transaction is then rolled back, a request stays without its copy: never the reverse)."""
    with transaction.atomic():
        rows = list(requests.select_for_update().values_list("pk", "request_id", "outbox_file"))
        if not rows:
            return 0
        ErasedContactRequest.objects.bulk_create(
            [ErasedContactRequest(request_id=request_id) for _, request_id, _ in rows], ignore_conflicts=True
        )
        ContactRequest.objects.filter(pk__in=[pk for pk, _, _ in rows]).delete()
        for _, _, name in rows:
            if name:
                outbox.remove(name)
    log.info("%d contact request(s) erased by %s", len(rows), by)
    return len(rows)


def erase_requests_of_sender(sender_id: str, by: str) -> int:
    return erase_requests(ContactRequest.objects.filter(sender_id=sender_id), by)
