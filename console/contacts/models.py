"""Contact requests a company made through the chat, and their place in the mail queue.

Created by the ingest (contacts.intake) from the assistant's `contact_request` slot event; sent
by contacts.delivery; erased by retention (CONTACT_RETENTION_DAYS), by an erasure request or on
its own. The conversation may be erased earlier (RETENTION_DAYS): the request keeps its data
and loses the link.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Status(models.TextChoices):
    NEW = "nieuw", "Nieuw"  # queued, not sent yet
    SENT = "doorgestuurd", "Doorgestuurd"
    FAILED = "mislukt", "Mislukt"  # the last attempt failed; still queued, retried automatically
    HANDLED = "afgehandeld", "Afgehandeld"  # marked by the support team; never sent again by itself


QUEUED = (Status.NEW, Status.FAILED)


class Via(models.TextChoices):
    SMTP = "smtp", "mailserver (SMTP)"
    OUTBOX = "outbox", "outbox-map"


class ContactRequest(models.Model):
    # The assistant's id (uuid4 hex): the idempotency key of the intake and the mail's Message-ID.
    request_id = models.CharField(max_length=32, unique=True)
    version = models.PositiveSmallIntegerField(default=1)
    sender_id = models.CharField(max_length=255, db_index=True)
    conversation = models.ForeignKey(
        "conversations.Conversation",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contact_requests",
    )
    source_event_id = models.BigIntegerField(null=True, blank=True)  # the row in Rasa's events table
    created_at = models.DateTimeField()  # when the user confirmed (the assistant's clock)
    received_at = models.DateTimeField(default=timezone.now)  # when the console read it

    name = models.CharField(max_length=200)
    company = models.CharField(max_length=200)
    email = models.CharField(max_length=254)
    phone = models.CharField(max_length=40, blank=True, default="")  # E.164 or ""
    question = models.TextField()
    consent_text = models.TextField()  # the exact question the user said yes to
    region_id = models.CharField(max_length=100, blank=True, default="")  # "" when unknown
    region_name = models.CharField(max_length=200, blank=True, default="")

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    recipients = models.TextField(blank=True, default="")  # as chosen at the last attempt, comma-separated
    attempts = models.PositiveIntegerField(default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Queued requests are due when this is empty or past; a claim pushes it ahead (a lease).
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    delivered_via = models.CharField(max_length=10, choices=Via.choices, blank=True, default="")
    outbox_file = models.CharField(max_length=100, blank=True, default="")
    resends = models.PositiveSmallIntegerField(default=0)  # "Opnieuw versturen" after a delivery
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    handled_by_name = models.CharField(max_length=150, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="contact_created"),
            models.Index(fields=["status", "-created_at"], name="contact_status_created"),
            models.Index(fields=["region_id", "-created_at"], name="contact_region_created"),
            models.Index(fields=["status", "next_attempt_at"], name="contact_due"),
            models.Index(fields=["phone"], name="contact_phone"),
        ]

    def __str__(self) -> str:
        return f"contactverzoek {self.pk}"

    @property
    def audit_target(self) -> str:
        return f"contactverzoek {self.pk}"

    @property
    def region_label(self) -> str:
        return self.region_name or self.region_id or "regio onbekend"


class ErasedContactRequest(models.Model):
    """The id of an erased request, so that re-reading Rasa's events (a rebuilt read model)
    never brings it back. Holds no personal data: a random id and a time."""

    request_id = models.CharField(max_length=32, unique=True)
    erased_at = models.DateTimeField(default=timezone.now)
