"""The read model: conversations and their turns, built by conversations.ingest from Rasa's
`events` table. Rasa's rows stay the record; these tables exist for fast lists and search."""

from __future__ import annotations

from django.db import models


class ReviewStatus(models.TextChoices):
    NEW = "nieuw", "Nieuw"
    SEEN = "bekeken", "Bekeken"
    LATER = "later", "Later"


class Conversation(models.Model):
    sender_id = models.CharField(max_length=255, unique=True)
    started = models.DateTimeField()
    last_activity = models.DateTimeField()
    user_messages = models.PositiveIntegerField(default=0)
    channel = models.CharField(max_length=64, blank=True, default="")
    region = models.CharField(max_length=100, blank=True, default="")
    # Timestamp of the slot event that set `region`: the latest one wins, in whatever order
    # the ingest sees them.
    region_at = models.FloatField(default=0)
    had_fallback = models.BooleanField(default=False)
    asked_human = models.BooleanField(default=False)
    low_confidence = models.BooleanField(default=False)
    review_status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.NEW)
    # The user messages, lowercased and joined: what free-text search looks in. PostgreSQL
    # also keeps a stored Dutch tsvector of it (migration 0002).
    search_text = models.TextField(blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["-started", "-id"], name="conv_started"),
            models.Index(fields=["region", "-started"], name="conv_region_started"),
            models.Index(fields=["review_status", "-started"], name="conv_status_started"),
            models.Index(fields=["had_fallback", "-started"], name="conv_fallback_started"),
            models.Index(fields=["low_confidence", "-started"], name="conv_lowconf_started"),
            models.Index(fields=["asked_human", "-started"], name="conv_human_started"),
            models.Index(fields=["user_messages"], name="conv_user_messages"),
        ]

    def __str__(self) -> str:
        return self.sender_id


class ConversationIntent(models.Model):
    """Which intents (topics) occurred in a conversation: one row per distinct intent."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="intents")
    intent = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "intent"], name="conv_intent_unique"),
        ]
        indexes = [models.Index(fields=["intent", "conversation"], name="intent_conv")]


class TurnKind(models.TextChoices):
    USER = "user", "Gebruiker"
    BOT = "bot", "Assistent"
    ACTION = "action", "Actie"
    SLOT = "slot", "Slot"
    SESSION = "session", "Sessie"
    # The slot the assistant's contact form is asking for (Rasa's `requested_slot`; empty when
    # the form ended): never shown, read by the ingest to mark form answers (contacts.form_answers).
    FORM = "form", "Formulier"
    OTHER = "other", "Overig"


class Turn(models.Model):
    """One stored Rasa event of interest, keyed by the event's id in Rasa's table."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="turns")
    # The id of the row in Rasa's `events` table. Unique: an event is never shown twice.
    source_id = models.BigIntegerField(unique=True)
    at = models.DateTimeField()
    kind = models.CharField(max_length=10, choices=TurnKind.choices)
    text = models.TextField(blank=True, default="")
    intent = models.CharField(max_length=100, blank=True, default="")
    confidence = models.FloatField(null=True, blank=True)
    entities = models.JSONField(default=list, blank=True)
    # The two runner-up intents: [{"name": ..., "confidence": ...}, ...]
    runners_up = models.JSONField(default=list, blank=True)
    # Action name (action turns), response name (bot turns), event type (other turns).
    name = models.CharField(max_length=200, blank=True, default="")
    buttons = models.JSONField(default=list, blank=True)
    slot_value = models.TextField(blank=True, default="")
    is_fallback = models.BooleanField(default=False)
    is_low_confidence = models.BooleanField(default=False)
    # User turns only: the contact form's slot this message answers ("contact_name", ...; set by
    # the ingest from the latest `requested_slot`), or "". Such a message is shown as a
    # placeholder and never used to teach the assistant (contacts.form_answers).
    form_answer = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["conversation", "source_id"], name="turn_conv_order"),
            models.Index(fields=["kind", "at"], name="turn_kind_at"),
        ]


class IngestState(models.Model):
    """The ingest's position in Rasa's events table (one row per source)."""

    name = models.CharField(max_length=50, unique=True)
    last_event_id = models.BigIntegerField(default=0)
    updated = models.DateTimeField(auto_now=True)
