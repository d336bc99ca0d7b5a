"""What the support team adds: tags on conversations and flags (with a note) on messages.
The review status lives on conversations.Conversation (filtered with the list)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from conversations.models import Conversation, Turn

SUGGESTED_TAGS = ["NLU-probleem", "ontbrekend onderwerp", "goed gesprek"]


class Tag(models.Model):
    name = models.CharField(max_length=60, unique=True)

    def __str__(self) -> str:
        return self.name


class ConversationTag(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="links")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    added = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "tag"], name="conv_tag_unique"),
        ]
        indexes = [models.Index(fields=["tag", "conversation"], name="tag_conv")]


class MessageFlag(models.Model):
    turn = models.ForeignKey(Turn, on_delete=models.CASCADE, related_name="flags")
    note = models.TextField(max_length=2000, blank=True, default="")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    added = models.DateTimeField(auto_now_add=True)


class AnnotationKind(models.TextChoices):
    INTENT = "intent", "Intent"
    OUT_OF_SCOPE = "buiten_bereik", "Buiten bereik"
    NEW_TOPIC = "nieuw_onderwerp", "Nieuw onderwerp"


class Annotation(models.Model):
    """A reviewer's verdict on one user message: the right intent (and the place named in it),
    or "out of scope" / "new topic" with a note. One per message; any reviewer may change it."""

    turn = models.OneToOneField(Turn, on_delete=models.CASCADE, related_name="annotation")
    kind = models.CharField(max_length=20, choices=AnnotationKind.choices, default=AnnotationKind.INTENT)
    intent = models.CharField(max_length=100, blank=True, default="")
    # The place entity exactly as written in the message (a substring of turn.text), or "".
    place = models.CharField(max_length=200, blank=True, default="")
    note = models.TextField(max_length=2000, blank=True, default="")
    # True when the reviewer confirmed the predicted intent in the inbox with one click.
    confirmed = models.BooleanField(default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="annotations_created"
    )
    created = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="annotations_updated"
    )
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "intent"], name="annotation_kind_intent")]


class InboxMessage(models.Model):
    """A user message as the NLU inbox sees it (review.inbox): its normalised text
    (review.assistant_files.normalize), predicted intent and confidence, and two marks kept up
    to date so the inbox is one indexed range at any size: `known` (the sentence is in the
    training data, or it is a button click "/intent") and `annotated`."""

    turn = models.OneToOneField(Turn, on_delete=models.CASCADE, related_name="inbox_entry")
    normalized = models.TextField()
    intent = models.CharField(max_length=100, blank=True, default="")
    confidence = models.FloatField(default=0)
    known = models.BooleanField(default=False)
    annotated = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(
                fields=["intent", "confidence", "turn"],
                condition=models.Q(known=False, annotated=False),
                name="inbox_open",
            ),
            # for re-marking `known` when the training data changes
            models.Index(fields=["known"], name="inbox_known"),
        ]


class InboxState(models.Model):
    """One row: the digest of the training sentences InboxMessage.known was last set from, so
    each process does not set it again after a start."""

    training_digest = models.CharField(max_length=64, blank=True, default="")
