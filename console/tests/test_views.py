"""Pages over HTTP (Django's test client): access control, security headers, review actions."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client
from django.urls import reverse

from accounts.models import LoginAttempt, Role, User
from conversations.models import Conversation, ReviewStatus, Turn, TurnKind
from review.models import ConversationTag, MessageFlag
from tests.conftest import PASSWORD

PROTECTED = [
    "/",
    "/dashboard/",
    "/beheer/accounts/",
    "/gesprekken/1/",
    "/gesprekken/1/verwijderen/",
    "/?q=sto",
    "/beheer/accounts/1/",
]


@pytest.mark.parametrize("path", PROTECTED)
def test_nothing_but_login_without_a_session(client, db, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", ["/gesprekken/1/labels/", "/gesprekken/1/status/", "/berichten/1/markeren/"])
def test_no_posting_without_a_session(client, db, path):
    response = client.post(path, {"tag": "x", "status": "later", "note": "x"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_login_page_is_public_with_strict_headers(client, db):
    response = client.get("/login/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert "no-store" in response["Cache-Control"]
    assert b"<script>" not in response.content and b"style=" not in response.content


def test_conversation_pages_are_not_cached(reviewer_client, recorded):
    pk = Conversation.objects.first().pk
    for path in ["/", f"/gesprekken/{pk}/", "/dashboard/"]:
        response = reviewer_client.get(path)
        assert response.status_code == 200
        assert response["Cache-Control"].startswith("no-store")
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
        assert b"<script>" not in response.content and b" style=" not in response.content


def test_login_with_password_then_logout(client, reviewer):
    response = client.post("/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(reverse("logout")).status_code == 405  # logging out needs a POST (CSRF)
    client.post(reverse("logout"))
    assert client.get("/").status_code == 302


def test_passwords_are_stored_with_argon2(reviewer):
    assert reviewer.password.startswith("argon2")


def test_login_locks_after_repeated_failures(client, reviewer, settings):
    settings.LOGIN_MAX_FAILURES = 3
    for _ in range(3):
        response = client.post("/login/", {"username": "rita", "password": "fout"})
        assert response.status_code == 200 and "Onjuiste gebruikersnaam" in response.content.decode()
    response = client.post("/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 200
    assert "Te veel mislukte inlogpogingen" in response.content.decode()
    assert client.get("/").status_code == 302
    # once the window has passed, the right password works again
    LoginAttempt.objects.update(at="2000-01-01T00:00:00Z")
    response = client.post("/login/", {"username": "rita", "password": PASSWORD})
    assert response.status_code == 302


def test_sessions_expire(settings):
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE and settings.SESSION_SAVE_EVERY_REQUEST


def test_csrf_is_enforced(reviewer, recorded):
    client = Client(enforce_csrf_checks=True)
    client.force_login(reviewer)
    pk = Conversation.objects.first().pk
    response = client.post(f"/gesprekken/{pk}/status/", {"status": "later"})
    assert response.status_code == 403
    assert Conversation.objects.get(pk=pk).review_status == ReviewStatus.NEW


@pytest.mark.parametrize("path", ["/beheer/accounts/", "/gesprekken/{pk}/verwijderen/"])
def test_reviewer_cannot_reach_beheerder_pages(reviewer_client, recorded, path):
    pk = Conversation.objects.first().pk
    assert reviewer_client.get(path.format(pk=pk)).status_code == 403
    assert reviewer_client.post(path.format(pk=pk), {"username": "x"}).status_code == 403
    assert Conversation.objects.filter(pk=pk).exists()


def test_list_shows_conversations_and_marks(reviewer_client, recorded):
    body = reviewer_client.get("/").content.decode()
    assert "10 gesprekken" in body
    assert "Fallback" in body and "Persoon gevraagd" in body and "Lage zekerheid" in body
    assert "Zuid-Limburg" in body  # region name from knowledge/regions.yml
    filtered = reviewer_client.get("/?signaal=fallback").content.decode()
    assert "4 gesprekken gevonden" in filtered


def test_transcript_shows_nlu_details(reviewer_client, recorded):
    conversation = Conversation.objects.get(sender_id__startswith="a9079da3")
    body = reviewer_client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    first_user = conversation.turns.filter(kind=TurnKind.USER).order_by("source_id").first()
    assert first_user.text in body
    assert "Alternatieven" in body and "Niet begrepen" in body
    assert "utter_" in body and "Slot <code>region_id</code>" in body
    assert "Midden-Brabant" in body or "middenbrabant" in body


def test_tag_flag_and_status(reviewer_client, reviewer, recorded):
    conversation = Conversation.objects.first()
    pk = conversation.pk
    reviewer_client.post(f"/gesprekken/{pk}/labels/", {"tag": "  NLU-probleem "})
    reviewer_client.post(f"/gesprekken/{pk}/labels/", {"tag": "nlu-probleem"})  # same tag
    assert list(conversation.tag_links.values_list("tag__name", flat=True)) == ["NLU-probleem"]
    turn = conversation.turns.filter(kind=TurnKind.USER).first()
    reviewer_client.post(f"/berichten/{turn.pk}/markeren/", {"note": "Verkeerde intent"})
    flag = MessageFlag.objects.get(turn=turn)
    assert flag.note == "Verkeerde intent" and flag.added_by == reviewer
    reviewer_client.post(f"/gesprekken/{pk}/status/", {"status": "bekeken"})
    reviewer_client.post(f"/gesprekken/{pk}/status/", {"status": "hacked"})
    assert Conversation.objects.get(pk=pk).review_status == ReviewStatus.SEEN
    body = reviewer_client.get(f"/gesprekken/{pk}/").content.decode()
    assert "Verkeerde intent" in body and "NLU-probleem" in body
    tag_id = ConversationTag.objects.get().tag_id
    reviewer_client.post(f"/gesprekken/{pk}/labels/{tag_id}/verwijderen/")
    reviewer_client.post(f"/markeringen/{flag.pk}/verwijderen/")
    assert not ConversationTag.objects.exists() and not MessageFlag.objects.exists()


def test_user_text_is_escaped(reviewer_client, tracker, db):
    from conversations import ingest

    sender = tracker.conversation(text="<script>alert(1)</script>", intent="nonsense")
    ingest.run_once(tracker.source)
    pk = Conversation.objects.get(sender_id=sender).pk
    body = reviewer_client.get(f"/gesprekken/{pk}/").content.decode()
    assert "<script>alert(1)" not in body and "&lt;script&gt;alert(1)" in body


def test_beheerder_deletes_conversation_everywhere(beheerder_client, recorded):
    conversation = Conversation.objects.first()
    sender = conversation.sender_id
    assert beheerder_client.get(f"/gesprekken/{conversation.pk}/verwijderen/").status_code == 200
    response = beheerder_client.post(f"/gesprekken/{conversation.pk}/verwijderen/")
    assert response.status_code == 302
    assert not Conversation.objects.filter(sender_id=sender).exists()
    assert not Turn.objects.filter(conversation_id=conversation.pk).exists()
    assert recorded.count(sender) == 0
    assert recorded.count() > 0  # the others stay


def test_beheerder_manages_accounts(beheerder_client, beheerder):
    response = beheerder_client.post(
        "/beheer/accounts/", {"username": "anna", "first_name": "Anna", "role": "reviewer", "password": "kort"}
    )
    assert response.status_code == 200 and not User.objects.filter(username="anna").exists()
    beheerder_client.post(
        "/beheer/accounts/", {"username": "anna", "first_name": "Anna", "role": "reviewer", "password": PASSWORD + "x"}
    )
    anna = User.objects.get(username="anna")
    assert anna.role == Role.REVIEWER and anna.check_password(PASSWORD + "x")
    beheerder_client.post(f"/beheer/accounts/{anna.pk}/", {"role": "beheerder", "is_active": "on"})
    assert User.objects.get(pk=anna.pk).role == Role.BEHEERDER
    # a beheerder cannot lock themselves out
    beheerder_client.post(f"/beheer/accounts/{beheerder.pk}/", {"role": "reviewer"})
    assert User.objects.get(pk=beheerder.pk).role == Role.BEHEERDER


def test_console_user_command(db, monkeypatch):
    monkeypatch.setenv("CONSOLE_PASSWORD", PASSWORD)
    call_command("console_user", "anna", "reviewer")
    call_command("console_user", "bert", "beheerder")
    assert User.objects.get(username="anna").role == Role.REVIEWER
    assert User.objects.get(username="bert").check_password(PASSWORD)
    monkeypatch.setenv("CONSOLE_PASSWORD", "12345")
    with pytest.raises(CommandError):
        call_command("console_user", "carl", "reviewer")
    with pytest.raises(CommandError):
        call_command("console_user", "carl", "admin")


def test_dashboard_numbers(reviewer_client, recorded):
    response = reviewer_client.get("/dashboard/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<span class="kpi-value" id="kpi-conversations">10</span>' in body
    assert '<span class="kpi-value" id="kpi-fallback">40,0%</span>' in body
    assert '<span class="kpi-value" id="kpi-human">2</span>' in body
    assert body.count("<svg") == 4
    assert "Recent niet begrepen" in body
