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
