"""Erasing a conversation: Rasa's events and everything the console holds about it."""

from __future__ import annotations

import logging

from django.db import transaction

from conversations.ingest import lock_for_writing
from conversations.models import Conversation
from conversations.tracker_source import TrackerEvents

log = logging.getLogger("console.erase")


def erase_conversation(conversation: Conversation, source: TrackerEvents, by: str) -> int:
    """Deletes the tracker rows first: if that fails, the console keeps showing the conversation."""
    pk = conversation.pk
    with transaction.atomic():
        lock_for_writing()
        removed = source.delete_sender(conversation.sender_id)
        conversation.delete()  # turns, intents, tags and flags cascade
    log.info("conversation %s erased by %s (%d tracker events)", pk, by, removed)
    return removed
