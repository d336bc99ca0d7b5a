"""Erase conversations past the retention period (RETENTION_DAYS), contact requests past
CONTACT_RETENTION_DAYS and old audit entries.

    python manage.py retention [--dry-run]

`manage.py serve` runs the same at start and every hour.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from conversations.tracker_source import default_events
from privacy import retention


class Command(BaseCommand):
    help = (
        "Delete conversations older than RETENTION_DAYS (tracker store and console), contact requests "
        "older than CONTACT_RETENTION_DAYS and old audit entries."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only count what would be deleted")

    def handle(self, dry_run: bool, **options):
        source = default_events()
        try:
            result = retention.run(source, dry_run=dry_run, by="manage.py retention")
        finally:
            source.close()
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{verb}: {result.conversations} conversations, {result.events} tracker events, "
            f"{result.audit_entries} audit entries, {result.contact_requests} contact requests "
            f"(conversations idle since before {result.cutoff:%Y-%m-%d %H:%M} UTC, RETENTION_DAYS="
            f"{settings.RETENTION_DAYS}; contact requests after CONTACT_RETENTION_DAYS="
            f"{settings.CONTACT_RETENTION_DAYS}; audit entries after "
            f"AUDIT_RETENTION_DAYS={settings.AUDIT_RETENTION_DAYS})"
        )
