from __future__ import annotations

from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from conversations.models import Conversation, ReviewStatus, Turn, TurnKind
from privacy import audit
from review import inbox
from review.assistant_files import domain_intents
from review.models import Annotation, AnnotationKind, ConversationTag, MessageFlag, Tag
from review.testcase import NotReviewed, render_test_yaml
from review.training import FILE_NAME, TARGET_DIR, build_export

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


# -- teaching the assistant: annotations, the NLU inbox, exports ----------------------------
ANNOTATION_TEXT_CHARS = 2000


def _safe_next(request, fallback: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _annotation_error(turn: Turn, kind: str, intent: str, place: str, note: str) -> str:
    if turn.form_answer:
        return "Een antwoord op het contactformulier wordt niet beoordeeld: het is nooit trainingsdata."
    if kind not in AnnotationKind.values:
        return "Kies een geldige beoordeling."
    if kind == AnnotationKind.INTENT and intent not in domain_intents():
        return "Kies een intent uit de lijst."
    if kind == AnnotationKind.NEW_TOPIC and not note:
        return "Beschrijf bij een nieuw onderwerp in de notitie waar het bericht over gaat."
    if place:
        if kind != AnnotationKind.INTENT:
            return "Een plaats hoort alleen bij een intent."
        if any(c in place for c in "[](){}"):
            return "Een plaatsnaam mag geen haakjes bevatten."
        if place.lower() not in turn.text.lower():
            return f"“{place}” komt niet voor in het bericht: vul de plaats in zoals die in het bericht staat."
    return ""


@require_POST
def annotate_turn(request, turn_id: int):
    turn = get_object_or_404(Turn, pk=turn_id, kind=TurnKind.USER)
    fallback = reverse("transcript", args=[turn.conversation_id]) + f"#turn-{turn.pk}"
    back = _safe_next(request, fallback)
    confirmed = request.POST.get("confirm") == "1"
    kind = request.POST.get("kind", AnnotationKind.INTENT)
    intent = turn.intent if confirmed else request.POST.get("intent", "").strip()
    place = " ".join(request.POST.get("place", "").split())[:200]
    note = request.POST.get("note", "").strip()[:ANNOTATION_TEXT_CHARS]
    error = _annotation_error(turn, kind, intent, place, note)
    if error:
        messages.error(request, error)
        return redirect(back)
    if place:  # as written in the message, so the exported entity matches the text
        start = turn.text.lower().find(place.lower())
        place = turn.text[start : start + len(place)]
    if kind != AnnotationKind.INTENT:
        intent = ""
    fields = {
        "kind": kind,
        "intent": intent,
        "place": place,
        "note": note,
        "confirmed": confirmed or (kind == AnnotationKind.INTENT and intent == turn.intent),
        "updated_by": request.user,
    }
    _, created = Annotation.objects.update_or_create(
        turn=turn, defaults=fields, create_defaults={**fields, "created_by": request.user}
    )
    audit.record(
        request.user,
        "annotate",
        f"turn:{turn.pk}",
        f"conversation={turn.conversation_id} kind={kind} intent={intent} place={'yes' if place else 'no'}"
        f" {'created' if created else 'changed'}",
    )
    label = intent if kind == AnnotationKind.INTENT else AnnotationKind(kind).label.lower()
    messages.success(request, f"Beoordeling opgeslagen: {label}.")
    return redirect(back)


@require_POST
def remove_annotation(request, pk: int):
    annotation = get_object_or_404(Annotation.objects.select_related("turn"), pk=pk)
    turn = annotation.turn
    annotation.delete()
    audit.record(request.user, "annotate", f"turn:{turn.pk}", f"conversation={turn.conversation_id} removed")
    messages.success(request, "Beoordeling verwijderd.")
    return redirect(_safe_next(request, reverse("transcript", args=[turn.conversation_id]) + f"#turn-{turn.pk}"))


INBOX_PAGE_SIZE = 50


@require_GET
def inbox_page(request):
    complete = inbox.catch_up()
    intent = request.GET.get("intent", "")
    counts = inbox.intent_counts()
    paginator = Paginator(inbox.page_order(inbox.open_messages(intent)), INBOX_PAGE_SIZE)
    # the total is already in the counts per intent: no second scan
    paginator.count = sum(n for name, n in counts if not intent or name == intent)
    page = paginator.get_page(request.GET.get("pagina"))
    groups: list[tuple[str, list]] = []
    for entry in page.object_list:
        if not groups or groups[-1][0] != entry.intent:
            groups.append((entry.intent, []))
        groups[-1][1].append(entry)
    return render(
        request,
        "review/inbox.html",
        {
            "page": page,
            "groups": groups,
            "intent": intent,
            "counts": counts,
            "intents": domain_intents(),
            "complete": complete,
            "here": request.get_full_path(),
        },
    )


@require_GET
def training_page(request):
    export = build_export()
    return render(
        request,
        "review/training.html",
        {"export": export, "file_name": FILE_NAME, "target_dir": TARGET_DIR},
    )


@require_POST
def training_download(request):
    export = build_export()
    audit.record(
        request.user,
        "export",
        "training:reviewed.yml",
        f"examples={len(export.examples)} left_out={len(export.left_out)} "
        f"intents={len({e.intent for e in export.examples})}",
    )
    response = HttpResponse(export.yaml(), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{FILE_NAME}"'
    return response


@require_POST
def conversation_test_download(request, pk: int):
    conversation = get_object_or_404(Conversation, pk=pk)
    try:
        body = render_test_yaml(conversation, use_predicted=request.POST.get("predicted") == "1")
    except NotReviewed as missing:
        messages.error(
            request,
            f"Nog {len(missing.turns)} bericht(en) zonder beoordeling. Beoordeel ze, of vink aan dat de "
            "voorspelde intents kloppen.",
        )
        return _back(pk, "als-test")
    audit.record(request.user, "export", f"conversation:{pk}", "kind=test")
    response = HttpResponse(body, content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gesprek-{pk}-test.yml"'
    return response
