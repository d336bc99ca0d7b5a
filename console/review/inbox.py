"""The NLU inbox: user messages not yet in the training data and not yet annotated, grouped by
predicted intent, lowest confidence first. Answers to the contact form's questions are never in
it (Turn.form_answer): they hold names and contact details, not sentences to teach.

Its table (review.models.InboxMessage) is brought up to date on each visit: new user messages
are added, and when the training data changed, the `known` mark is set again. The list itself
is then one range of the partial index `inbox_open`.
"""

from __future__ import annotations

import hashlib
import threading

from django.db.models import Count, Max, QuerySet
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from conversations.models import Turn, TurnKind
from review.assistant_files import normalize, training_sentences
from review.models import Annotation, InboxMessage, InboxState

BATCH = 2000
MAX_PER_REQUEST = 50_000

_marked: dict = {"sentences": None, "digest": ""}  # the training set this process last checked
_lock = threading.Lock()


def _normalized(text: str) -> str:
    """ "" for what the inbox never shows: a button click ("/intent") or nothing to read."""
    return "" if text.lstrip().startswith("/") else normalize(text)


def catch_up(limit: int = MAX_PER_REQUEST) -> bool:
    """Bring the inbox's table up to date; True when no message is left to add.

    The position is the highest turn id in the table (no second cursor to keep in step): the
    ingest writes turns in one serialised transaction per batch, so their ids become visible in
    order; an erased conversation takes its inbox rows along."""
    with _lock:
        trained = training_sentences()
        if _marked["sentences"] is not trained:
            _marked.update(sentences=trained, digest=hashlib.sha256("\n".join(sorted(trained)).encode()).hexdigest())
        state = InboxState.objects.first() or InboxState.objects.create()
        if state.training_digest != _marked["digest"]:
            mark_known(trained)
            InboxState.objects.filter(pk=state.pk).update(training_digest=_marked["digest"])
    last = InboxMessage.objects.aggregate(last=Max("turn_id"))["last"] or 0
    done = 0
    while done < limit:
        rows = list(
            # answers to the contact form never enter the inbox (personal data; contacts.form_answers)
            Turn.objects.filter(kind=TurnKind.USER, form_answer="", pk__gt=last)
            .order_by("pk")
            .values_list("pk", "text", "intent", "confidence")[:BATCH]
        )
        if not rows:
            return True
        annotated = set(Annotation.objects.filter(turn_id__in=[r[0] for r in rows]).values_list("turn_id", flat=True))
        entries = []
        for pk, text, intent, confidence in rows:
            normalized = _normalized(text)
            entries.append(
                InboxMessage(
                    turn_id=pk,
                    normalized=normalized,
                    intent=intent,
                    confidence=confidence or 0,
                    known=not normalized or normalized in trained,
                    annotated=pk in annotated,
                )
            )
        InboxMessage.objects.bulk_create(entries, ignore_conflicts=True)
        last = rows[-1][0]
        done += len(rows)
    return False


def mark_known(trained: dict[str, str]) -> None:
    """Set `known` from this training set: two scans, changing only the rows that differ."""
    sentences = list(trained)
    InboxMessage.objects.filter(known=False, normalized__in=sentences).update(known=True)
    InboxMessage.objects.filter(known=True).exclude(normalized="").exclude(normalized__in=sentences).update(known=False)


@receiver(post_save, sender=Annotation)
def _annotation_saved(sender, instance, **kwargs):
    InboxMessage.objects.filter(turn_id=instance.turn_id, annotated=False).update(annotated=True)


@receiver(post_delete, sender=Annotation)
def _annotation_deleted(sender, instance, **kwargs):
    InboxMessage.objects.filter(turn_id=instance.turn_id, annotated=True).update(annotated=False)


def open_messages(intent: str = "") -> QuerySet[InboxMessage]:
    """Messages still to review: not in the training data (normalised) and not annotated."""
    qs = InboxMessage.objects.filter(known=False, annotated=False)
    return qs.filter(intent=intent) if intent else qs


def page_order(qs: QuerySet[InboxMessage]) -> QuerySet[InboxMessage]:
    # The turns are fetched for the page only: joined, they would be read for every row
    # before the sort picks the page.
    return qs.order_by("intent", "confidence", "turn_id").prefetch_related("turn")


def intent_counts() -> list[tuple[str, int]]:
    rows = open_messages().values("intent").annotate(n=Count("id")).order_by("intent")
    return [(row["intent"], row["n"]) for row in rows]
