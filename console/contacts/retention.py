"""Retention of contact requests: erased CONTACT_RETENTION_DAYS after they were made, whatever
their status (run by privacy.retention with the conversations)."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings

from contacts.erase import erase_requests
from contacts.models import QUEUED, ContactRequest

log = logging.getLogger("console.contacts")


def cutoff(now: datetime) -> datetime:
    return now - timedelta(days=settings.CONTACT_RETENTION_DAYS)


def run(now: datetime, dry_run: bool = False, by: str = "retentie") -> int:
    expired = ContactRequest.objects.filter(created_at__lt=cutoff(now))
    if dry_run:
        return expired.count()
    never_sent = expired.filter(status__in=QUEUED).count()
    if never_sent:
        log.warning("retention erases %d contact request(s) that were never delivered", never_sent)
    return erase_requests(expired, by)
