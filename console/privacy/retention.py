"""Retention: conversations are erased RETENTION_DAYS after their last activity, audit entries
after AUDIT_RETENTION_DAYS.

"Last activity" is the newest event in Rasa's tracker store (the record), so conversations the
console never ingested go too; console conversations without any tracker event left go by their
own last activity. Every erasure runs through conversations.erase under the ingest lock, and the
tracker rows are deleted only if the sender has not written since the cut-off (one statement).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from contacts import retention as contact_retention
from conversations.erase import erase_sender
from conversations.ingest import PollingThread
from conversations.models import Conversation
from conversations.tracker_source import TrackerEvents
from privacy import audit
from privacy.models import AuditEntry

log = logging.getLogger("console.retention")

RUN_EVERY_SECONDS = 3600


@dataclass
class RetentionResult:
    cutoff: datetime
    conversations: int = 0
    events: int = 0
    audit_entries: int = 0
    contact_requests: int = 0
    kept_active: int = 0  # wrote again between finding and erasing

    def summary(self) -> str:
        return (
            f"{self.conversations} gesprekken, {self.events} events van de assistent "
            f"(ouder dan {self.cutoff:%Y-%m-%d %H:%M} UTC), {self.contact_requests} contactverzoeken "
            f"(ouder dan {settings.CONTACT_RETENTION_DAYS} dagen), {self.audit_entries} auditregels"
        )


def expired_senders(source: TrackerEvents, cutoff: datetime) -> list[str]:
    """Senders whose last activity is before `cutoff`, in the tracker store or (without tracker
    events) in the console."""
    stale = set(source.senders_idle_since(cutoff.timestamp()))
    for sender_id in Conversation.objects.filter(last_activity__lt=cutoff).values_list("sender_id", flat=True):
        if sender_id not in stale and source.newest_event_at(sender_id) is None:
            stale.add(sender_id)
    return sorted(stale)


def run(
    source: TrackerEvents, now: datetime | None = None, dry_run: bool = False, by: str = "retentie"
) -> RetentionResult:
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.RETENTION_DAYS)
    audit_cutoff = now - timedelta(days=settings.AUDIT_RETENTION_DAYS)
    result = RetentionResult(cutoff=cutoff)
    senders = expired_senders(source, cutoff)
    if dry_run:
        result.conversations = len(senders)
        result.events = sum(source.count_events(s) for s in senders)
        result.audit_entries = AuditEntry.objects.filter(at__lt=audit_cutoff).count()
        result.contact_requests = contact_retention.run(now, dry_run=True)
        return result
    for sender_id in senders:
        removed, gone = erase_sender(
            sender_id, source, by=by, idle_before=cutoff.timestamp(), keep_contact_requests=True
        )
        result.events += removed
        if gone:
            result.conversations += 1
        else:
            result.kept_active += 1
    result.contact_requests = contact_retention.run(now, by=by)
    result.audit_entries = AuditEntry.objects.purge_older_than(audit_cutoff)
    if result.conversations or result.events or result.audit_entries or result.contact_requests:
        log.info("retention: %s", result.summary())
    audit.record(by, "retention", detail=result.summary())
    return result


class RetentionThread(PollingThread):
    """Retention beside the web server (manage.py serve): at start, then every hour."""

    def __init__(self, source: TrackerEvents, interval: float = RUN_EVERY_SECONDS):
        super().__init__("console-retention", source, interval, log)

    def run(self) -> None:
        log.info(
            "retention every %.0f s: conversations after %d days, contact requests after %d days",
            self.interval,
            settings.RETENTION_DAYS,
            settings.CONTACT_RETENTION_DAYS,
        )
        super().run()

    def tick(self) -> None:
        run(self.source)
