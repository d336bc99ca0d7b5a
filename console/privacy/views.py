"""Privacy pages: revealing one message, the audit log, erasure requests, masked exports."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import beheerder_required
from contacts import form_answers
from conversations import queries
from conversations.erase import erase_conversation
from conversations.models import Conversation, ConversationIntent, Turn, TurnKind
from conversations.regions import region_name
from conversations.tracker_source import default_events
from privacy import audit
from privacy.lookup import find_conversations
from privacy.masking import mask_text
from privacy.models import AuditEntry

REVEAL_SESSION_KEY = "privacy-revealed-turn"
AUDIT_PAGE_SIZE = 50


# --- revealing one message ---------------------------------------------------------------------


@beheerder_required
@require_POST
def reveal_turn(request, turn_id: int):
    turn = get_object_or_404(Turn.objects.select_related("conversation"), pk=turn_id, kind=TurnKind.USER)
    request.session[REVEAL_SESSION_KEY] = turn.pk
    detail = f"bericht {turn.pk}"
    if turn.form_answer:
        detail += f" ({form_answers.placeholder(turn.form_answer).strip('[]')})"
    audit.record(request.user, "reveal", target=f"gesprek {turn.conversation_id}", detail=detail)
    return redirect(reverse("transcript", args=[turn.conversation_id]) + f"#turn-{turn.pk}")


def take_revealed_turn(request, conversation: Conversation) -> int | None:
    """The message a beheerder asked to see unmasked, shown once (on the next transcript page)."""
    turn_id = request.session.pop(REVEAL_SESSION_KEY, None)
    if turn_id is None or not getattr(request.user, "is_beheerder", False):
        return None
    return turn_id if conversation.turns.filter(pk=turn_id).exists() else None


# --- audit log ---------------------------------------------------------------------------------


@beheerder_required
@require_GET
def audit_log(request):
    action = request.GET.get("actie", "")
    username = request.GET.get("gebruiker", "").strip()[:150]
    entries = AuditEntry.objects.all()
    if action in AuditEntry.Action.values:
        entries = entries.filter(action=action)
    else:
        action = ""
    if username:
        entries = entries.filter(username=username)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("pagina"))
    labels = dict(AuditEntry.Action.choices)
    for entry in page.object_list:
        entry.action_label = labels.get(entry.action, entry.action)
    return render(
        request,
        "privacy/audit_log.html",
        {
            "page": page,
            "actions": AuditEntry.Action.choices,
            "action": action,
            "username": username,
            "usernames": sorted(set(AuditEntry.objects.values_list("username", flat=True).distinct()[:500])),
        },
    )


# --- erasure requests --------------------------------------------------------------------------


def _first_user_text():
    """The first user message, or the placeholder when it answers the contact form (mask it)."""
    first = Turn.objects.filter(conversation=OuterRef("pk"), kind=TurnKind.USER).order_by("source_id")
    return Subquery(first.annotate(shown=form_answers.sql_shown_text()).values("shown")[:1])


def masked_first_messages(conversation_ids: list[int]) -> dict[int, str]:
    """The first user message of each conversation, masked (list snippets, search results,
    erasure results); an answer to the contact form as its placeholder."""
    rows = Conversation.objects.filter(pk__in=conversation_ids).annotate(first_text=_first_user_text())
    return {pk: mask_text(text or "") for pk, text in rows.values_list("pk", "first_text")}


def _first_messages(conversations: list[Conversation]) -> None:
    first = masked_first_messages([c.pk for c in conversations])
    for conversation in conversations:
        conversation.first_message = first.get(conversation.pk, "")
        conversation.region_label = region_name(conversation.region) if conversation.region else ""


@beheerder_required
@require_http_methods(["GET", "POST"])
def erasure(request):
    """A person asks for their conversations to be erased: find them (POST, so the phone number
    or address stays out of URLs and logs), then delete one at a time."""
    lookup = None
    query = ""
    if request.method == "POST":
        query = " ".join(request.POST.get("zoek", "").split())[:200]
        lookup = find_conversations(query)
        _first_messages(lookup.conversations)
        audit.record(
            request.user,
            "search",
            target="verwijderverzoek",
            detail=(
                f"gezocht op {lookup.label or 'onbekende invoer'}: {len(lookup.conversations)} gesprek(ken), "
                f"{len(lookup.contact_requests)} contactverzoek(en)"
            ),
        )
    return render(request, "privacy/erasure.html", {"lookup": lookup, "query": query})


@beheerder_required
@require_POST
def erase(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    source = default_events()
    try:
        removed = erase_conversation(conversation, source, by=request.user.username)
    finally:
        source.close()
    audit.record(
        request.user, "delete", target=f"gesprek {pk}", detail=f"verwijderverzoek; {removed} events van de assistent"
    )
    messages.success(
        request, "Het gesprek is verwijderd: berichten, beoordelingen, labels, markeringen en contactverzoeken."
    )
    return redirect("erasure")


# --- exports -----------------------------------------------------------------------------------

EXPORT_KINDS = {"gesprekken", "berichten"}
EXPORT_FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
CONVERSATION_FIELDS = [
    "id",
    "gesprek_id",
    "start",
    "laatste_activiteit",
    "berichten",
    "kanaal",
    "regio",
    "onderwerpen",
    "fallback",
    "persoon_gevraagd",
    "lage_zekerheid",
    "status",
    "eerste_bericht",
]
MESSAGE_FIELDS = ["gesprek", "gesprek_id", "tijd", "van", "tekst", "intent", "zekerheid", "antwoord"]
CHUNK = 2000


class _Echo:
    def write(self, value):
        return value


def _conversation_rows(filters: queries.ConversationFilter):
    qs = queries.conversation_list(filters).annotate(first_text=_first_user_text())
    for chunk in _chunks(qs.iterator(chunk_size=CHUNK), CHUNK):
        intents: dict[int, list[str]] = {}
        rows = ConversationIntent.objects.filter(conversation_id__in=[c.pk for c in chunk])
        for conversation_id, intent in rows.values_list("conversation_id", "intent"):
            intents.setdefault(conversation_id, []).append(intent)
        for c in chunk:
            yield _conversation_row(c, sorted(intents.get(c.pk, [])))


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _conversation_row(c: Conversation, intents: list[str]) -> dict:
    return {
        "id": c.pk,
        "gesprek_id": mask_text(c.sender_id),
        "start": c.started.isoformat(),
        "laatste_activiteit": c.last_activity.isoformat(),
        "berichten": c.user_messages,
        "kanaal": c.channel,
        "regio": region_name(c.region) if c.region else "",
        "onderwerpen": " ".join(intents),
        "fallback": c.had_fallback,
        "persoon_gevraagd": c.asked_human,
        "lage_zekerheid": c.low_confidence,
        "status": c.review_status,
        "eerste_bericht": mask_text(c.first_text or ""),
    }


def _message_rows(filters: queries.ConversationFilter):
    conversations = queries.conversation_list(filters).order_by().values("pk")
    turns = (
        Turn.objects.filter(conversation__in=conversations, kind__in=[TurnKind.USER, TurnKind.BOT])
        .select_related("conversation")
        .only(
            "conversation__sender_id",
            "conversation_id",
            "at",
            "kind",
            "text",
            "form_answer",
            "intent",
            "confidence",
            "name",
        )
        .order_by("conversation_id", "source_id")
    )
    for t in turns.iterator(chunk_size=CHUNK):
        yield {
            "gesprek": t.conversation_id,
            "gesprek_id": mask_text(t.conversation.sender_id),
            "tijd": t.at.isoformat(),
            "van": "gebruiker" if t.kind == TurnKind.USER else "assistent",
            "tekst": form_answers.shown_text(t.text, t.form_answer),
            "intent": t.intent,
            "zekerheid": t.confidence,
            "antwoord": t.name if t.kind == TurnKind.BOT else "",
        }


def _csv_stream(rows, fields):
    writer = csv.DictWriter(_Echo(), fieldnames=fields)
    yield "\ufeff" + writer.writeheader()  # BOM: spreadsheet programs then read UTF-8
    for row in rows:
        yield writer.writerow(row)


def _jsonl_stream(rows):
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


@require_GET
def export(request):
    """The conversation list's current filter (same URL parameters), masked, streamed."""
    kind = request.GET.get("soort", "gesprekken")
    fmt = request.GET.get("formaat", "csv")
    if kind not in EXPORT_KINDS or fmt not in EXPORT_FORMATS:
        return HttpResponseBadRequest("Onbekende export.")
    filters = queries.ConversationFilter.from_params(request.GET)
    params = request.GET.copy()
    for key in ("soort", "formaat"):
        params.pop(key, None)
    audit.record(
        request.user,
        "export",
        target=f"{kind}.{fmt}",
        detail=mask_text(params.urlencode()) or "geen filter",
    )
    rows, fields = (
        (_conversation_rows(filters), CONVERSATION_FIELDS)
        if kind == "gesprekken"
        else (_message_rows(filters), MESSAGE_FIELDS)
    )
    stream = _csv_stream(rows, fields) if fmt == "csv" else _jsonl_stream(rows)
    response = StreamingHttpResponse(stream, content_type=EXPORT_FORMATS[fmt])
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="sto-{kind}-{stamp}.{fmt}"'
    return response
