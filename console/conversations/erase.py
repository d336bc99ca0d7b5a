"""Erasing a conversation: Rasa's events and everything the console holds about it."""

from __future__ import annotations

import logging

from django.db import transaction

from contacts.erase import erase_requests_of_sender
from conversations.ingest import lock_for_writing
from conversations.models import Conversation
from conversations.tracker_source import TrackerEvents

log = logging.getLogger("console.erase")


def erase_conversation(conversation: Conversation, source: TrackerEvents, by: str) -> int:
    """Deletes the tracker rows first: if that fails, the console keeps showing the conversation.
    The conversation's contact requests go too (a person's erasure request covers them)."""
    removed, _ = erase_sender(conversation.sender_id, source, by)
    return removed


def erase_sender(
    sender_id: str,
    source: TrackerEvents,
    by: str,
    idle_before: float | None = None,
    keep_contact_requests: bool = False,
) -> tuple[int, bool]:
    """Rasa's events of `sender_id`, then the console's conversation (turns, intents, tags, flags,
    annotations cascade) and its contact requests, under the ingest's lock so a poll cannot bring
    it back.

    With `idle_before` (retention) nothing is erased if the sender has an event at or after that
    time: someone who writes again keeps the conversation. `keep_contact_requests` (retention:
    requests have their own period, CONTACT_RETENTION_DAYS) keeps them, without their
    conversation. Returns (tracker events removed, whether the conversation is gone)."""
    with transaction.atomic():
        lock_for_writing()
        removed = source.delete_sender(sender_id, idle_before=idle_before)
        if idle_before is not None and source.newest_event_at(sender_id) is not None:
            return removed, False
        Conversation.objects.filter(sender_id=sender_id).delete()
        if not keep_contact_requests:
            erase_requests_of_sender(sender_id, by)
    log.info("conversation of sender %.8s… erased by %s (%d tracker events)", sender_id, by, removed)
    return removed, True
