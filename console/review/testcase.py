"""A reviewed conversation as a multi-turn test in the format of
tests/independent/conversations.yml (checked by tests/integration/test_independent_conversations.py).

Each user turn expects what the rules (data/rules/*.yml) answer to the intent the reviewer gave
it, not what the bot did. User lines are masked; answers to the contact form's questions
(Turn.form_answer) are left out.
"""

from __future__ import annotations

import yaml

from conversations.models import Conversation, TurnKind
from privacy.masking import mask_text
from review.assistant_files import domain_intents, expected_actions
from review.models import AnnotationKind
from review.training import clean

# What an understood turn must not run (as in the hand-written conversations).
FALLBACK_ACTIONS = ["action_default_ask_affirmation", "action_default_fallback"]
OUT_OF_SCOPE_PREFIX = "out_of_scope_"


class NotReviewed(ValueError):
    """Some user messages have no annotation and their predicted intents were not confirmed."""

    def __init__(self, turns):
        super().__init__(f"{len(turns)} messages not reviewed")
        self.turns = turns


def conversation_test(conversation: Conversation, use_predicted: bool = False) -> dict:
    """The test conversation. Unannotated messages take their predicted intent only when the
    reviewer confirmed those (`use_predicted`); otherwise NotReviewed lists them."""
    intents = set(domain_intents())
    out_of_scope = [a for i in sorted(intents) if i.startswith(OUT_OF_SCOPE_PREFIX) for a in expected_actions(i)]
    # answers to the contact form are left out: personal data (render_test_yaml says so)
    user_turns = list(
        conversation.turns.filter(kind=TurnKind.USER, form_answer="").select_related("annotation").order_by("source_id")
    )
    missing = [t for t in user_turns if not hasattr(t, "annotation") and not (use_predicted and t.intent in intents)]
    if missing:
        raise NotReviewed(missing)
    turns = []
    for turn in user_turns:
        spec: dict = {"user": clean(mask_text(clean(turn.text)))}
        annotation = getattr(turn, "annotation", None)
        kind = annotation.kind if annotation else AnnotationKind.INTENT
        intent = annotation.intent if annotation else turn.intent
        if kind == AnnotationKind.INTENT:
            if annotation:
                has_place = bool(annotation.place)
            else:
                has_place = any(e.get("entity") == "place" for e in turn.entities if isinstance(e, dict))
            expected = expected_actions(intent, with_entity=has_place)
            spec["intent"] = intent
            if expected:
                spec["expect"] = list(expected)
                if not set(expected) & set(FALLBACK_ACTIONS):
                    spec["forbid"] = list(FALLBACK_ACTIONS)
        elif kind == AnnotationKind.OUT_OF_SCOPE:
            spec["expect"] = out_of_scope  # any of the out-of-scope answers
        if annotation and annotation.note:
            spec["note"] = clean(mask_text(annotation.note))
        turns.append(spec)
    return {
        "id": f"console_{conversation.pk}",
        "kind": "reviewed",
        "turns": turns,
    }


def render_test_yaml(conversation: Conversation, use_predicted: bool = False) -> str:
    body = yaml.safe_dump(
        {"conversations": [conversation_test(conversation, use_predicted)]},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )
    header = (
        f"# Reviewed conversation {conversation.pk} from the support console (console/README.md).\n"
        "# Format: tests/independent/conversations.yml; expect = what the rules answer to the\n"
        "# reviewed intent. Add the entry under `conversations:` of e.g. tests/reviewed/conversations.yml.\n"
    )
    left_out = conversation.turns.filter(kind=TurnKind.USER).exclude(form_answer="").count()
    if left_out:
        header += (
            f"# {left_out} answer(s) to the contact form left out (personal data): around the form the\n"
            "# replay differs from the conversation; add made-up answers or cut the test before the form.\n"
        )
    return header + body
