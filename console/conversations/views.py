from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import beheerder_required
from contacts import form_answers
from contacts.intake import SLOT as CONTACT_REQUEST_SLOT
from conversations import charts, queries
from conversations.erase import erase_conversation
from conversations.models import Conversation, ConversationIntent, ReviewStatus, Turn, TurnKind
from conversations.regions import region_name, region_names
from conversations.tracker_source import default_events
from privacy import audit
from privacy.views import masked_first_messages, take_revealed_turn
from review.assistant_files import annotation_choices

PAGE_SIZE = 50
CHOICES_CACHE_SECONDS = 60


def _filter_choices() -> dict:
    """Intents and regions for the filter menus; cached, a DISTINCT over a big table is slow."""
    choices = cache.get("filter-choices")
    if choices is None:
        intents = sorted(ConversationIntent.objects.values_list("intent", flat=True).distinct())
        seen_regions = set(Conversation.objects.exclude(region="").values_list("region", flat=True).distinct())
        region_ids = seen_regions | set(region_names())
        regions = sorted(((r, region_name(r)) for r in region_ids), key=lambda item: item[1].lower())
        from review.models import Tag

        choices = {
            "intents": intents,
            "regions": regions,
            "tags": list(Tag.objects.order_by("name").values_list("name", flat=True)),
        }
        cache.set("filter-choices", choices, CHOICES_CACHE_SECONDS)
    return choices


@require_GET
def conversation_list(request):
    filters = queries.ConversationFilter.from_params(request.GET)
    qs = queries.conversation_list(filters).prefetch_related("intents", "tag_links__tag")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("pagina"))
    first_messages = masked_first_messages([c.pk for c in page.object_list])
    for conversation in page.object_list:
        conversation.first_message = first_messages.get(conversation.pk, "")
        conversation.region_label = region_name(conversation.region) if conversation.region else ""
        conversation.intent_names = sorted(i.intent for i in conversation.intents.all())
        conversation.tag_names = sorted(link.tag.name for link in conversation.tag_links.all())
    return render(
        request,
        "conversations/list.html",
        {
            "page": page,
            "filters": filters,
            "choices": _filter_choices(),
            "signals": [(key, label) for key, (_, label) in queries.SIGNALS.items()],
            "statuses": ReviewStatus.choices,
        },
    )


def _transcript_items(conversation: Conversation, revealed_turn: int | None = None) -> list[Turn]:
    turns = list(
        conversation.turns.exclude(kind=TurnKind.FORM)
        .order_by("source_id")
        .select_related("annotation__updated_by")
        .prefetch_related("flags__added_by")
    )
    last_action = ""
    waiting_user: Turn | None = None
    for turn in turns:
        turn.display_name = turn.name
        turn.no_reply = False
        if turn.kind == TurnKind.ACTION:
            last_action = turn.name
        elif turn.kind == TurnKind.BOT:
            if not turn.display_name:
                turn.display_name = last_action
            waiting_user = None
        elif turn.kind == TurnKind.USER:
            if waiting_user is not None:
                waiting_user.no_reply = True
            waiting_user = turn
            last_action = ""
        elif turn.kind == TurnKind.SLOT and turn.name in ("region_id", "region") and turn.slot_value:
            turn.slot_label = region_name(turn.slot_value)
    if waiting_user is not None:
        waiting_user.no_reply = True
    _with_contact_requests(conversation, turns, revealed_turn)
    return turns


def _with_contact_requests(conversation: Conversation, turns: list[Turn], revealed_turn: int | None = None) -> None:
    """Masked user texts, also hiding what the contact form collected (a name typed on its own
    is no pattern masking finds): an answer to one of the form's questions as a placeholder
    (contacts.form_answers), and the values of the conversation's contact requests in every
    other message; each `contact_request` slot turn, which holds the request's id, linked to
    the request's page (None when the request was erased)."""
    from contacts.masked import mask_known
    from contacts.models import ContactRequest

    requests = list(ContactRequest.objects.filter(sender_id=conversation.sender_id))
    pks = {r.request_id: r.pk for r in requests}
    for turn in turns:
        if turn.kind == TurnKind.USER:
            turn.hidden_answer = form_answers.hides(turn.form_answer)
            turn.masked_text = form_answers.shown_text(turn.text, turn.form_answer)
            if not turn.hidden_answer:
                for request in requests:
                    turn.masked_text = mask_known(turn.masked_text, request)
            # entity values come from the message's text: hidden with it
            turn.shown_entities = [] if turn.hidden_answer and turn.pk != revealed_turn else turn.entities
        elif turn.kind == TurnKind.SLOT and turn.name == CONTACT_REQUEST_SLOT:
            turn.contact_request_pk = pks.get(turn.slot_value)


@require_GET
def transcript(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    from review.models import SUGGESTED_TAGS, Tag

    revealed_turn = take_revealed_turn(request, conversation)
    audit.record(request.user, "view", target=f"gesprek {conversation.pk}")

    tags = list(conversation.tag_links.select_related("tag").order_by("tag__name"))
    suggestions = sorted(set(SUGGESTED_TAGS) | set(Tag.objects.values_list("name", flat=True)[:200]))
    return render(
        request,
        "conversations/transcript.html",
        {
            "conversation": conversation,
            "region_label": region_name(conversation.region) if conversation.region else "",
            "turns": _transcript_items(conversation, revealed_turn),
            "intents": sorted(conversation.intents.values_list("intent", flat=True)),
            "tag_links": tags,
            "tag_suggestions": suggestions,
            "statuses": ReviewStatus.choices,
            "threshold": settings.CONFIDENCE_THRESHOLD,
            "revealed_turn": revealed_turn,
            **annotation_choices(),
        },
    )


@beheerder_required
@require_http_methods(["GET", "POST"])
def delete_conversation(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    if request.method == "POST":
        source = default_events()
        try:
            removed = erase_conversation(conversation, source, by=request.user.username)
        finally:
            source.close()
        audit.record(request.user, "delete", target=f"gesprek {pk}", detail=f"{removed} events van de assistent")
        messages.success(request, "Het gesprek is verwijderd, ook uit de opslag van de assistent.")
        return redirect("conversation_list")
    return render(
        request,
        "conversations/delete.html",
        {"conversation": conversation, "contact_requests": conversation.contact_requests.count()},
    )


def _period(request) -> tuple[date, date]:
    today = timezone.localdate()
    start = queries._date(request.GET.get("van")) or today - timedelta(days=29)
    end = queries._date(request.GET.get("tot")) or today
    if end < start:
        start, end = end, start
    if (end - start).days > 366:
        start = end - timedelta(days=366)
    return start, end


@require_GET
def dashboard(request):
    start, end = _period(request)
    tz = timezone.get_current_timezone()
    since = datetime.combine(start, time.min, tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz)
    conversations = Conversation.objects.filter(started__gte=since, started__lt=until)
    user_turns = Turn.objects.filter(kind=TurnKind.USER, at__gte=since, at__lt=until)

    # One grouped scan per table (day x intent, day x region); the rest is summed here.
    turn_groups = list(
        user_turns.annotate(day=TruncDate("at", tzinfo=tz))
        .values("day", "intent")
        .annotate(n=Count("id"), low=Count("id", filter=Q(is_low_confidence=True)))
    )
    conv_groups = list(
        conversations.annotate(day=TruncDate("started", tzinfo=tz))
        .values("day", "region")
        .annotate(
            n=Count("id"),
            fallback=Count("id", filter=Q(had_fallback=True)),
            human=Count("id", filter=Q(asked_human=True)),
        )
    )
    totals = {
        "total": sum(g["n"] for g in conv_groups),
        "fallback": sum(g["fallback"] for g in conv_groups),
        "human": sum(g["human"] for g in conv_groups),
    }
    message_totals = {
        "total": sum(g["n"] for g in turn_groups),
        "low": sum(g["low"] for g in turn_groups),
        "human": sum(g["n"] for g in turn_groups if g["intent"] == "human_handoff"),
    }

    def per_day(groups):
        counts: dict[date, int] = {}
        for group in groups:
            counts[group["day"]] = counts.get(group["day"], 0) + group["n"]
        days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
        return [(d.isoformat(), counts.get(d, 0)) for d in days]

    def top(groups, key, label=lambda value: value):
        counts: dict[str, int] = {}
        for group in groups:
            if group[key]:
                counts[group[key]] = counts.get(group[key], 0) + group["n"]
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:10]
        return [(label(value), n) for value, n in ranked]

    conv_series = per_day(conv_groups)
    msg_series = per_day(turn_groups)
    top_intents = top(turn_groups, "intent")
    top_regions = top(conv_groups, "region", region_name)
    not_understood = (  # answers to the contact form are no examples (a bare name is rarely understood)
        user_turns.filter(Q(is_fallback=True) | Q(is_low_confidence=True), form_answer="")
        .select_related("conversation")
        .order_by("-at")[:20]
    )

    def share(part, whole):
        return round(100 * part / whole, 1) if whole else 0.0

    return render(
        request,
        "conversations/dashboard.html",
        {
            "start": start,
            "end": end,
            "totals": totals,
            "message_totals": message_totals,
            "fallback_share": share(totals["fallback"], totals["total"]),
            "low_share": share(message_totals["low"], message_totals["total"]),
            "threshold": settings.CONFIDENCE_THRESHOLD,
            "conv_chart": charts.day_bars(conv_series, "Gesprekken per dag"),
            "msg_chart": charts.day_bars(msg_series, "Berichten van gebruikers per dag"),
            "intent_chart": charts.horizontal_bars(top_intents, "Meest voorkomende onderwerpen (intents)"),
            "region_chart": charts.horizontal_bars(top_regions, "Meest gevonden regio's"),
            "top_intents": top_intents,
            "top_regions": top_regions,
            "not_understood": not_understood,
        },
    )
