"""Answers to the contact form's questions (Turn.form_answer, contacts.form_answers): marked by the
ingest from Rasa's `requested_slot`, shown as a placeholder, never used to teach the assistant."""

from __future__ import annotations

import csv
import io
import json
import time
import uuid

import yaml
from django.http import StreamingHttpResponse

from contacts import form_answers
from conversations import ingest
from conversations.models import Conversation, Turn, TurnKind
from conversations.tracker_source import EventRow
from privacy.masking import mask_text
from privacy.models import AuditEntry
from review import inbox
from review.models import Annotation, InboxMessage
from review.training import FORM_ANSWER_REASON, build_export

NAME, COMPANY = "Henk Bosman", "Bosman Grondverzet"
NAME_LABEL, COMPANY_LABEL = "[antwoord contactformulier: naam]", "[antwoord contactformulier: bedrijf]"


def stopped_form(tracker, **kwargs) -> Conversation:
    """Offer, yes, the name and company answered, "stop" at the e-mail question, then a question."""
    kwargs.setdefault("answers", [("contact_name", NAME), ("contact_company", COMPANY)])
    sender = tracker.stopped_contact_form(**kwargs)
    ingest.run_once(tracker.source)
    return Conversation.objects.get(sender_id=sender)


def marks(conversation: Conversation) -> list[tuple[str, str]]:
    turns = conversation.turns.filter(kind=TurnKind.USER).order_by("source_id")
    return list(turns.values_list("text", "form_answer"))


def _download(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def test_placeholders_pass_masking_unchanged():
    for slot in form_answers.SLOTS:
        assert mask_text(form_answers.placeholder(slot)) == form_answers.placeholder(slot)
    assert form_answers.shown_text(NAME, "contact_name") == NAME_LABEL
    assert form_answers.shown_text("nee", "contact_consent") == "nee"  # decided: shown
    assert form_answers.shown_text("Bel 06-12345678", "") == "Bel [telefoonnummer]"


def test_the_ingest_marks_what_answers_a_question_of_the_form(tracker, db):
    conversation = stopped_form(tracker)
    assert marks(conversation) == [
        ("Kan iemand mij terugbellen?", ""),
        ("ja", ""),  # the offer is not the form yet
        (NAME, "contact_name"),
        (COMPANY, "contact_company"),
        ("stop", "contact_email"),  # whatever arrives while a question is open counts as its answer
        ("Wat is STO?", ""),  # requested_slot is null again
    ]
    # the form's state is kept as hidden `form` turns, the form's other slots stay quiet
    states = conversation.turns.filter(kind=TurnKind.FORM).order_by("source_id").values_list("slot_value", flat=True)
    assert list(states) == ["contact_name", "contact_company", "contact_email", ""]
    assert not conversation.turns.filter(kind=TurnKind.SLOT).exists()
    assert conversation.user_messages == 6  # counted as messages still


def test_other_slot_events_between_question_and_answer(tracker, db):
    """The latest `requested_slot` counts, not the latest slot event (region, place, ...)."""
    sender, ts = uuid.uuid4().hex, time.time()
    rows = tracker.form_asks(sender, "contact_place", ts, extra_slots={"region_id": None, "contact_offered": True})
    rows += tracker.form_answer(sender, "contact_place", "Zwolle", ts + 1)
    extra = {"contact_place": "Zwolle", "region_id": "zwolle", "contact_stopped": None}
    rows += tracker.form_asks(sender, "contact_name", ts + 2, extra_slots=extra)
    rows += [tracker.slot_event(sender, "contact_changing", None, ts + 2.5)]
    rows += tracker.form_answer(sender, "contact_name", NAME, ts + 3)
    tracker.insert(rows)
    ingest.run_once(tracker.source)
    conversation = Conversation.objects.get(sender_id=sender)
    assert marks(conversation) == [("Zwolle", "contact_place"), (NAME, "contact_name")]
    assert conversation.region == "zwolle"


def test_marking_survives_ingest_batches_and_restarts(tracker, db):
    """The question in one poll, the answer in the next (a fresh process); and every event in
    its own batch."""
    sender, ts = uuid.uuid4().hex, time.time()
    tracker.insert([tracker.user_event(sender, "ik wil contact", "human_handoff", 0.9, ts)])
    tracker.insert(tracker.form_asks(sender, "contact_name", ts + 1))
    ingest.run_once(tracker.source)
    tracker.insert(tracker.form_answer(sender, "contact_name", NAME, ts + 2))
    ingest.run_once(tracker.source)  # a fresh poller: the state comes from the stored turns
    tracker.insert(tracker.form_asks(sender, "contact_company", ts + 3))
    poller = ingest.Ingest(tracker.source, batch_size=1)  # one event per batch
    poller.run_once()
    tracker.insert(tracker.form_answer(sender, "contact_company", COMPANY, ts + 4) + tracker.form_ends(sender, ts + 5))
    poller.run_once()
    tracker.insert([tracker.user_event(sender, "Wat is STO?", "what_is_sto", 0.97, ts + 6)])
    poller.run_once()
    conversation = Conversation.objects.get(sender_id=sender)
    assert marks(conversation) == [
        ("ik wil contact", ""),
        (NAME, "contact_name"),
        (COMPANY, "contact_company"),
        ("Wat is STO?", ""),
    ]


def test_a_late_requested_slot_marks_stored_messages_again(db):
    """A row with a lower id seen after higher ones (several Rasa processes on PostgreSQL)."""
    sender, ts = uuid.uuid4().hex, time.time()

    def row(event_id, type_name, data):
        return EventRow(event_id, sender, type_name, ts + event_id, None, json.dumps({"event": type_name, **data}))

    answer = row(20, "user", {"text": NAME, "parse_data": {"intent": {"name": "inform", "confidence": 0.4}}})
    later = row(40, "user", {"text": "Wat is STO?", "parse_data": {"intent": {"name": "what_is_sto"}}})
    ingest.store_batch([answer, later])
    inbox.catch_up()
    assert InboxMessage.objects.filter(turn__text=NAME).exists()  # not known to be an answer yet
    asked = row(10, "slot", {"name": "requested_slot", "value": "contact_name"})
    ended = row(30, "slot", {"name": "requested_slot", "value": None})
    ingest.store_batch([asked, ended])
    conversation = Conversation.objects.get(sender_id=sender)
    assert marks(conversation) == [(NAME, "contact_name"), ("Wat is STO?", "")]
    assert not InboxMessage.objects.filter(turn__text=NAME).exists()  # taken out of the inbox again
    assert InboxMessage.objects.filter(turn__text="Wat is STO?").exists()


def test_a_new_session_ends_the_form(tracker, db):
    """Rasa copies `requested_slot` into a new session (carry_over_slots_to_new_session) without
    the form: the next messages are no answers."""
    sender, ts = uuid.uuid4().hex, time.time()
    rows = [tracker.event(sender, "session_started", {}, ts)]
    rows += [tracker.user_event(sender, "ik wil contact", "human_handoff", 0.9, ts + 1)]
    rows += tracker.form_asks(sender, "contact_phone", ts + 2)  # and the user walks away
    tracker.insert(rows)
    ingest.run_once(tracker.source)
    later = ts + 4000
    tracker.insert(
        [
            tracker.action_event(sender, "action_session_start", later),
            tracker.event(sender, "session_started", {}, later),
            tracker.slot_event(sender, "region_id", "zwolle", later + 0.01),
            tracker.slot_event(sender, "requested_slot", "contact_phone", later + 0.02),  # carried over
            tracker.action_event(sender, "action_listen", later + 0.03),
            tracker.user_event(sender, "Wat is STO?", "what_is_sto", 0.97, later + 1),
        ]
    )
    ingest.run_once(tracker.source)
    conversation = Conversation.objects.get(sender_id=sender)
    assert marks(conversation) == [("ik wil contact", ""), ("Wat is STO?", "")]
    assert conversation.turns.filter(kind=TurnKind.FORM).count() == 1  # the copy is not stored
    ingest.run_once(tracker.source)  # a fresh process re-reads the window: the same decision
    assert conversation.turns.filter(kind=TurnKind.FORM).count() == 1


def test_stopped_form_answers_appear_nowhere(reviewer_client, tracker, db):
    conversation = stopped_form(tracker)
    url = f"/gesprekken/{conversation.pk}/"
    body = reviewer_client.get(url).content.decode()
    assert NAME not in body and COMPANY not in body
    assert NAME_LABEL in body and COMPANY_LABEL in body
    assert "Wat is STO?" in body and "Kan iemand mij terugbellen?" in body  # the rest as before
    assert "Onthullen" not in body  # reviewers cannot reveal
    assert body.count("niet te beoordelen en nooit in de trainingsdata") == 3  # name, company, stop

    # NLU inbox: never added
    response = reviewer_client.get("/inbox/")
    body = response.content.decode()
    assert NAME not in body and COMPANY not in body and NAME_LABEL not in body
    in_inbox = set(InboxMessage.objects.values_list("turn__text", flat=True))
    assert in_inbox == {"Kan iemand mij terugbellen?", "ja", "Wat is STO?"}

    # annotating one is refused
    name_turn = conversation.turns.get(text=NAME)
    response = reviewer_client.post(
        f"/berichten/{name_turn.pk}/beoordelen/", {"kind": "intent", "intent": "greet"}, follow=True
    )
    assert "wordt niet beoordeeld" in response.content.decode() and not Annotation.objects.exists()

    # the training data: an annotation made before (older data) is left out, without the text
    Annotation.objects.create(turn=name_turn, intent="greet")
    Annotation.objects.create(turn=conversation.turns.get(text=COMPANY), kind="buiten_bereik")
    export = build_export()
    assert not export.examples and not export.for_team
    assert [(item.text, item.reason) for item in export.left_out] == [
        (NAME_LABEL, FORM_ANSWER_REASON),
        (COMPANY_LABEL, FORM_ANSWER_REASON),
    ]
    assert NAME not in export.yaml() and COMPANY not in export.yaml()
    page = reviewer_client.get("/trainingsdata/").content.decode()
    assert NAME not in page and COMPANY not in page and NAME_LABEL in page
    download = reviewer_client.post("/trainingsdata/downloaden/").content.decode()
    assert NAME not in download and "nlu: []" in download

    # saved as a test: the form's answers are left out and said to be
    response = reviewer_client.post(f"/gesprekken/{conversation.pk}/als-test/", {"predicted": "1"})
    text = response.content.decode()
    assert response.status_code == 200 and NAME not in text and COMPANY not in text
    assert "3 answer(s) to the contact form left out" in text
    [test] = yaml.safe_load(text)["conversations"]
    assert [t["user"] for t in test["turns"]] == ["Kan iemand mij terugbellen?", "ja", "Wat is STO?"]

    # the dashboard's examples (the answers' confidence is below the threshold)
    body = reviewer_client.get("/dashboard/").content.decode()
    assert NAME not in body and COMPANY not in body and NAME_LABEL not in body

    # exports: the placeholder instead of the text
    for fmt in ("csv", "jsonl"):
        text = _download(reviewer_client.get("/export/", {"soort": "berichten", "formaat": fmt}))
        assert NAME not in text and COMPANY not in text, fmt
        assert NAME_LABEL in text and COMPANY_LABEL in text and "Wat is STO?" in text, fmt

    # search still finds the conversation (as it does by phone number); the page shows no answer
    response = reviewer_client.get("/", {"q": "Grondverzet"})
    assert response.context["page"].paginator.count == 1
    assert COMPANY not in response.content.decode()


def test_first_message_that_answers_the_form_is_a_placeholder(reviewer_client, tracker, db):
    """The list's snippet and the conversations export (a form started by a button)."""
    sender, ts = uuid.uuid4().hex, time.time()
    rows = tracker.form_asks(sender, "contact_name", ts) + tracker.form_answer(sender, "contact_name", NAME, ts + 1)
    tracker.insert(rows)
    ingest.run_once(tracker.source)
    body = reviewer_client.get("/").content.decode()
    assert NAME not in body and NAME_LABEL in body
    text = _download(reviewer_client.get("/export/", {"soort": "gesprekken", "formaat": "csv"}))
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["eerste_bericht"] == NAME_LABEL


def test_beheerder_reveals_a_form_answer_once_and_it_is_audited(beheerder_client, tracker, db):
    conversation = stopped_form(tracker)
    turn = conversation.turns.get(text=NAME)
    url = f"/gesprekken/{conversation.pk}/"
    body = beheerder_client.get(url).content.decode()
    assert NAME not in body and f'action="/berichten/{turn.pk}/onthullen/"' in body
    response = beheerder_client.post(f"/berichten/{turn.pk}/onthullen/")
    assert response.status_code == 302
    body = beheerder_client.get(url).content.decode()
    assert f'<p class="text revealed">{NAME}</p>' in body
    assert COMPANY not in body  # only the message asked for
    assert NAME not in beheerder_client.get(url).content.decode()  # once
    (entry,) = AuditEntry.objects.filter(action="reveal")
    assert entry.username == "bert" and entry.target == f"gesprek {conversation.pk}"
    assert entry.detail == f"bericht {turn.pk} (antwoord contactformulier: naam)"
    assert NAME not in entry.detail


def test_consent_answer_is_shown_but_never_taught(reviewer_client, tracker, db):
    """Decided: a yes or no to the consent question is no personal data; shown (masked as any
    message), kept out of the inbox and the test like every form answer."""
    conversation = stopped_form(
        tracker,
        answers=[("contact_name", NAME), ("contact_email", "henk@bosman.nl")],
        stop=("contact_consent", "nee", "deny"),
        after=None,
    )
    assert marks(conversation)[-3:] == [
        (NAME, "contact_name"),
        ("henk@bosman.nl", "contact_email"),
        ("nee", "contact_consent"),
    ]
    body = reviewer_client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    assert '<p class="text">nee</p>' in body
    assert NAME not in body and "henk@bosman.nl" not in body
    assert "[antwoord contactformulier: e-mailadres]" in body
    inbox.catch_up()
    assert not InboxMessage.objects.filter(turn__text="nee").exists()
    text = _download(reviewer_client.get("/export/", {"soort": "berichten", "formaat": "jsonl"}))
    assert [json.loads(line)["tekst"] for line in text.splitlines()].count("nee") == 1


def test_turns_stored_before_the_marking_stay_unmarked(tracker, db):
    """Only newly ingested events are marked (the field defaults to empty; no data migration)."""
    conversation = stopped_form(tracker)
    Turn.objects.filter(conversation=conversation).update(form_answer="")
    ingest.run_once(tracker.source)  # re-reading the window changes nothing already stored
    assert {slot for _, slot in marks(conversation)} == {""}
