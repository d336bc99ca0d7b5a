"""Contact details as the console shows them by default: the person's name, e-mail address and
phone number as placeholders, the question and mail text masked (privacy.masking) after the
request's own values are replaced, so they are hidden even where the patterns would miss them
("Henk Bosman" without "mijn naam is")."""

from __future__ import annotations

import re

from contacts.models import ContactRequest
from privacy.masking import PLACEHOLDERS, mask_text

NAME = PLACEHOLDERS["name"]
EMAIL = PLACEHOLDERS["email"]
PHONE = PLACEHOLDERS["phone"]


def _phone_forms(phone: str) -> list[str]:
    if not phone.startswith("+31") or len(phone) < 11:
        return [phone] if phone else []
    national = "0" + phone[3:]
    return [phone, national, f"{national[:2]}-{national[2:]}", f"{national[:2]} {national[2:]}"]


def mask_known(text: str, request: ContactRequest) -> str:
    values = [(request.email, EMAIL), (request.name, NAME)] + [(form, PHONE) for form in _phone_forms(request.phone)]
    for value, placeholder in sorted(values, key=lambda item: len(item[0]), reverse=True):
        if value and len(value) >= 3:
            text = re.sub(re.escape(value), placeholder, text, flags=re.IGNORECASE)
    return mask_text(text)


def fields(request: ContactRequest) -> dict[str, str]:
    return {
        "name": NAME,
        "email": EMAIL,
        "phone": PHONE if request.phone else "",
        "question": mask_known(request.question, request),
    }


def revealed(request: ContactRequest) -> dict[str, str]:
    return {"name": request.name, "email": request.email, "phone": request.phone, "question": request.question}
