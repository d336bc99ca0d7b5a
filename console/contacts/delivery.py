"""The mail queue: sends queued contact requests (status `nieuw`, or `mislukt` whose retry is
due) over SMTP, or into the outbox directory when SMTP_HOST is not set.

Claiming is a short transaction that pushes the rows' next_attempt_at ahead by a lease
(PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED; SQLite: the console's transactions take the
write lock at BEGIN), so two console processes never send the same request at the same time
and the mail is sent outside any transaction. A failure keeps the request queued with an
exponential backoff (CONTACT_RETRY_SECONDS, doubling, at most an hour); nothing is ever dropped.
A process that dies mid-send leaves the row claimed until the lease ends, then it is sent again
(same Message-ID).
"""

from __future__ import annotations

import logging
import smtplib
import socket
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from contacts import outbox
from contacts.mail import build_message
from contacts.models import QUEUED, ContactRequest, Status, Via
from contacts.recipients import NoRecipient, recipients_for
from conversations.ingest import PollingThread
from privacy import audit
from privacy.masking import mask_text

log = logging.getLogger("console.contacts")

MAX_RETRY_SECONDS = 3600
CLAIM_BATCH = 10
MAX_PER_RUN = 200
AUDIT_USER = "bezorging"


class DeliveryFailed(Exception):
    """One attempt failed; the message is Dutch, for the support team (no personal data)."""


@dataclass
class DeliveryRun:
    delivered: int = 0
    failed: int = 0

    def __str__(self) -> str:
        return f"delivered {self.delivered}, failed {self.failed}"


def retry_delay(attempts: int) -> timedelta:
    """After the n-th failed attempt: CONTACT_RETRY_SECONDS * 2^(n-1), at most an hour."""
    exponent = min(max(attempts, 1) - 1, 30)
    return timedelta(seconds=min(settings.CONTACT_RETRY_SECONDS * 2**exponent, MAX_RETRY_SECONDS))


def lease() -> timedelta:
    # Longer than one SMTP conversation can take (each step may wait SMTP_TIMEOUT_SECONDS).
    return timedelta(seconds=max(300, 10 * settings.SMTP_TIMEOUT_SECONDS))


def due(now: datetime) -> QuerySet[ContactRequest]:
    return ContactRequest.objects.filter(status__in=QUEUED).filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )


def claim(now: datetime, limit: int = CLAIM_BATCH, only: int | None = None) -> list[ContactRequest]:
    with transaction.atomic():
        rows = due(now).order_by("created_at", "id")
        if only is not None:
            rows = rows.filter(pk=only)
        claimed = list(rows.select_for_update(skip_locked=True)[:limit])
        if claimed:
            ContactRequest.objects.filter(pk__in=[r.pk for r in claimed]).update(next_attempt_at=now + lease())
    return claimed


# --- sending -----------------------------------------------------------------------------------


def _smtp_error(error: Exception) -> str:
    where = f"{settings.SMTP_HOST}:{settings.SMTP_PORT}"
    if isinstance(error, ConnectionRefusedError):
        return f"De mailserver {where} weigert de verbinding."
    if isinstance(error, (socket.timeout, TimeoutError)):
        return f"De mailserver {where} antwoordde niet binnen {settings.SMTP_TIMEOUT_SECONDS:g} s."
    if isinstance(error, socket.gaierror):
        return f"De mailserver {where} is niet gevonden (DNS)."
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return (
            f"Inloggen bij de mailserver {where} is mislukt (code {error.smtp_code}); "
            "controleer SMTP_USER en SMTP_PASSWORD."
        )
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = ", ".join(str(code) for code, _ in error.recipients.values())
        return f"De mailserver {where} weigert de ontvanger(s) (code {codes})."
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else error.smtp_error
        return f"De mailserver {where} gaf een fout: {error.smtp_code} {text}"
    if isinstance(error, ssl.SSLError):
        return f"TLS met de mailserver {where} is mislukt ({error.__class__.__name__})."
    if isinstance(error, smtplib.SMTPException):
        return f"De mailserver {where} gaf een fout: {error}"
    return f"Verbinding met de mailserver {where} mislukt: {error.__class__.__name__}: {error}"


def send_smtp(message: EmailMessage, recipients: list[str]) -> list[str]:
    """Sends over SMTP; returns the recipients the server refused (the others got it)."""
    host, port, timeout = settings.SMTP_HOST, settings.SMTP_PORT, settings.SMTP_TIMEOUT_SECONDS
    try:
        if settings.SMTP_SSL:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        with client:
            if settings.SMTP_STARTTLS and not settings.SMTP_SSL:
                client.starttls(context=ssl.create_default_context())
            if settings.SMTP_USER:
                client.login(settings.SMTP_USER, settings.SMTP_PASSWORD)
            envelope_from = parseaddr(settings.MAIL_FROM)[1]
            refused = client.send_message(message, from_addr=envelope_from, to_addrs=recipients)
    except (OSError, smtplib.SMTPException) as error:
        raise DeliveryFailed(_smtp_error(error)) from error
    return sorted(refused)


def send(request: ContactRequest) -> tuple[str, str, list[str], list[str]]:
    """One attempt. Returns (via, outbox file name, recipients, refused recipients)."""
    try:
        recipients = recipients_for(request.region_id)
    except NoRecipient as error:
        raise DeliveryFailed(str(error)) from error
    message = build_message(request, recipients)
    if settings.SMTP_HOST:
        return Via.SMTP, "", recipients, send_smtp(message, recipients)
    try:
        name = outbox.write(message, request.request_id)
    except OSError as error:
        raise DeliveryFailed(
            f"Schrijven in de outbox-map {outbox.directory()} is mislukt: {error.__class__.__name__}: {error.strerror}"
        ) from error
    return Via.OUTBOX, name, recipients, []


# --- recording the outcome ---------------------------------------------------------------------


def _succeeded(request: ContactRequest, via: str, file_name: str, recipients: list[str], refused: list[str]) -> None:
    now = timezone.now()
    with transaction.atomic():
        current = ContactRequest.objects.select_for_update().filter(pk=request.pk).first()
        if current is None:  # erased while it was being sent: take its outbox copy along
            if file_name:
                outbox.remove(file_name)
            return
        previous = current.status
        if previous != Status.HANDLED:
            current.status = Status.SENT
        current.attempts += 1
        current.last_attempt_at = now
        current.last_error = f"Geweigerd door de mailserver: {', '.join(refused)}" if refused else ""
        current.next_attempt_at = None
        current.delivered_at = now
        current.delivered_via = via
        current.outbox_file = file_name
        current.recipients = ", ".join(recipients)
        current.save()
        if current.status != previous:
            audit.record(AUDIT_USER, "contact_status", target=current.audit_target, detail=f"doorgestuurd ({via})")
    log.info("contact request %d delivered via %s (attempt %d)", current.pk, via, current.attempts)


def _failed(request: ContactRequest, reason: str, technical: str) -> None:
    now = timezone.now()
    with transaction.atomic():
        current = ContactRequest.objects.select_for_update().filter(pk=request.pk).first()
        if current is None:
            return
        previous = current.status
        current.attempts += 1
        current.last_attempt_at = now
        current.last_error = reason
        if previous in QUEUED:
            current.status = Status.FAILED
            current.next_attempt_at = now + retry_delay(current.attempts)
        else:  # marked handled while it was being sent: no more attempts
            current.next_attempt_at = None
        current.save()
        if current.status != previous:
            audit.record(
                AUDIT_USER, "contact_status", target=current.audit_target, detail=f"mislukt (poging {current.attempts})"
            )
    retry = "no retry"
    if current.next_attempt_at:
        retry = f"next attempt at {current.next_attempt_at:%Y-%m-%d %H:%M:%S} UTC"
    # For the operator; masked in case a server echoes an address.
    log.warning(
        "contact request %d: delivery attempt %d failed: %s; %s",
        current.pk,
        current.attempts,
        mask_text(technical),
        retry,
    )


def deliver(request: ContactRequest) -> bool:
    """One attempt for a claimed request; the outcome is stored. True when it was sent."""
    try:
        via, file_name, recipients, refused = send(request)
    except DeliveryFailed as error:
        cause = error.__cause__
        technical = f"{cause.__class__.__name__}: {cause}" if cause else str(error)
        _failed(request, str(error), technical)
        return False
    except Exception as error:  # noqa: BLE001 - a bug must not drop the request: it stays queued
        _failed(request, f"Onverwachte fout: {error.__class__.__name__}", f"{error.__class__.__name__}: {error}")
        log.exception("contact request %d: unexpected error while sending", request.pk)
        return False
    _succeeded(request, via, file_name, recipients, refused)
    return True


def deliver_due(now: datetime | None = None, only: int | None = None, limit: int = MAX_PER_RUN) -> DeliveryRun:
    """Send what is due (or only request `only`, if it is due). `now` is for tests."""
    run = DeliveryRun()
    while run.delivered + run.failed < limit:
        claimed = claim(now or timezone.now(), only=only)
        if not claimed:
            break
        for request in claimed:
            if deliver(request):
                run.delivered += 1
            else:
                run.failed += 1
        if only is not None:
            break
    return run


def queue_again(request: ContactRequest, user) -> str:
    """ "Opnieuw versturen": queue it for now (also after a delivery: a resend). Returns the
    previous status."""
    with transaction.atomic():
        current = ContactRequest.objects.select_for_update().get(pk=request.pk)
        previous = current.status
        if previous == Status.SENT:
            current.resends += 1
        current.status = Status.FAILED if previous == Status.FAILED else Status.NEW
        current.next_attempt_at = None
        current.save(update_fields=["status", "next_attempt_at", "resends"])
        audit.record(user, "contact_status", target=current.audit_target, detail=f"opnieuw versturen (was {previous})")
    return previous


class DeliveryThread(PollingThread):
    """The mail queue beside the web server (manage.py serve): every CONTACT_DELIVERY_INTERVAL s."""

    def __init__(self, interval: float | None = None):
        interval = interval if interval is not None else settings.CONTACT_DELIVERY_INTERVAL
        super().__init__("console-delivery", None, interval, log)

    def run(self) -> None:
        if settings.SMTP_HOST:
            where = f"SMTP {settings.SMTP_HOST}:{settings.SMTP_PORT}"
        else:
            where = f"outbox {outbox.directory()}"
        log.info("contact request delivery every %.0f s via %s", self.interval, where)
        super().run()

    def tick(self) -> None:
        run = deliver_due()
        if run.delivered or run.failed:
            log.info("contact requests: %s", run)
