from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from conversations.models import Conversation, ReviewStatus, Turn
from review.models import ConversationTag, MessageFlag, Tag

MAX_TAG_CHARS = 60


def _back(pk: int, anchor: str = ""):
    return redirect(reverse("transcript", args=[pk]) + (f"#{anchor}" if anchor else ""))


@require_POST
def add_tag(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    name = " ".join(request.POST.get("tag", "").split())
    if not name:
        messages.error(request, "Vul een label in.")
    elif len(name) > MAX_TAG_CHARS:
        messages.error(request, f"Een label is hoogstens {MAX_TAG_CHARS} tekens.")
    else:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            tag = Tag.objects.create(name=name)
            cache.delete("filter-choices")  # the list's tag menu should offer it at once
        _, created = ConversationTag.objects.get_or_create(
            conversation=conversation, tag=tag, defaults={"added_by": request.user}
        )
        messages.success(
            request, f"Label “{tag.name}” toegevoegd." if created else f"Het gesprek had het label “{tag.name}” al."
        )
    return _back(pk, "labels")


@require_POST
def remove_tag(request, pk: int, tag_id: int):
    ConversationTag.objects.filter(conversation_id=pk, tag_id=tag_id).delete()
    messages.success(request, "Label verwijderd.")
    return _back(pk, "labels")


@require_POST
def set_status(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    status = request.POST.get("status", "")
    if status not in ReviewStatus.values:
        messages.error(request, "Kies een geldige status.")
    else:
        Conversation.objects.filter(pk=pk).update(review_status=status)
        messages.success(request, f"Status gewijzigd in “{ReviewStatus(status).label}”.")
    return _back(conversation.pk, "status")


@require_POST
def flag_turn(request, turn_id: int):
    turn = get_object_or_404(Turn, pk=turn_id)
    note = request.POST.get("note", "").strip()[:2000]
    MessageFlag.objects.create(turn=turn, note=note, added_by=request.user)
    messages.success(request, "Bericht gemarkeerd.")
    return _back(turn.conversation_id, f"turn-{turn.pk}")


@require_POST
def remove_flag(request, flag_id: int):
    flag = get_object_or_404(MessageFlag.objects.select_related("turn"), pk=flag_id)
    conversation_id, turn_pk = flag.turn.conversation_id, flag.turn_id
    flag.delete()
    messages.success(request, "Markering verwijderd.")
    return _back(conversation_id, f"turn-{turn_pk}")
