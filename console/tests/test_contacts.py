"""Contact requests: intake from Rasa's events, the mail queue against a real SMTP server
(aiosmtpd on a free port) and the outbox, recipients, pages, export, retention and erasure.
Runs on SQLite and again on PostgreSQL (except the `cli` test, which starts `manage.py serve`)."""

from __future__ import annotations

import csv
import io
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import yaml
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections
from django.test import Client
from django.utils import timezone

from contacts import delivery, outbox
from contacts.mail import build_message
from contacts.models import ContactRequest, ErasedContactRequest, Status, Via
from conversations import ingest
from conversations.models import Conversation, IngestState, Turn, TurnKind
from privacy import retention
from privacy.models import AuditEntry
from tests.tracker import SqliteTestTracker

DAY = 86400
NATIONAL = "info@sterktechniekonderwijs.nl"
CONSOLE_DIR = Path(__file__).resolve().parent.parent
PERSONAL = ("Henk Bosman", "henk@bosman.nl", "+31641237788", "0641237788")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    """aiosmtpd handler: keeps every message it accepts."""

    def __init__(self):
        self.received: list[tuple[str, list[str], object]] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted"

    @property
    def messages(self):
        return [m for _, _, m in self.received]


class SmtpServer:
    def __init__(self, port: int):
        self.port = port
        self.inbox = Inbox()
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture(autouse=True)
def own_outbox(settings, tmp_path):
    settings.CONTACT_OUTBOX_DIR = tmp_path / "outbox"
    settings.CONTACT_REQUESTS_TO = []
    settings.SMTP_HOST = ""
    settings.CONTACT_RETRY_SECONDS = 60


@pytest.fixture
def smtp(settings):
    server = SmtpServer(free_port())
    server.start()
    settings.SMTP_HOST = "127.0.0.1"
    settings.SMTP_PORT = server.port
    settings.SMTP_STARTTLS = False
    settings.SMTP_SSL = False
    settings.SMTP_TIMEOUT_SECONDS = 5
    yield server
    server.stop()


def take_in(tracker, **overrides) -> ContactRequest:
    value = tracker.contact_request_value(**overrides)
    tracker.contact_request(value)
    ingest.run_once(tracker.source)
    return ContactRequest.objects.get(request_id=value["id"])


def made(**fields) -> ContactRequest:
    """A request straight in the table (queue and page tests that need no conversation)."""
    import uuid

    values = {
        "request_id": uuid.uuid4().hex,
        "sender_id": uuid.uuid4().hex,
        "created_at": timezone.now(),
        "name": "Henk Bosman",
        "company": "Bosman Grondverzet BV",
        "email": "henk@bosman.nl",
        "phone": "+31641237788",
        "question": "Wij willen stageplekken aanbieden, hoe pakken we dat aan?",
        "consent_text": "Mogen wij uw gegevens doorsturen?",
        "region_id": "deventertwello",
        "region_name": "Deventer-Twello",
    }
    values.update(fields)
    return ContactRequest.objects.create(**values)


def statuses(action: str = "contact_status") -> list[str]:
    return [e.detail for e in AuditEntry.objects.filter(action=action).order_by("at", "id")]


# --- intake ------------------------------------------------------------------------------------


def test_intake_stores_the_request_with_its_conversation(tracker, db):
    value = tracker.contact_request_value(phone="06-41237788")
    sender = tracker.contact_request(value)
    ingest.run_once(tracker.source)
    r = ContactRequest.objects.get()
    conversation = Conversation.objects.get(sender_id=sender)
    assert (r.request_id, r.sender_id, r.conversation_id) == (value["id"], sender, conversation.pk)
    assert (r.name, r.company, r.email, r.question) == (
        "Henk Bosman",
        "Bosman Grondverzet BV",
        "henk@bosman.nl",
        value["question"],
    )
    assert r.phone == "+31641237788"  # any notation is stored in E.164
    assert (r.region_id, r.region_name, r.consent_text) == ("deventertwello", "Deventer-Twello", value["consent_text"])
    assert r.created_at.isoformat() == "2026-12-02T13:55:00+00:00"
    assert r.status == Status.NEW and r.attempts == 0 and r.source_event_id
    # the transcript keeps one line with only the id; the form's slots are quiet
    slots = list(Turn.objects.filter(conversation=conversation, kind=TurnKind.SLOT).values_list("name", "slot_value"))
    assert slots == [("contact_request", value["id"])]
    assert statuses() == ["ontvangen: nieuw"]


def test_intake_is_idempotent_on_rescans_and_duplicate_events(tracker, db):
    value = tracker.contact_request_value()
    sender = tracker.contact_request(value)
    tracker.insert([tracker.slot_event(sender, "contact_request", value)])  # the same request twice
    ingest.run_once(tracker.source)
    ingest.run_once(tracker.source)  # a fresh poller re-reads the trailing window
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(tracker.source)
    assert ContactRequest.objects.count() == 1
    # a rebuilt read model (conversations gone, cursor reset) finds the existing request
    Conversation.objects.all().delete()
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(tracker.source)
    assert ContactRequest.objects.count() == 1 and len(statuses()) == 1


@pytest.mark.parametrize(
    "value",
    [
        "Henk Bosman",
        ["x"],
        {},
        {"id": "not-hex", "name": "x"},
        {"id": "A" * 32},  # upper case is not uuid4().hex
        "missing-email",
        "empty-company",
        "bad-time",
        "bad-version",
    ],
)
def test_bad_values_are_ignored_with_a_warning(tracker, db, caplog, value):
    if isinstance(value, str) and value in ("missing-email", "empty-company", "bad-time", "bad-version"):
        good = tracker.contact_request_value()
        changes = {
            "missing-email": {"email": None},
            "empty-company": {"company": "  "},
            "bad-time": {"created_at": "gisteren"},
            "bad-version": {"version": "1"},
        }[value]
        value = {**good, **changes}
    sender = tracker.contact_request(value)
    with caplog.at_level(logging.WARNING, logger="console.contacts"):
        added = ingest.run_once(tracker.source)
    assert ContactRequest.objects.count() == 0
    assert added > 0 and Conversation.objects.filter(sender_id=sender).exists()  # the ingest went on
    (line,) = [r.getMessage() for r in caplog.records if "contact_request" in r.getMessage()]
    assert "ignored" in line
    assert not any(p in caplog.text for p in PERSONAL)
    assert not Turn.objects.filter(name="contact_request").exists()


def test_the_slot_cleared_after_the_hand_over_is_no_request_and_no_warning(tracker, db, caplog):
    sender = tracker.contact_request(None)
    with caplog.at_level(logging.WARNING, logger="console.contacts"):
        ingest.run_once(tracker.source)
    assert Conversation.objects.filter(sender_id=sender).exists() and not ContactRequest.objects.exists()
    assert not caplog.records and not Turn.objects.filter(name__startswith="contact_").exists()


def test_an_erased_request_is_not_brought_back_by_a_rescan(beheerder_client, tracker, db):
    r = take_in(tracker)
    response = beheerder_client.post(f"/contactverzoeken/{r.pk}/verwijderen/")
    assert response.status_code == 302 and response["Location"] == "/contactverzoeken/"
    assert ErasedContactRequest.objects.filter(request_id=r.request_id).exists()
    # rebuild the read model from Rasa's table: the conversation comes back, the request does not
    Conversation.objects.all().delete()
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(tracker.source)
    assert Conversation.objects.filter(sender_id=r.sender_id).exists()
    assert not ContactRequest.objects.exists()
    # its line in the transcript says so
    pk = Conversation.objects.get(sender_id=r.sender_id).pk
    assert "Contactverzoek ingediend (verwijderd)" in beheerder_client.get(f"/gesprekken/{pk}/").content.decode()


def test_transcript_links_the_request_and_hides_the_form_slots(reviewer_client, tracker, db):
    r = take_in(tracker)
    body = reviewer_client.get(f"/gesprekken/{r.conversation_id}/").content.decode()
    assert f'<a href="/contactverzoeken/{r.pk}/">Contactverzoek ingediend</a>' in body
    assert "Slot <code>contact_" not in body and "henk@bosman.nl" not in body
    # the name the user typed as an answer of the form is masked too (no pattern would find it)
    assert "Henk Bosman" not in body and '<p class="text">[naam]</p>' in body
    assert "Slot <code>region_id</code>" not in body  # (this conversation set no region slot)


# --- delivery ----------------------------------------------------------------------------------


def test_delivery_over_smtp_with_region_question_link_and_reply_to(tracker, db, smtp):
    r = take_in(tracker)
    run = delivery.deliver_due()
    assert (run.delivered, run.failed) == (1, 0)
    ((mail_from, rcpt, message),) = smtp.inbox.received
    assert mail_from == "noreply@sterktechniekonderwijs.nl" and rcpt == [NATIONAL]
    # (folded after "Subject:", which Python's parser keeps as a leading space)
    assert message["Subject"].strip() == "Contactverzoek via de STO-assistent: Bosman Grondverzet BV (Deventer-Twello)"
    assert message["Reply-To"] == "henk@bosman.nl" and message["To"] == NATIONAL
    assert r.request_id in message["Message-ID"] and message["X-STO-Contact-Request"] == r.request_id
    text = message.get_content()
    assert "Wij willen stageplekken aanbieden, hoe pakken we dat aan?" in text
    assert "Regio:     Deventer-Twello" in text and "Telefoon:  +31641237788" in text
    assert f"http://127.0.0.1:8090/gesprekken/{r.conversation_id}/" in text
    assert f"http://127.0.0.1:8090/contactverzoeken/{r.pk}/" in text
    assert "2 december 2026 om 14:55" in text  # the time, in the console's time zone
    r.refresh_from_db()
    assert (r.status, r.attempts, r.delivered_via, r.recipients, r.last_error) == (
        Status.SENT,
        1,
        Via.SMTP,
        NATIONAL,
        "",
    )
    assert r.delivered_at and r.next_attempt_at is None
    assert statuses() == ["ontvangen: nieuw", "doorgestuurd (smtp)"]
    assert delivery.deliver_due().delivered == 0 and len(smtp.inbox.received) == 1  # sent once


def test_smtp_down_keeps_it_queued_with_backoff_then_delivers_exactly_once(tracker, db, smtp, caplog):
    r = take_in(tracker, region_id=None, region_name=None)
    smtp.stop()
    with caplog.at_level(logging.WARNING, logger="console.contacts"):
        assert delivery.deliver_due().failed == 1
    r.refresh_from_db()
    assert (r.status, r.attempts) == (Status.FAILED, 1)
    assert "weigert de verbinding" in r.last_error and str(smtp.port) in r.last_error
    assert timedelta(seconds=55) < r.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    (line,) = [rec.getMessage() for rec in caplog.records if rec.levelno == logging.WARNING]
    assert f"contact request {r.pk}: delivery attempt 1 failed" in line and "ConnectionRefusedError" in line
    assert not any(p in line for p in PERSONAL)
    # not due before the retry time; the next failure doubles the wait
    assert delivery.deliver_due().failed == 0
    later = timezone.now() + timedelta(seconds=61)
    assert delivery.deliver_due(now=later).failed == 1
    r.refresh_from_db()
    assert r.attempts == 2 and timedelta(seconds=115) < r.next_attempt_at - timezone.now() <= timedelta(seconds=120)
    # the server is back: delivered at the next attempt, exactly once
    smtp.start()
    assert delivery.deliver_due(now=timezone.now() + timedelta(seconds=121)).delivered == 1
    assert delivery.deliver_due(now=timezone.now() + timedelta(days=1)).delivered == 0
    assert len(smtp.inbox.received) == 1
    assert smtp.inbox.messages[0]["Subject"].endswith("(regio onbekend)")
    r.refresh_from_db()
    assert (r.status, r.attempts, r.last_error) == (Status.SENT, 3, "")
    # one audit entry per status change, not per attempt
    assert statuses() == ["ontvangen: nieuw", "mislukt (poging 1)", "doorgestuurd (smtp)"]


def test_retry_delay_doubles_up_to_an_hour(settings):
    settings.CONTACT_RETRY_SECONDS = 60
    delays = [delivery.retry_delay(n).total_seconds() for n in (1, 2, 3, 6, 7, 50, 10_000)]
    assert delays == [60, 120, 240, 1920, 3600, 3600, 3600]


def test_outbox_mode_writes_one_parseable_eml_atomically(tracker, db, settings):
    r = take_in(tracker)
    assert delivery.deliver_due().delivered == 1
    r.refresh_from_db()
    assert (r.status, r.delivered_via, r.outbox_file) == (Status.SENT, Via.OUTBOX, f"contactverzoek-{r.request_id}.eml")
    folder = Path(settings.CONTACT_OUTBOX_DIR)
    assert [p.name for p in folder.iterdir()] == [r.outbox_file]  # no temporary file left
    path = folder / r.outbox_file
    assert path.stat().st_mode & 0o777 == 0o600
    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert message["To"] == NATIONAL and message["Reply-To"] == "henk@bosman.nl"
    assert "Deventer-Twello" in message["Subject"] and r.question in message.get_content()
    # a resend replaces the file (one per request) with a new Message-ID
    first_id = message["Message-ID"]
    delivery.queue_again(r, "test")
    delivery.deliver_due()
    again = message_from_bytes(path.read_bytes(), policy=policy.default)
    assert [p.name for p in folder.iterdir()] == [r.outbox_file] and again["Message-ID"] != first_id


def test_outbox_that_cannot_be_written_fails_and_keeps_it_queued(tracker, db, settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    settings.CONTACT_OUTBOX_DIR = blocker
    r = take_in(tracker)
    assert delivery.deliver_due().failed == 1
    r.refresh_from_db()
    assert r.status == Status.FAILED and "outbox-map" in r.last_error and r.next_attempt_at


def test_outbox_files_are_only_read_inside_the_outbox(tracker, db, settings, beheerder_client, tmp_path):
    secret = tmp_path / "secret.eml"
    secret.write_text("Subject: geheim\n\ngeheim\n")
    for name in ["../secret.eml", str(secret), "contactverzoek-../../x.eml", "contactverzoek-1.eml", ""]:
        assert outbox.path_of(name) is None and outbox.read(name) is None
    r = made(delivered_via=Via.OUTBOX, outbox_file="../secret.eml", status=Status.SENT)
    body = beheerder_client.get(f"/contactverzoeken/{r.pk}/").content.decode()
    assert "geheim" not in body


@pytest.mark.parametrize(
    "override, region_email, region_id, expected",
    [
        (["a@voorbeeld.nl", "b@voorbeeld.nl"], "regio@deventer.example", "deventertwello", ["a@voorbeeld.nl", "b@voorbeeld.nl"]),  # noqa: E501
        ([], "regio@deventer.example", "deventertwello", ["regio@deventer.example"]),
        ([], "regio@deventer.example", "zwolle", [NATIONAL]),
        ([], None, "deventertwello", [NATIONAL]),
        ([], "regio@deventer.example", None, [NATIONAL]),
    ],
)  # fmt: skip
def test_recipients(tracker, db, smtp, settings, tmp_path, override, region_email, region_id, expected):
    data = yaml.safe_load(Path(settings.REGIONS_FILE).read_text(encoding="utf-8"))
    if region_email:
        (region,) = [r for r in data["regions"] if r["id"] == "deventertwello"]
        region["contact_email"] = region_email
    regions_file = tmp_path / "regions.yml"
    regions_file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    settings.REGIONS_FILE = regions_file
    settings.CONTACT_REQUESTS_TO = override
    take_in(tracker, region_id=region_id, region_name="Regio" if region_id else None)
    assert delivery.deliver_due().delivered == 1
    ((_, rcpt, message),) = smtp.inbox.received
    assert rcpt == expected and message["To"] == ", ".join(expected)


def test_no_recipient_at_all_fails_and_stays_queued(tracker, db, settings, tmp_path):
    regions_file = tmp_path / "regions.yml"
    regions_file.write_text("version: 1\nregions: []\n")
    settings.REGIONS_FILE = regions_file
    r = take_in(tracker)
    assert delivery.deliver_due().failed == 1
    r.refresh_from_db()
    assert r.status == Status.FAILED and r.last_error.startswith("Geen ontvanger")


def test_a_request_marked_handled_is_not_sent_any_more(db):
    r = made(status=Status.HANDLED)
    made(status=Status.FAILED, next_attempt_at=timezone.now() + timedelta(minutes=5))
    assert delivery.deliver_due().delivered == 0
    r.refresh_from_db()
    assert r.attempts == 0


@pytest.mark.django_db(transaction=True)
def test_two_senders_at_once_send_every_request_exactly_once(smtp):
    for _ in range(12):
        made()
    runs: list[delivery.DeliveryRun] = []

    def work():
        try:
            runs.append(delivery.deliver_due())
        finally:
            connections.close_all()

    workers = [threading.Thread(target=work) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
    ids = [m["X-STO-Contact-Request"] for m in smtp.inbox.messages]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert sum(r.delivered for r in runs) == 12 and sum(r.failed for r in runs) == 0
    assert ContactRequest.objects.filter(status=Status.SENT, attempts=1).count() == 12


@pytest.mark.django_db(transaction=True)
def test_delivery_thread_sends_what_the_ingest_took_in(tracker, smtp):
    r = take_in(tracker)
    thread = delivery.DeliveryThread(interval=0.2)
    thread.start()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and not smtp.inbox.received:
        time.sleep(0.1)
    thread.stop()
    thread.join(10)
    assert [m["X-STO-Contact-Request"] for m in smtp.inbox.messages] == [r.request_id]
    r.refresh_from_db()
    assert r.status == Status.SENT


def test_deliver_contacts_command(db, smtp, capsys):
    made()
    call_command("deliver_contacts", "--once")
    assert "contact requests: delivered 1, failed 0, 0 still queued" in capsys.readouterr().out
    made()
    smtp.stop()
    with pytest.raises(CommandError, match="1 contact request"):
        call_command("deliver_contacts", "--once")
    assert "delivered 0, failed 1, 1 still queued" in capsys.readouterr().out


# --- pages -------------------------------------------------------------------------------------


def test_list_counts_filters_and_pages(reviewer_client, db):
    made(status=Status.FAILED, region_id="zwolle", region_name="Zwolle", company="Zwolse Installatie")
    made(status=Status.SENT)
    made(status=Status.HANDLED, region_id="", region_name="", company="Ergens BV")
    for i in range(52):
        made(company=f"Bedrijf {i}")
    response = reviewer_client.get("/contactverzoeken/")
    assert response.status_code == 200
    assert [(value, n) for value, _, n in response.context["counts"]] == [
        ("nieuw", 52),
        ("doorgestuurd", 1),
        ("mislukt", 1),
        ("afgehandeld", 1),
    ]
    assert response.context["page"].paginator.num_pages == 2
    body = response.content.decode()
    assert "55 contactverzoeken." in body and 'href="?pagina=2"' in body

    def companies(params):
        page = reviewer_client.get("/contactverzoeken/", params).context["page"]
        return {r.company for r in page.object_list}

    assert companies({"status": "mislukt"}) == {"Zwolse Installatie"}
    assert companies({"regio": "zwolle"}) == {"Zwolse Installatie"}
    assert companies({"regio": "onbekend"}) == {"Ergens BV"}
    assert companies({"regio": "deventertwello", "status": "doorgestuurd"}) == {"Bosman Grondverzet BV"}
    assert len(companies({"status": "onzin"})) > 1  # an unknown status is no filter
    assert reviewer_client.get("/contactverzoeken/", {"pagina": "x"}).status_code == 200
    # the counts follow the region filter
    counts = reviewer_client.get("/contactverzoeken/", {"regio": "zwolle"}).context["counts"]
    assert [n for _, _, n in counts] == [0, 0, 1, 0]
    regions = dict(response.context["regions"])
    assert regions["zwolle"] == "Zwolle" and regions["onbekend"] == "Regio onbekend"


def test_contact_details_are_masked_for_everyone_until_a_beheerder_reveals(client, tracker, db, reviewer, beheerder):
    r = take_in(tracker, question="Bel mij terug op 06-41237788, groet Henk Bosman")
    client.force_login(reviewer)
    for path in ["/contactverzoeken/", f"/contactverzoeken/{r.pk}/"]:
        body = client.get(path).content.decode()
        assert not any(p in body for p in PERSONAL + ("06-41237788",)), path
        assert "[naam]" in body and "[e-mail]" in body and "[telefoonnummer]" in body, path
        assert "Bosman Grondverzet BV" in body and "Deventer-Twello" in body
    assert "onthullen" not in client.get(f"/contactverzoeken/{r.pk}/").content.decode()
    assert client.post(f"/contactverzoeken/{r.pk}/onthullen/").status_code == 403
    client.force_login(beheerder)
    assert client.get(f"/contactverzoeken/{r.pk}/onthullen/").status_code == 405
    response = client.post(f"/contactverzoeken/{r.pk}/onthullen/")
    assert response.status_code == 302 and response["Location"] == f"/contactverzoeken/{r.pk}/"
    body = client.get(f"/contactverzoeken/{r.pk}/").content.decode()
    assert all(p in body for p in ("Henk Bosman", "henk@bosman.nl", "+31641237788", "06-41237788"))
    assert "henk@bosman.nl" not in client.get(f"/contactverzoeken/{r.pk}/").content.decode()  # once
    (entry,) = AuditEntry.objects.filter(action="contact_reveal")
    assert (entry.username, entry.target) == ("bert", f"contactverzoek {r.pk}")
    views = AuditEntry.objects.filter(action="contact_view", target=f"contactverzoek {r.pk}")
    assert views.count() == 4 and views.filter(detail="onthuld").count() == 1


def test_detail_shows_delivery_history_and_the_outbox_mail(beheerder_client, tracker, db):
    r = take_in(tracker)
    delivery.deliver_due()
    response = beheerder_client.get(f"/contactverzoeken/{r.pk}/")
    body = response.content.decode()
    assert f'href="/gesprekken/{r.conversation_id}/"' in body
    assert f"contactverzoek-{r.request_id}.eml" in body and "outbox-map" in body
    mail = response.context["mail"]["text"]
    assert "Subject: Contactverzoek via de STO-assistent: Bosman Grondverzet BV (Deventer-Twello)" in mail
    assert "[e-mail]" in mail and "henk@bosman.nl" not in mail and "[naam]" in mail and r.question in mail
    assert [e.detail for e in response.context["history"]] == ["ontvangen: nieuw", "doorgestuurd (outbox)"]
    beheerder_client.post(f"/contactverzoeken/{r.pk}/onthullen/")
    mail = beheerder_client.get(f"/contactverzoeken/{r.pk}/").context["mail"]["text"]
    assert "Reply-To: henk@bosman.nl" in mail and "Naam:      Henk Bosman" in mail


def test_mark_handled_and_resend(reviewer_client, reviewer, db, smtp):
    r = made(status=Status.FAILED, attempts=3, last_error="oud", next_attempt_at=timezone.now() + timedelta(hours=1))
    assert reviewer_client.get(f"/contactverzoeken/{r.pk}/opnieuw-versturen/").status_code == 405
    # "Opnieuw versturen": tried now, not at the scheduled time
    response = reviewer_client.post(f"/contactverzoeken/{r.pk}/opnieuw-versturen/", follow=True)
    assert "Het contactverzoek is verstuurd naar info@sterktechniekonderwijs.nl." in response.content.decode()
    r.refresh_from_db()
    assert (r.status, r.attempts, len(smtp.inbox.received)) == (Status.SENT, 4, 1)
    # also after a delivery: a resend, with its own Message-ID
    reviewer_client.post(f"/contactverzoeken/{r.pk}/opnieuw-versturen/")
    first, second = smtp.inbox.messages
    assert first["Message-ID"] != second["Message-ID"] and r.request_id in second["Message-ID"]
    # SMTP down: the page says so and it stays queued
    smtp.stop()
    response = reviewer_client.post(f"/contactverzoeken/{r.pk}/opnieuw-versturen/", follow=True)
    assert "Versturen is mislukt" in response.content.decode() and "automatisch opnieuw" in response.content.decode()
    r.refresh_from_db()
    assert r.status == Status.FAILED
    # handled: status, who, when; no more resends
    response = reviewer_client.post(f"/contactverzoeken/{r.pk}/afgehandeld/", follow=True)
    assert "gemarkeerd als afgehandeld" in response.content.decode()
    r.refresh_from_db()
    assert (r.status, r.handled_by, r.handled_by_name, r.next_attempt_at) == (Status.HANDLED, reviewer, "rita", None)
    assert r.handled_at
    response = reviewer_client.post(f"/contactverzoeken/{r.pk}/opnieuw-versturen/", follow=True)
    assert "niet opnieuw verstuurd" in response.content.decode()
    assert "Markeer als afgehandeld" not in response.content.decode()
    assert statuses() == [
        "opnieuw versturen (was mislukt)",
        "doorgestuurd (smtp)",
        "opnieuw versturen (was doorgestuurd)",
        "doorgestuurd (smtp)",
        "opnieuw versturen (was doorgestuurd)",
        "mislukt (poging 6)",
        "afgehandeld (was mislukt)",
    ]


def test_actions_need_csrf_and_a_session(reviewer, db):
    r = made()
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(reviewer)
    for action in ["afgehandeld", "opnieuw-versturen"]:
        assert strict.post(f"/contactverzoeken/{r.pk}/{action}/").status_code == 403
    r.refresh_from_db()
    assert r.status == Status.NEW and r.attempts == 0
    anonymous = Client()
    for path in ["/contactverzoeken/", f"/contactverzoeken/{r.pk}/", "/contactverzoeken/export/"]:
        response = anonymous.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")
    for action in ["afgehandeld", "opnieuw-versturen", "onthullen", "verwijderen"]:
        assert anonymous.post(f"/contactverzoeken/{r.pk}/{action}/").status_code == 302
    assert ContactRequest.objects.filter(pk=r.pk, status=Status.NEW).exists()


def test_reviewer_cannot_delete_beheerder_can(client, reviewer, beheerder, db, settings):
    r = made(status=Status.SENT, delivered_via=Via.OUTBOX)
    path = outbox.write(build_message(r, [NATIONAL]), r.request_id)
    ContactRequest.objects.filter(pk=r.pk).update(outbox_file=path)
    client.force_login(reviewer)
    assert client.post(f"/contactverzoeken/{r.pk}/verwijderen/").status_code == 403
    assert "definitief verwijderen" not in client.get(f"/contactverzoeken/{r.pk}/").content.decode()
    client.force_login(beheerder)
    response = client.post(f"/contactverzoeken/{r.pk}/verwijderen/", {"terug": "verwijderverzoeken"})
    assert response.status_code == 302 and response["Location"] == "/beheer/verwijderverzoeken/"
    assert not ContactRequest.objects.exists() and not (Path(settings.CONTACT_OUTBOX_DIR) / path).exists()
    (entry,) = AuditEntry.objects.filter(action="contact_delete")
    assert entry.target == f"contactverzoek {r.pk}" and entry.username == "bert"


def test_nav_link_for_every_role(reviewer_client, db):
    assert '<a href="/contactverzoeken/">Contactverzoeken</a>' in reviewer_client.get("/").content.decode()


# --- export ------------------------------------------------------------------------------------


def test_csv_export_follows_the_filter_is_masked_and_audited(reviewer_client, db):
    wanted = made(status=Status.FAILED, question="Bel 06-41237788 of mail henk@bosman.nl, Henk Bosman")
    made(status=Status.SENT, company="Ander BV")
    response = reviewer_client.get("/contactverzoeken/export/", {"status": "mislukt"})
    assert response["Content-Type"].startswith("text/csv") and "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["kenmerk"] for r in rows] == [wanted.request_id]
    row = rows[0]
    assert (row["naam"], row["email"], row["telefoon"]) == ("[naam]", "[e-mail]", "[telefoonnummer]")
    assert (row["bedrijf"], row["regio"], row["status"]) == ("Bosman Grondverzet BV", "Deventer-Twello", "mislukt")
    assert not any(p in text for p in PERSONAL + ("06-41237788",))
    (entry,) = AuditEntry.objects.filter(action="export")
    assert (entry.target, entry.detail, entry.username) == ("contactverzoeken.csv", "status=mislukt", "rita")
    everything = b"".join(reviewer_client.get("/contactverzoeken/export/").streaming_content).decode()
    assert len(list(csv.DictReader(io.StringIO(everything.lstrip("\ufeff"))))) == 2


# --- retention ---------------------------------------------------------------------------------


def test_retention_by_contact_retention_days(tracker, db, settings, capsys):
    settings.CONTACT_RETENTION_DAYS = 180
    old = take_in(tracker)
    recent = take_in(tracker)
    delivery.deliver_due()  # both into the outbox
    old.refresh_from_db()
    ContactRequest.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=181))
    ContactRequest.objects.filter(pk=recent.pk).update(created_at=timezone.now() - timedelta(days=179))
    call_command("retention", "--dry-run")
    assert "1 contact requests" in capsys.readouterr().out and ContactRequest.objects.count() == 2
    result = retention.run(tracker.source)
    assert result.contact_requests == 1
    assert list(ContactRequest.objects.values_list("pk", flat=True)) == [recent.pk]
    assert ErasedContactRequest.objects.filter(request_id=old.request_id).exists()
    assert not (Path(settings.CONTACT_OUTBOX_DIR) / old.outbox_file).exists()
    assert "1 contactverzoeken" in AuditEntry.objects.get(action="retention").detail
    # the conversation itself is younger than RETENTION_DAYS: kept; a rescan does not restore the request
    assert Conversation.objects.filter(sender_id=old.sender_id).exists()
    IngestState.objects.update(last_event_id=0)
    Conversation.objects.all().delete()
    ingest.run_once(tracker.source)
    assert ContactRequest.objects.count() == 1
    call_command("retention")
    assert "0 contact requests" in capsys.readouterr().out


def test_a_request_outlives_its_conversation(reviewer_client, tracker, db, settings):
    settings.RETENTION_DAYS = 90
    value = tracker.contact_request_value()
    tracker.contact_request(value, ts=time.time() - 100 * DAY)
    ingest.run_once(tracker.source)
    result = retention.run(tracker.source)
    assert result.conversations == 1 and result.contact_requests == 0
    r = ContactRequest.objects.get(request_id=value["id"])
    assert r.conversation_id is None and not Conversation.objects.exists()
    body = reviewer_client.get(f"/contactverzoeken/{r.pk}/").content.decode()
    assert "Het gesprek is niet meer beschikbaar" in body
    delivery.deliver_due()
    r.refresh_from_db()
    mail = outbox.read(r.outbox_file)
    assert mail is not None and "Gesprek:        niet meer beschikbaar" in mail.get_content()


# --- erasure -----------------------------------------------------------------------------------


def test_erasure_finds_requests_by_phone_and_email_and_deletes_them_with_the_conversation(
    beheerder_client, tracker, db, settings
):
    r = take_in(tracker)
    other = take_in(tracker, phone="+31612345679", email="iemand@anders.nl")
    delivery.deliver_due()
    r.refresh_from_db()

    def found(query):
        lookup = beheerder_client.post("/beheer/verwijderverzoeken/", {"zoek": query}).context["lookup"]
        return {c.pk for c in lookup.contact_requests}, {c.pk for c in lookup.conversations}

    # the number was never typed in a message: the request finds it, and brings its conversation
    assert found("06-41237788") == ({r.pk}, {r.conversation_id})
    assert found("0031 6 4123 7788") == ({r.pk}, {r.conversation_id})
    assert found("HENK@bosman.nl") == ({r.pk}, {r.conversation_id})
    assert found(r.sender_id) == ({r.pk}, {r.conversation_id})
    assert found(r.request_id) == ({r.pk}, {r.conversation_id})
    assert found("06-99999999") == (set(), set())
    body = beheerder_client.post("/beheer/verwijderverzoeken/", {"zoek": "06-41237788"}).content.decode()
    assert "Contactverzoeken: 1" in body and "henk@bosman.nl" not in body
    searches = AuditEntry.objects.filter(action="search")
    assert not any("4123" in e.detail for e in searches) and "1 contactverzoek(en)" in searches.first().detail
    # deleting the conversation takes its request, the tracker rows and the outbox copy along
    response = beheerder_client.post(f"/beheer/verwijderverzoeken/{r.conversation_id}/verwijderen/")
    assert response.status_code == 302
    assert list(ContactRequest.objects.values_list("pk", flat=True)) == [other.pk]
    assert tracker.count(r.sender_id) == 0
    assert not (Path(settings.CONTACT_OUTBOX_DIR) / r.outbox_file).exists()
    assert ErasedContactRequest.objects.filter(request_id=r.request_id).exists()


def test_the_delete_page_of_a_conversation_mentions_its_requests(beheerder_client, tracker, db):
    r = take_in(tracker)
    body = beheerder_client.get(f"/gesprekken/{r.conversation_id}/verwijderen/").content.decode()
    assert "met 1 contactverzoek uit dit gesprek" in body
    beheerder_client.post(f"/gesprekken/{r.conversation_id}/verwijderen/")
    assert not ContactRequest.objects.exists()


# --- manage.py serve: the ingest and delivery threads in production mode -----------------------


@pytest.mark.cli
def test_serve_takes_in_and_mails_a_request(tmp_path):
    server = SmtpServer(free_port())
    server.start()
    tracker = SqliteTestTracker(tmp_path / "conversations.db")
    value = tracker.contact_request_value()
    tracker.contact_request(value)
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("CONSOLE_", "TRACKER_", "DJANGO_", "SMTP_", "CONTACT_", "MAIL_"))
    }
    env.update(
        CONSOLE_DB_FILE=str(tmp_path / "console.db"),
        TRACKER_DB_FILE=str(tmp_path / "conversations.db"),
        CONSOLE_SECRET_KEY_FILE=str(tmp_path / "secret-key"),
        CONSOLE_INGEST_INTERVAL="0.5",
        CONTACT_DELIVERY_INTERVAL="0.5",
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(server.port),
        CONTACT_REQUESTS_TO="team@voorbeeld.nl",
        CONSOLE_PUBLIC_URL="https://console.voorbeeld.nl",
        CONTACT_OUTBOX_DIR=str(tmp_path / "outbox"),
    )
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=CONSOLE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not server.inbox.received and process.poll() is None:
            time.sleep(0.2)
    finally:
        process.terminate()
        output = process.communicate(timeout=30)[0]
        server.stop()
        tracker.drop()
    assert len(server.inbox.received) == 1, output
    (_, rcpt, message) = server.inbox.received[0]
    assert rcpt == ["team@voorbeeld.nl"] and message["X-STO-Contact-Request"] == value["id"]
    assert "https://console.voorbeeld.nl/gesprekken/" in message.get_content()
    assert "contact request delivery every" in output and "delivered via smtp" in output
    assert not (tmp_path / "outbox").exists()
