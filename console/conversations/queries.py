"""The conversation list's filters: parsed from the URL, applied to the read model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from conversations.models import Conversation, ConversationIntent, ReviewStatus

SIGNALS = {
    "fallback": ("had_fallback", "Fallback gebeurd"),
    "laag": ("low_confidence", "Lage zekerheid"),
    "persoon": ("asked_human", "Vroeg om een persoon"),
}
MAX_QUERY_CHARS = 200


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value: str | None) -> int | None:
    try:
        number = int(value) if value not in (None, "") else None
    except ValueError:
        return None
    return number if number is None or 0 <= number <= 10_000 else None


@dataclass
class ConversationFilter:
    date_from: date | None = None
    date_to: date | None = None
    intent: str = ""
    region: str = ""
    signals: list[str] = field(default_factory=list)
    min_messages: int | None = None
    tag: str = ""
    status: str = ""
    query: str = ""

    @classmethod
    def from_params(cls, params) -> ConversationFilter:
        status = params.get("status", "")
        return cls(
            date_from=_date(params.get("van")),
            date_to=_date(params.get("tot")),
            intent=params.get("intent", "").strip()[:100],
            region=params.get("regio", "").strip()[:100],
            signals=[s for s in params.getlist("signaal") if s in SIGNALS],
            min_messages=_int(params.get("min")),
            tag=params.get("label", "").strip()[:60],
            status=status if status in ReviewStatus.values else "",
            query=" ".join(params.get("q", "").split())[:MAX_QUERY_CHARS],
        )

    @property
    def active(self) -> bool:
        return any(
            [
                self.date_from,
                self.date_to,
                self.intent,
                self.region,
                self.signals,
                self.min_messages,
                self.tag,
                self.status,
                self.query,
            ]
        )

    def apply(self, qs: QuerySet[Conversation]) -> QuerySet[Conversation]:
        tz = timezone.get_current_timezone()
        if self.date_from:
            qs = qs.filter(started__gte=datetime.combine(self.date_from, time.min, tzinfo=tz))
        if self.date_to:
            end = datetime.combine(self.date_to + timedelta(days=1), time.min, tzinfo=tz)
            qs = qs.filter(started__lt=end)
        if self.intent:
            qs = qs.filter(Exists(ConversationIntent.objects.filter(conversation=OuterRef("pk"), intent=self.intent)))
        if self.region:
            qs = qs.filter(region=self.region)
        for signal in self.signals:
            qs = qs.filter(**{SIGNALS[signal][0]: True})
        if self.min_messages:
            qs = qs.filter(user_messages__gte=self.min_messages)
        if self.tag:
            from review.models import ConversationTag

            qs = qs.filter(Exists(ConversationTag.objects.filter(conversation=OuterRef("pk"), tag__name=self.tag)))
        if self.status:
            qs = qs.filter(review_status=self.status)
        if self.query:
            qs = search(qs, self.query)
        return qs


def search(qs: QuerySet[Conversation], query: str) -> QuerySet[Conversation]:
    """Free text in the user messages: Dutch full-text search on PostgreSQL, LIKE on SQLite."""
    if connection.vendor == "postgresql":
        return qs.extra(where=["search_vector @@ websearch_to_tsquery('dutch'::regconfig, %s)"], params=[query])
    for word in re.findall(r"\w+", query.lower())[:8]:
        qs = qs.filter(search_text__contains=word)
    return qs


def conversation_list(filters: ConversationFilter) -> QuerySet[Conversation]:
    qs = Conversation.objects.defer("search_text").order_by("-started", "-id")
    return filters.apply(qs)
