"""Annotated messages as Rasa NLU training data: one file, data/nlu/reviewed/reviewed.yml.

Every sentence is masked (privacy.masking), the annotated place becomes an entity annotation
(`[Zwolle](place)`), and a sentence is left out, with the reason, when it is already in the
training data, in a held-out or test set (it would make those tests meaningless), or
annotated with two different intents. An answer to the contact form's questions is never
exported (it holds names and contact details; Turn.form_answer).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils import timezone

from contacts import form_answers
from privacy.masking import mask_text
from review.assistant_files import domain_intents, normalize, test_sentences, training_sentences
from review.models import Annotation, AnnotationKind

FILE_NAME = "reviewed.yml"
TARGET_DIR = "data/nlu/reviewed/"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SPACES = re.compile(r"\s+")
# In plain text, `]` directly followed by `(`, `{` or `[` would be read as an entity annotation.
_ENTITY_LOOKALIKE = re.compile(r"\](?=[({\[])")
FORM_ANSWER_REASON = "Antwoord op een vraag van het contactformulier: nooit trainingsdata (persoonsgegevens)."


@dataclass
class Example:
    intent: str
    text: str  # masked, with the entity annotation
    plain: str  # masked
    annotation: Annotation


@dataclass
class LeftOut:
    text: str  # masked
    reason: str
    annotation: Annotation


@dataclass
class TrainingExport:
    examples: list[Example] = field(default_factory=list)
    left_out: list[LeftOut] = field(default_factory=list)
    # Out-of-scope and new-topic messages: for the team, never training data.
    for_team: list[tuple[str, Annotation]] = field(default_factory=list)

    def yaml(self) -> str:
        return render_yaml(self.examples)


def clean(text: str) -> str:
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def with_place(masked: str, place: str) -> str:
    """The masked sentence with its place as a Rasa entity annotation (first occurrence)."""
    masked = _ENTITY_LOOKALIKE.sub("] ", masked)
    place = clean(place)
    if not place:
        return masked
    start = masked.find(place)
    if start < 0:
        start = masked.lower().find(place.lower())
    if start < 0:
        return masked  # masked away: the sentence is kept without the entity
    found = masked[start : start + len(place)]
    return f"{masked[:start]}[{found}](place){masked[start + len(place) :]}"


def build_export(annotations=None) -> TrainingExport:
    if annotations is None:
        annotations = Annotation.objects.all()
    annotations = annotations.select_related("turn", "created_by", "updated_by").order_by("created", "pk")
    export = TrainingExport()
    trained = training_sentences()
    tested = test_sentences()
    intents = set(domain_intents())
    chosen: dict[str, Example] = {}
    conflicting: set[str] = set()
    for annotation in annotations:
        if annotation.turn.form_answer:
            # answered the contact form: personal data, never training data nor a team example
            shown = form_answers.shown_text(clean(annotation.turn.text), annotation.turn.form_answer)
            export.left_out.append(LeftOut(clean(shown), FORM_ANSWER_REASON, annotation))
            continue
        masked = clean(mask_text(clean(annotation.turn.text)))
        if annotation.kind != AnnotationKind.INTENT:
            export.for_team.append((masked, annotation))
            continue
        key = normalize(masked)
        reason = ""
        if not key:
            reason = "Leeg na het maskeren van persoonsgegevens."
        elif annotation.intent not in intents:
            reason = f"Intent “{annotation.intent}” bestaat niet (meer) in het domein."
        elif key in tested:
            reason = f"Staat in een test- of held-out-set ({tested[key]})."
        elif key in trained:
            if trained[key] == annotation.intent:
                reason = "Staat al in de trainingsdata."
            else:
                reason = f"Staat al in de trainingsdata onder intent “{trained[key]}”."
        elif key in chosen and chosen[key].intent != annotation.intent:
            conflicting.add(key)
            reason = f"Ook beoordeeld als “{chosen[key].intent}”: tegenstrijdig."
        elif key in chosen:
            reason = "Dubbel: dezelfde zin is al opgenomen."
        if reason:
            export.left_out.append(LeftOut(masked, reason, annotation))
            continue
        chosen[key] = Example(annotation.intent, with_place(masked, annotation.place), masked, annotation)
    for key in conflicting:
        example = chosen.pop(key)
        reason = "Ook met een andere intent beoordeeld: tegenstrijdig."
        export.left_out.append(LeftOut(example.plain, reason, example.annotation))
    export.examples = sorted(chosen.values(), key=lambda e: (e.intent, e.annotation.created, e.annotation.pk))
    return export


def render_yaml(examples: list[Example]) -> str:
    lines = [
        f"# Reviewed in the support console on {timezone.localdate().isoformat()} (console/README.md,",
        f'# "Teach the assistant"). Put this file in {TARGET_DIR}{FILE_NAME}, review the diff, commit,',
        "# then `make train` and `make test`. Personal data is masked.",
        'version: "3.1"',
        "nlu:",
    ]
    current = None
    for example in examples:
        if example.intent != current:
            current = example.intent
            lines += [f"- intent: {current}", "  examples: |"]
        lines.append(f"    - {example.text}")
    if not examples:
        lines[-1] = "nlu: []"
    return "\n".join(lines) + "\n"
