"""Privacy over HTTP and on the database: masked pages, revealing, the audit log, erasure
requests, retention and masked exports. Runs on SQLite and again on PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.http import StreamingHttpResponse
from django.utils import timezone

from accounts.models import Role, User
from conversations import ingest
from conversations.erase import erase_sender
from conversations.models import Conversation, IngestState, Turn, TurnKind
from privacy import audit, retention
from privacy.models import AuditEntry, AuditLogIsAppendOnly
from review.models import Annotation, ConversationTag, MessageFlag, Tag
from tests.conftest import PASSWORD

DAY = 86400
PHONE_TEXT = "Bel mij op +31 6 12345678 of mail jan.devries@example.nl, wij zitten in Heerenveen"


def hold(tracker, text: str, days_ago: float = 0, **kwargs) -> Conversation:
    sender = tracker.conversation(text=text, ts=time.time() - days_ago * DAY, **kwargs)
    ingest.run_once(tracker.source)
    return Conversation.objects.get(sender_id=sender)


def actions(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action))


# --- masking on the pages ----------------------------------------------------------------------


def test_transcript_list_and_dashboard_show_personal_data_masked(reviewer_client, tracker, db):
    conversation = hold(tracker, PHONE_TEXT, intent="nlu_fallback", confidence=0.2)
    for path in [f"/gesprekken/{conversation.pk}/", "/", "/dashboard/"]:
        body = reviewer_client.get(path).content.decode()
        assert "12345678" not in body and "jan.devries@example.nl" not in body, path
        assert "[telefoonnummer]" in body and "[e-mail]" in body, path
        assert "Heerenveen" in body, path  # town names stay visible
    # no reveal button for a reviewer, and the view is in the audit log
    assert "Onthullen" not in reviewer_client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    assert [e.target for e in actions("view")] == [f"gesprek {conversation.pk}"] * 2


def test_search_finds_by_phone_and_email_but_shows_them_masked(reviewer_client, tracker, db):
    wanted = hold(tracker, PHONE_TEXT)
    hold(tracker, "Bel mij op 06-87654321")
    for query in ["+31 6 12345678", "jan.devries@example.nl"]:
        response = reviewer_client.get("/", {"q": query})
        body = response.content.decode()
        assert response.context["page"].paginator.count == 1, query
        assert f"/gesprekken/{wanted.pk}/" in body
        # the query is echoed (search field, export links); the message itself is masked
        assert "op +31 6 12345678" not in body and "mail jan.devries@example.nl" not in body
        assert "Bel mij op [telefoonnummer] of mail [e-mail]" in body


def test_beheerder_reveals_one_message_once_reviewer_cannot(client, tracker, db):
    conversation = hold(tracker, PHONE_TEXT)
    turn = conversation.turns.get(kind=TurnKind.USER)
    reviewer = User.objects.create_user("rita", password=PASSWORD, role=Role.REVIEWER)
    beheerder = User.objects.create_user("bert", password=PASSWORD, role=Role.BEHEERDER)
    client.force_login(reviewer)
    assert client.post(f"/berichten/{turn.pk}/onthullen/").status_code == 403
    assert not actions("reveal")
    client.force_login(beheerder)
    assert client.get(f"/berichten/{turn.pk}/onthullen/").status_code == 405  # POST only
    body = client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    assert "+31 6 12345678" not in body and f'action="/berichten/{turn.pk}/onthullen/"' in body
    response = client.post(f"/berichten/{turn.pk}/onthullen/")
    assert response.status_code == 302 and response["Location"] == f"/gesprekken/{conversation.pk}/#turn-{turn.pk}"
    assert "+31 6 12345678" in client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    assert "+31 6 12345678" not in client.get(f"/gesprekken/{conversation.pk}/").content.decode()  # once
    (entry,) = actions("reveal")
    assert entry.username == "bert" and entry.target == f"gesprek {conversation.pk}"
    assert entry.detail == f"bericht {turn.pk}" and entry.address == "127.0.0.1"


# --- audit log ---------------------------------------------------------------------------------


def test_audit_entries_cannot_be_changed_or_deleted(db, beheerder):
    audit.record(beheerder, "export", target="gesprekken.csv", detail="regio=twente")
    entry = AuditEntry.objects.get()
    entry.detail = "niets"
    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(detail="niets")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get().detail == "regio=twente"


def test_audit_log_page_for_beheerders_only_with_filters(client, db, reviewer, beheerder):
    audit.record(beheerder, "export", target="gesprekken.csv")
    audit.record(reviewer, "view", target="gesprek 7")
    client.force_login(reviewer)
    assert client.get("/beheer/auditlog/").status_code == 403
    client.force_login(beheerder)
    body = client.get("/beheer/auditlog/").content.decode()
    assert "gesprekken.csv" in body and "gesprek 7" in body
    only_views = client.get("/beheer/auditlog/", {"actie": "view"}).content.decode()
    assert "gesprek 7" in only_views and "gesprekken.csv" not in only_views
    only_bert = client.get("/beheer/auditlog/", {"gebruiker": "bert"}).content.decode()
    assert "gesprekken.csv" in only_bert and "gesprek 7" not in only_bert
    for i in range(60):
        audit.record(beheerder, "view", target=f"gesprek {1000 + i}")
    assert client.get("/beheer/auditlog/").context["page"].paginator.num_pages == 2
    # nothing in the console changes or removes entries
    assert client.post("/beheer/auditlog/").status_code == 405


def test_account_changes_are_audited(beheerder_client, beheerder, monkeypatch):
    beheerder_client.post(
        "/beheer/accounts/",
        {"username": "nieuw", "first_name": "N", "role": "reviewer", "password": "een-ander-wachtwoord-77"},
    )
    account = User.objects.get(username="nieuw")
    beheerder_client.post(f"/beheer/accounts/{account.pk}/", {"role": "beheerder", "is_active": "on"})
    monkeypatch.setenv("CONSOLE_PASSWORD", "nog-een-wachtwoord-88")
    call_command("console_user", "carla", "reviewer")
    entries = [(e.username, e.target, e.detail) for e in reversed(actions("account"))]
    assert entries == [
        ("bert", "nieuw", "aangemaakt, rol reviewer"),
        ("bert", "nieuw", "gewijzigd: rol beheerder, actief"),
        ("manage.py console_user", "carla", "aangemaakt, rol reviewer, actief"),
    ]


# --- erasure requests --------------------------------------------------------------------------


def test_erasure_finds_a_person_by_phone_in_any_notation_email_or_id(beheerder_client, tracker, db):
    mine = hold(tracker, "Mijn nummer is +31612345678, bel gerust")
    also_mine = hold(tracker, "bel 06 1234 5678 aub")
    other = hold(tracker, "Mijn nummer is 06-12345679")
    by_mail = hold(tracker, "mail naar P.Jansen@Example.nl")
    hold(tracker, "Wij hebben 612345678 euro omzet")  # the digits, but not a phone number

    def found(query):
        response = beheerder_client.post("/beheer/verwijderverzoeken/", {"zoek": query})
        assert response.status_code == 200
        return {c.pk for c in response.context["lookup"].conversations}

    assert found("06-12345678") == {mine.pk, also_mine.pk}
    assert found("0031 6 1234 5678") == {mine.pk, also_mine.pk}
    assert found("06-12345679") == {other.pk}
    assert found("p.jansen@example.nl") == {by_mail.pk}
    assert found(other.sender_id) == {other.pk}
    assert found(str(by_mail.pk)) == {by_mail.pk}
    assert found("onzin") == set()
    body = beheerder_client.post("/beheer/verwijderverzoeken/", {"zoek": "06-12345678"}).content.decode()
    assert "[telefoonnummer]" in body
    # searching is audited without the number itself
    searches = actions("search")
    assert len(searches) == 8 and not any("1234" in e.detail for e in searches)


def test_erasure_deletes_everything_and_is_audited(beheerder_client, beheerder, tracker, db):
    conversation = hold(tracker, PHONE_TEXT)
    keep = hold(tracker, "Wat is STO?")
    turn = conversation.turns.get(kind=TurnKind.USER)
    MessageFlag.objects.create(turn=turn, note="x", added_by=beheerder)
    ConversationTag.objects.create(conversation=conversation, tag=Tag.objects.create(name="t"), added_by=beheerder)
    Annotation.objects.create(turn=turn, intent="what_is_sto", created_by=beheerder)
    response = beheerder_client.post(f"/beheer/verwijderverzoeken/{conversation.pk}/verwijderen/")
    assert response.status_code == 302 and response["Location"] == "/beheer/verwijderverzoeken/"
    assert tracker.count(conversation.sender_id) == 0 and tracker.count(keep.sender_id) > 0
    assert not Conversation.objects.filter(pk=conversation.pk).exists()
    assert not Turn.objects.filter(conversation_id=conversation.pk).exists()
    assert not (MessageFlag.objects.exists() or ConversationTag.objects.exists() or Annotation.objects.exists())
    (entry,) = actions("delete")
    assert entry.target == f"gesprek {conversation.pk}" and "verwijderverzoek" in entry.detail
    # a poll from the start does not bring it back
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(tracker.source)
    assert not Conversation.objects.filter(sender_id=conversation.sender_id).exists()


def test_reviewer_cannot_search_or_erase(reviewer_client, tracker, db):
    conversation = hold(tracker, PHONE_TEXT)
    assert reviewer_client.get("/beheer/verwijderverzoeken/").status_code == 403
    assert reviewer_client.post("/beheer/verwijderverzoeken/", {"zoek": "+31612345678"}).status_code == 403
    assert reviewer_client.post(f"/beheer/verwijderverzoeken/{conversation.pk}/verwijderen/").status_code == 403
    assert Conversation.objects.filter(pk=conversation.pk).exists() and tracker.count(conversation.sender_id) > 0


# --- retention ---------------------------------------------------------------------------------


def test_retention_erases_by_last_activity_in_both_stores(tracker, db, settings, beheerder):
    settings.RETENTION_DAYS = 90
    old = hold(tracker, PHONE_TEXT, days_ago=120)
    MessageFlag.objects.create(turn=old.turns.get(kind=TurnKind.USER), note="x")
    recent = hold(tracker, "Wat is STO?", days_ago=1)
    # started long ago, but active again 10 days ago: kept
    revived = hold(tracker, "Eerste vraag", days_ago=200)
    tracker.insert([tracker.user_event(revived.sender_id, "Nog een vraag", "greet", 0.9, time.time() - 10 * DAY)])
    ingest.run_once(tracker.source)
    # never ingested by the console, and a console conversation whose tracker rows are gone
    orphan = hold(tracker, "weg bij Rasa", days_ago=95)
    tracker.source.delete_sender(orphan.sender_id)
    not_ingested = tracker.conversation(text="oud", ts=time.time() - 100 * DAY)
    old_entry = AuditEntry.objects.create(username="x", action="view", at=timezone.now() - timedelta(days=731))
    audit.record(beheerder, "view", target="gesprek 1")

    dry = retention.run(tracker.source, dry_run=True)
    assert (dry.conversations, dry.audit_entries) == (3, 1)
    assert dry.events == tracker.count(old.sender_id) + tracker.count(not_ingested)
    assert Conversation.objects.count() == 4 and AuditEntry.objects.count() == 2

    result = retention.run(tracker.source)
    assert (result.conversations, result.audit_entries) == (3, 1)
    for sender in (old.sender_id, not_ingested, orphan.sender_id):
        assert tracker.count(sender) == 0
    assert set(Conversation.objects.values_list("pk", flat=True)) == {recent.pk, revived.pk}
    assert not MessageFlag.objects.exists()
    assert not AuditEntry.objects.filter(pk=old_entry.pk).exists()
    (entry,) = actions("retention")
    assert entry.detail.startswith("3 gesprekken")
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(tracker.source)
    assert Conversation.objects.count() == 2


def test_retention_keeps_a_sender_who_wrote_again(tracker, db):
    """Found as idle, but a new message arrives before the erasure: the conditional delete keeps it."""
    conversation = hold(tracker, "oude vraag", days_ago=100)
    cutoff = time.time() - 90 * DAY
    tracker.insert([tracker.user_event(conversation.sender_id, "nieuwe vraag", "greet", 0.9)])
    removed, gone = erase_sender(conversation.sender_id, tracker.source, by="test", idle_before=cutoff)
    assert (removed, gone) == (0, False)
    assert tracker.count(conversation.sender_id) == 4 and Conversation.objects.filter(pk=conversation.pk).exists()


def test_retention_command_dry_run_prints_counts(tracker, db, settings, capsys):
    hold(tracker, "oud", days_ago=100)
    call_command("retention", "--dry-run")
    assert "would delete: 1 conversations, 3 tracker events" in capsys.readouterr().out
    assert Conversation.objects.count() == 1
    call_command("retention")
    assert "deleted: 1 conversations, 3 tracker events" in capsys.readouterr().out
    assert Conversation.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_retention_thread_runs_at_start(tracker):
    hold(tracker, "oud", days_ago=100)
    thread = retention.RetentionThread(tracker.source, interval=3600)
    thread.start()
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not AuditEntry.objects.filter(action="retention").exists():
        time.sleep(0.2)
    thread.stop()
    thread.join(10)
    assert AuditEntry.objects.filter(action="retention").exists()
    assert Conversation.objects.count() == 0


# --- exports -----------------------------------------------------------------------------------


def _download(response) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def test_exports_follow_the_filter_are_masked_and_audited(reviewer_client, tracker, db):
    wanted = hold(tracker, PHONE_TEXT, region="zuidfriesland")
    hold(tracker, "Wat is STO? Bel 020-1234567", region="twente")
    text = _download(
        reviewer_client.get("/export/", {"soort": "gesprekken", "formaat": "csv", "regio": "zuidfriesland"})
    )
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["id"] for r in rows] == [str(wanted.pk)]
    assert rows[0]["regio"] == "Zuid-Friesland" and "[telefoonnummer]" in rows[0]["eerste_bericht"]
    assert "Heerenveen" in rows[0]["eerste_bericht"]

    lines = _download(reviewer_client.get("/export/", {"soort": "berichten", "formaat": "jsonl"})).splitlines()
    messages = [json.loads(line) for line in lines]
    assert {m["van"] for m in messages} == {"gebruiker", "assistent"} and len(messages) == 4
    dumped = json.dumps(messages)
    assert "12345678" not in dumped and "1234567" not in dumped and "example.nl" not in dumped

    text = _download(reviewer_client.get("/export/", {"soort": "berichten", "formaat": "csv", "q": "STO"}))
    assert len(list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))) == 2
    assert reviewer_client.get("/export/", {"soort": "x"}).status_code == 400
    details = [(e.target, e.detail, e.username) for e in reversed(actions("export"))]
    assert details == [
        ("gesprekken.csv", "regio=zuidfriesland", "rita"),
        ("berichten.jsonl", "geen filter", "rita"),
        ("berichten.csv", "q=STO", "rita"),
    ]


def test_export_search_for_a_phone_number_is_not_in_the_audit_detail(reviewer_client, tracker, db):
    hold(tracker, PHONE_TEXT)
    _download(reviewer_client.get("/export/", {"soort": "gesprekken", "formaat": "jsonl", "q": "0612345678"}))
    (entry,) = actions("export")
    assert "0612345678" not in entry.detail and "telefoonnummer" in entry.detail


def test_export_streams_large_results_in_chunks(reviewer_client, tracker, db, django_assert_max_num_queries):
    rows = []
    for i in range(2500):
        rows.extend(
            [
                tracker.user_event(f"bulk-{i}", f"vraag {i}", "greet", 0.9, ts=time.time() - i),
                tracker.bot_event(f"bulk-{i}", "antwoord", "utter_greet", ts=time.time() - i + 0.1),
            ]
        )
    tracker.insert(rows)
    ingest.run_once(tracker.source)
    response = reviewer_client.get("/export/", {"soort": "gesprekken", "formaat": "csv"})
    # rows are produced while the response is read, a fixed number of queries per 2,000 rows
    with django_assert_max_num_queries(8):
        text = _download(response)
    assert text.count("\n") == 2501


def test_every_privacy_route_needs_a_session(client, db):
    for path in ["/beheer/auditlog/", "/beheer/verwijderverzoeken/", "/export/?soort=gesprekken"]:
        response = client.get(path)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.post("/berichten/1/onthullen/").status_code == 302
