"""What users type while the assistant's contact form asks for their details.

While the Rasa form `contact_request_form` runs, Rasa keeps the slot it is asking for in the
slot `requested_slot` (set before the question, set to null when the form ends). The ingest
(conversations.ingest) stores those slot events as `form` turns and marks every user message
that arrives while `requested_slot` names one of SLOTS with that slot (Turn.form_answer). A
bare name ("Henk Bosman") or company name matches no masking pattern, so such a message is shown
as a placeholder instead of its text, and never reaches the NLU inbox, the training data, a
saved test or the dashboard's examples (console/README.md, "Privacy").

Decided: the answer to the consent question (`contact_consent`, a yes or no) is shown, masked
like any other message, so a reviewer can see whether the company agreed; it is still kept out of
everything that teaches the assistant, as every form answer is.
"""

from __future__ import annotations

from django.db.models import Case, F, TextField, Value, When

from privacy.masking import mask_text

FORM_STATE_SLOT = "requested_slot"
# The form's questions, with the label the transcript shows instead of the answer.
LABELS = {
    "contact_place": "plaats",
    "contact_name": "naam",
    "contact_company": "bedrijf",
    "contact_email": "e-mailadres",
    "contact_phone": "telefoonnummer",
    "contact_question": "vraag",
    "contact_field": "keuze wijzigen",
    "contact_consent": "toestemming",
}
SLOTS = frozenset(LABELS)
SHOWN = frozenset({"contact_consent"})  # a yes or no: shown masked, like any message
HIDDEN = tuple(slot for slot in LABELS if slot not in SHOWN)


def placeholder(slot: str) -> str:
    return f"[antwoord contactformulier: {LABELS.get(slot, 'antwoord')}]"


def hides(slot: str) -> bool:
    """True when a message answering `slot` is shown as a placeholder, not as its text."""
    return bool(slot) and slot not in SHOWN


def shown_text(text: str, slot: str) -> str:
    """A user message as every page and export shows it (unless a beheerder reveals it)."""
    return placeholder(slot) if hides(slot) else mask_text(text)


def sql_shown_text(text_field: str = "text", slot_field: str = "form_answer"):
    """The same in SQL, for subqueries (the list's first message): the placeholder for a hidden
    answer, else the raw text (mask it afterwards; placeholders pass mask_text unchanged)."""
    return Case(
        *[When(**{slot_field: slot}, then=Value(placeholder(slot))) for slot in HIDDEN],
        default=F(text_field),
        output_field=TextField(),
    )
