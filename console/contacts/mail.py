"""The e-mail for one contact request: Dutch plain text, Reply-To the company, a Message-ID
derived from the request id (a second copy of the same mail is recognisable)."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, parseaddr

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import override

from contacts.models import ContactRequest
from privacy.masking import EMAIL_RE


def subject(request: ContactRequest) -> str:
    region = request.region_name or "regio onbekend"
    return f"Contactverzoek via de STO-assistent: {request.company} ({region})"


def message_id(request: ContactRequest) -> str:
    """The same for every automatic attempt; a deliberate resend gets its own (numbered) one, so
    a mail program that drops duplicates does not drop it."""
    domain = parseaddr(settings.MAIL_FROM)[1].rpartition("@")[2] or "sto-assistent.invalid"
    suffix = f".{request.resends}" if request.resends else ""
    return f"<contactverzoek.{request.request_id}{suffix}@{domain}>"


def console_url(path: str) -> str:
    return settings.CONSOLE_PUBLIC_URL + path


def body(request: ContactRequest) -> str:
    with override("nl"):
        made = date_format(timezone.localtime(request.created_at), "j F Y \\o\\m H:i")
    if request.conversation_id:
        conversation = console_url(reverse("transcript", args=[request.conversation_id]))
    else:
        conversation = "niet meer beschikbaar"
    lines = [
        "Een bedrijf vraagt via de STO-assistent (de chat op de website) om contact.",
        "",
        f"Naam:      {request.name}",
        f"Bedrijf:   {request.company}",
        f"E-mail:    {request.email}",
        f"Telefoon:  {request.phone or 'niet opgegeven'}",
        f"Regio:     {request.region_name or 'onbekend'}",
        f"Ingediend: {made}",
        "",
        "Vraag:",
        request.question,
        "",
        "Toestemming: de gebruiker antwoordde ja op de vraag",
        f"“{request.consent_text}”",
        "",
        "U kunt op deze e-mail antwoorden: uw antwoord gaat naar het bedrijf."
        if EMAIL_RE.fullmatch(request.email)
        else "Let op: het e-mailadres lijkt onjuist; neem zo nodig telefonisch contact op.",
        "",
        "In de supportconsole (inloggen nodig):",
        f"Gesprek:        {conversation}",
        f"Contactverzoek: {console_url(reverse('contact_detail', args=[request.pk]))}",
        "",
        f"Kenmerk: {request.request_id}",
    ]
    return "\n".join(lines) + "\n"


def build_message(request: ContactRequest, recipients: list[str]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(request)
    message["From"] = settings.MAIL_FROM
    message["To"] = ", ".join(recipients)
    if EMAIL_RE.fullmatch(request.email):
        message["Reply-To"] = request.email
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = message_id(request)
    message["X-STO-Contact-Request"] = request.request_id
    message.set_content(body(request))
    return message
