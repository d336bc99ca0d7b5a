"""Teaching the assistant: annotating messages, the NLU inbox, a conversation saved as a test."""

from __future__ import annotations

import shutil
import time
import uuid

import pytest
import yaml

from conversations import ingest
from conversations.erase import erase_conversation
from conversations.models import Conversation, Turn, TurnKind
from privacy.models import AuditEntry
from review import assistant_files
from review.models import Annotation, AnnotationKind, InboxMessage, InboxState
from tests.conftest import make_user

PROJECT = assistant_files.project_dir()


def domain_intents_from_files() -> set[str]:
    found = set()
    for path in (PROJECT / "domain").glob("*.yml"):
        found |= set((yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("intents") or [])
    return found


def say(tracker, *messages: tuple[str, str, float], sender: str | None = None) -> Conversation:
    """One conversation with these (text, predicted intent, confidence) user messages, ingested."""
    sender = sender or uuid.uuid4().hex
    ts = time.time()
    rows = []
    for i, (text, intent, confidence) in enumerate(messages):
        rows += [
            tracker.user_event(sender, text, intent, confidence, ts + i),
            tracker.action_event(sender, f"utter_{intent}", ts + i + 0.1),
            tracker.bot_event(sender, f"Antwoord op {intent}", f"utter_{intent}", ts + i + 0.2),
        ]
    tracker.insert(rows)
    ingest.run_once(tracker.source)
    return Conversation.objects.get(sender_id=sender)


def user_turn(conversation: Conversation, text: str) -> Turn:
    return conversation.turns.get(kind=TurnKind.USER, text=text)


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/inbox/"),
        ("get", "/trainingsdata/"),
        ("post", "/trainingsdata/downloaden/"),
        ("post", "/gesprekken/1/als-test/"),
        ("post", "/berichten/1/beoordelen/"),
        ("post", "/beoordelingen/1/verwijderen/"),
    ],
)
def test_nothing_without_a_session(client, db, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not AuditEntry.objects.exists()


def test_pages_have_the_consoles_headers(reviewer_client, tracker):
    say(tracker, ("onbekende vraag", "budget", 0.2))
    for path in ["/inbox/", "/trainingsdata/"]:
        response = reviewer_client.get(path)
        assert response.status_code == 200 and response["Cache-Control"].startswith("no-store")
        assert b"<script>" not in response.content and b" style=" not in response.content


# -- the intents come from the assistant's own domain ---------------------------------------
def test_intents_are_the_domains(db):
    intents = assistant_files.domain_intents()
    assert set(intents) == domain_intents_from_files()
    assert "find_region" in intents and "nlu_fallback" not in intents


def test_lists_follow_the_files_when_they_change(db, settings, tmp_path):
    for name in ("domain", "data"):
        shutil.copytree(PROJECT / name, tmp_path / name)
    settings.ASSISTANT_DIR = tmp_path
    assert "ask_opening_hours" not in assistant_files.domain_intents()
    (tmp_path / "domain" / "extra.yml").write_text('version: "3.1"\nintents:\n- ask_opening_hours\n')
    assert "ask_opening_hours" in assistant_files.domain_intents()
    nlu = tmp_path / "data" / "nlu" / "reviewed"
    nlu.mkdir()
    (nlu / "reviewed.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: find_region\n  examples: |\n    - ik zit in [Zwolle](place) hoor\n'
    )
    assert assistant_files.training_sentences()["ik zit in zwolle hoor"] == "find_region"


def test_normalisation_and_entity_stripping(db):
    assert assistant_files.normalize("  Hoe HOOG is de\tcofinanciering?! ") == "hoe hoog is de cofinanciering"
    assert assistant_files.strip_entities('We zitten in [Den Haag](place) en [Delft]{"entity": "place"}') == (
        "We zitten in Den Haag en Delft"
    )


def test_training_and_test_sentences_of_every_set(db):
    nlu = yaml.safe_load((PROJECT / "data/nlu/cofinancing.yml").read_text(encoding="utf-8"))["nlu"][0]
    sentence = nlu["examples"].splitlines()[0][2:]
    assert assistant_files.training_sentences()[assistant_files.normalize(sentence)] == nlu["intent"]
    lookup = yaml.safe_load((PROJECT / "data/nlu/place_lookup.yml").read_text(encoding="utf-8"))["nlu"][0]
    assert "lookup" in lookup  # a lookup table's names are not training sentences
    assert assistant_files.normalize(lookup["examples"].splitlines()[0][2:]) not in assistant_files.training_sentences()
    tested = assistant_files.test_sentences()

    def source(text: str) -> str:
        return tested[assistant_files.normalize(assistant_files.strip_entities(text))]

    heldout = yaml.safe_load((PROJECT / "tests/nlu_heldout/sto.yml").read_text(encoding="utf-8"))["nlu"][0]
    assert source(heldout["examples"].splitlines()[0][2:]).startswith("tests/")
    singles = yaml.safe_load((PROJECT / "tests/independent/single_turns.yml").read_text(encoding="utf-8"))["items"]
    conversations = yaml.safe_load((PROJECT / "tests/independent/conversations.yml").read_text(encoding="utf-8"))
    stories = yaml.safe_load((PROJECT / "tests/stories/region.yml").read_text(encoding="utf-8"))["stories"]
    for text in [
        singles[-1]["text"],
        conversations["conversations"][-1]["turns"][-1]["user"],
        next(step["user"] for step in stories[-1]["steps"] if "user" in step),
    ]:
        assert source(text).startswith("tests/"), text


# -- annotating ------------------------------------------------------------------------------
def test_annotate_intent_and_place(reviewer_client, reviewer, tracker):
    conversation = say(tracker, ("Welke regio hoort bij Utrecht?", "find_region", 0.71))
    turn = user_turn(conversation, "Welke regio hoort bij Utrecht?")
    response = reviewer_client.post(
        f"/berichten/{turn.pk}/beoordelen/", {"kind": "intent", "intent": "find_region", "place": "utrecht"}
    )
    assert response.status_code == 302 and response["Location"].endswith(
        f"/gesprekken/{conversation.pk}/#turn-{turn.pk}"
    )
    annotation = Annotation.objects.get(turn=turn)
    assert (annotation.kind, annotation.intent, annotation.place) == ("intent", "find_region", "Utrecht")
    assert annotation.created_by == reviewer and annotation.updated_by == reviewer and annotation.confirmed
    entry = AuditEntry.objects.get(action="annotate")
    assert entry.user == reviewer and entry.target == f"turn:{turn.pk}"
    assert "Utrecht" not in entry.detail  # ids and choices, never the message
    body = reviewer_client.get(f"/gesprekken/{conversation.pk}/").content.decode()
    assert "Beoordeeld" in body and "plaats “Utrecht”" in body and "Beoordeling wijzigen" in body


def test_another_reviewer_changes_it_and_who_is_kept(client, reviewer_client, reviewer, tracker):
    conversation = say(tracker, ("Dat was alles", "out_of_scope", 0.51))
    turn = user_turn(conversation, "Dat was alles")
    reviewer_client.post(f"/berichten/{turn.pk}/beoordelen/", {"kind": "intent", "intent": "goodbye"})
    other = make_user("otto", "reviewer")
    client.force_login(other)
    client.post(
        f"/berichten/{turn.pk}/beoordelen/", {"kind": "buiten_bereik", "intent": "goodbye", "note": "afscheid?"}
    )
    annotation = Annotation.objects.get(turn=turn)
    assert annotation.kind == AnnotationKind.OUT_OF_SCOPE and annotation.intent == "" and annotation.note == "afscheid?"
    assert annotation.created_by == reviewer and annotation.updated_by == other
    assert AuditEntry.objects.filter(action="annotate").count() == 2
    client.post(f"/beoordelingen/{annotation.pk}/verwijderen/")
    assert not Annotation.objects.exists()
    assert AuditEntry.objects.filter(action="annotate").count() == 3


@pytest.mark.parametrize(
    "form, error",
    [
        ({"kind": "intent", "intent": "nlu_fallback"}, "Kies een intent uit de lijst"),
        ({"kind": "intent", "intent": "bestaat_niet"}, "Kies een intent uit de lijst"),
        ({"kind": "intent", "intent": "find_region", "place": "Zwolle"}, "komt niet voor in het bericht"),
        ({"kind": "intent", "intent": "find_region", "place": "Utrecht)"}, "haakjes"),
        ({"kind": "nieuw_onderwerp", "note": ""}, "Beschrijf bij een nieuw onderwerp"),
        ({"kind": "iets", "intent": "find_region"}, "Kies een geldige beoordeling"),
    ],
)
def test_invalid_annotations_are_refused(reviewer_client, tracker, form, error):
    conversation = say(tracker, ("Welke regio hoort bij Utrecht?", "find_region", 0.71))
    turn = user_turn(conversation, "Welke regio hoort bij Utrecht?")
    response = reviewer_client.post(f"/berichten/{turn.pk}/beoordelen/", form, follow=True)
    assert error in response.content.decode()
    assert not Annotation.objects.exists() and not AuditEntry.objects.filter(action="annotate").exists()


def test_only_user_messages_and_only_with_a_session(client, reviewer_client, tracker):
    conversation = say(tracker, ("Wat is STO?", "what_is_sto", 0.9))
    bot = conversation.turns.get(kind=TurnKind.BOT)
    assert reviewer_client.post(f"/berichten/{bot.pk}/beoordelen/", {"intent": "greet"}).status_code == 404
    user = user_turn(conversation, "Wat is STO?")
    client.logout()
    response = client.post(f"/berichten/{user.pk}/beoordelen/", {"kind": "intent", "intent": "greet"})
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert reviewer_client.get(f"/berichten/{user.pk}/beoordelen/").status_code in (302, 405)
    assert not Annotation.objects.exists()


def test_next_must_stay_on_the_console(reviewer_client, tracker):
    conversation = say(tracker, ("Wat is STO?", "what_is_sto", 0.9))
    turn = user_turn(conversation, "Wat is STO?")
    response = reviewer_client.post(
        f"/berichten/{turn.pk}/beoordelen/",
        {"kind": "intent", "intent": "what_is_sto", "next": "https://evil.example/"},
    )
    assert response["Location"].startswith(f"/gesprekken/{conversation.pk}/")
    response = reviewer_client.post(
        f"/berichten/{turn.pk}/beoordelen/", {"kind": "intent", "intent": "what_is_sto", "next": "/inbox/?pagina=2"}
    )
    assert response["Location"] == "/inbox/?pagina=2"


# -- the NLU inbox -----------------------------------------------------------------------------
def inbox_texts(client, query: str = "") -> list[str]:
    response = client.get("/inbox/" + query)
    assert response.status_code == 200
    return [e.turn.text for _, entries in response.context["groups"] for e in entries]


def test_inbox_leaves_out_trained_payloads_and_annotated(reviewer_client, tracker):
    conversation = say(
        tracker,
        ("HOE hoog is de   cofinanciering", "cofinancing_amount", 0.6),  # in data/nlu, normalised
        ("/find_region", "find_region", 1.0),  # a button
        ("hoeveel kofinanciering", "cofinancing_amount", 0.66),
        ("wat kost meedoen ongeveer voor een mkb bedrijf", "cofinancing_amount", 0.41),
        ("Moet mijn bedrijf geld meebetalen?", "nlu_fallback", 0.5),
        ("regio voor bedrijf in drachtn", "find_region", 0.63),
    )
    texts = inbox_texts(reviewer_client)
    assert texts == [
        "wat kost meedoen ongeveer voor een mkb bedrijf",  # cofinancing_amount, 0.41
        "hoeveel kofinanciering",  # cofinancing_amount, 0.66
        "regio voor bedrijf in drachtn",  # find_region
        "Moet mijn bedrijf geld meebetalen?",  # nlu_fallback
    ]
    assert InboxMessage.objects.get(turn__text="/find_region").normalized == ""  # never shown
    Annotation.objects.create(turn=user_turn(conversation, "hoeveel kofinanciering"), intent="cofinancing_amount")
    assert "hoeveel kofinanciering" not in inbox_texts(reviewer_client)
    assert inbox_texts(reviewer_client, "?intent=find_region") == ["regio voor bedrijf in drachtn"]
    # new messages are picked up on the next visit
    say(tracker, ("zijn er ook regels voor zzp'ers", "how_to_join", 0.3))
    assert "zijn er ook regels voor zzp'ers" in inbox_texts(reviewer_client)


def test_inbox_confirm_and_correct(reviewer_client, reviewer, tracker):
    conversation = say(
        tracker,
        ("hoeveel kofinanciering", "cofinancing_amount", 0.66),
        ("Moet mijn bedrijf geld meebetalen?", "nlu_fallback", 0.5),
    )
    body = reviewer_client.get("/inbox/").content.decode()
    assert body.count(">Bevestigen<") == 1  # nlu_fallback is no intent to confirm
    confirm = user_turn(conversation, "hoeveel kofinanciering")
    response = reviewer_client.post(
        f"/berichten/{confirm.pk}/beoordelen/", {"confirm": "1", "kind": "intent", "intent": "greet", "next": "/inbox/"}
    )
    assert response["Location"] == "/inbox/"
    annotation = Annotation.objects.get(turn=confirm)
    assert annotation.intent == "cofinancing_amount" and annotation.confirmed  # the predicted one
    fallback = user_turn(conversation, "Moet mijn bedrijf geld meebetalen?")
    reviewer_client.post(f"/berichten/{fallback.pk}/beoordelen/", {"confirm": "1", "kind": "intent"})
    assert not Annotation.objects.filter(turn=fallback).exists()
    reviewer_client.post(
        f"/berichten/{fallback.pk}/beoordelen/", {"kind": "intent", "intent": "cofinancing_money_or_kind"}
    )
    corrected = Annotation.objects.get(turn=fallback)
    assert corrected.intent == "cofinancing_money_or_kind" and not corrected.confirmed
    assert inbox_texts(reviewer_client) == []
    assert AuditEntry.objects.filter(action="annotate", user=reviewer).count() == 2


def test_inbox_pages(reviewer_client, tracker, settings):
    from review import views

    settings.DEBUG = False
    old = views.INBOX_PAGE_SIZE
    views.INBOX_PAGE_SIZE = 3
    try:
        say(tracker, *[(f"onbekende vraag nummer {i}", "budget", i / 10) for i in range(7)])
        first = inbox_texts(reviewer_client)
        third = inbox_texts(reviewer_client, "?pagina=3")
    finally:
        views.INBOX_PAGE_SIZE = old
    assert first == ["onbekende vraag nummer 0", "onbekende vraag nummer 1", "onbekende vraag nummer 2"]
    assert third == ["onbekende vraag nummer 6"]


def test_inbox_catch_up_in_steps(db, tracker):
    from review import inbox

    say(tracker, *[(f"vraag {i}", "budget", 0.2) for i in range(5)])
    assert inbox.catch_up(limit=1) is False  # stopped after one batch, not known to be complete
    assert InboxMessage.objects.count() == 5
    assert inbox.catch_up() is True
    assert InboxMessage.objects.count() == 5
    assert inbox.catch_up() is True and InboxMessage.objects.count() == 5  # nothing twice


def test_inbox_sees_new_messages_after_the_newest_conversation_was_erased(reviewer_client, tracker):
    say(tracker, ("eerste onbekende vraag", "budget", 0.2))
    newest = say(tracker, ("tweede onbekende vraag", "budget", 0.2))
    assert inbox_texts(reviewer_client) == ["eerste onbekende vraag", "tweede onbekende vraag"]
    erase_conversation(newest, tracker.source, by="test")  # its inbox rows go with it
    say(tracker, ("derde onbekende vraag", "budget", 0.2), ("vierde onbekende vraag", "budget", 0.3))
    assert inbox_texts(reviewer_client) == ["eerste onbekende vraag", "derde onbekende vraag", "vierde onbekende vraag"]


def test_inbox_follows_the_training_data_and_earlier_annotations(reviewer_client, tracker, settings, tmp_path):
    shutil.copytree(PROJECT / "data", tmp_path / "data")
    settings.ASSISTANT_DIR = tmp_path
    conversation = say(tracker, ("mag een zzp'er ook meedoen", "how_to_join", 0.3), ("onbekende vraag", "budget", 0.2))
    Annotation.objects.create(turn=user_turn(conversation, "onbekende vraag"), intent="budget")  # before any visit
    assert inbox_texts(reviewer_client) == ["mag een zzp'er ook meedoen"]
    reviewed = tmp_path / "data" / "nlu" / "reviewed"
    reviewed.mkdir()
    (reviewed / "reviewed.yml").write_text(
        'version: "3.1"\nnlu:\n- intent: how_to_join\n  examples: |\n    - Mag een ZZP-er ook meedoen?\n'
    )
    assert inbox_texts(reviewer_client) == []
    (reviewed / "reviewed.yml").unlink()
    assert inbox_texts(reviewer_client) == ["mag een zzp'er ook meedoen"]
    Annotation.objects.get().delete()
    assert inbox_texts(reviewer_client) == ["onbekende vraag", "mag een zzp'er ook meedoen"]  # budget first


def test_known_is_set_once_per_training_data_not_per_process(db, tracker):
    from review import inbox

    say(tracker, (next(iter(assistant_files.training_sentences())), "greet", 0.9))
    assert inbox.catch_up() and InboxMessage.objects.get().known  # a training sentence
    InboxMessage.objects.update(known=False)  # stands for work a later start must not redo
    inbox._marked.update(sentences=None, digest="")  # a new process
    inbox.catch_up()
    assert not InboxMessage.objects.get().known
    InboxState.objects.update(training_digest="older data")
    inbox.catch_up()
    assert InboxMessage.objects.get().known


# -- a conversation saved as a test --------------------------------------------------------------
def known_names() -> set[str]:
    names = set()
    for path in (PROJECT / "domain").glob("*.yml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        names |= set(data.get("responses") or {}) | set(data.get("actions") or [])
    return names


def test_save_as_test_uses_the_reviewed_intents_and_the_rules(reviewer_client, reviewer, tracker):
    conversation = say(
        tracker,
        ("Hoi", "greet", 0.95),
        ("Moet mijn bedrijf geld meebetalen? Bel 06-12345678", "nlu_fallback", 0.5),
        ("welke regio hoort bij ons, we zitten in Zwolle", "find_region", 0.8),
        ("Kan ik subsidie krijgen voor zonnepanelen?", "out_of_scope", 0.9),
        ("Hebben jullie een vestiging in België?", "find_region", 0.4),
    )
    url = f"/gesprekken/{conversation.pk}/als-test/"
    response = reviewer_client.post(url, follow=True)
    assert "Nog 5 bericht(en) zonder beoordeling" in response.content.decode()
    assert not AuditEntry.objects.filter(action="export").exists()

    annotate = {
        "Moet mijn bedrijf geld meebetalen? Bel 06-12345678": {"kind": "intent", "intent": "cofinancing_amount"},
        "Kan ik subsidie krijgen voor zonnepanelen?": {"kind": "buiten_bereik"},
        "Hebben jullie een vestiging in België?": {"kind": "nieuw_onderwerp", "note": "buitenland"},
    }
    for text, form in annotate.items():
        reviewer_client.post(f"/berichten/{user_turn(conversation, text).pk}/beoordelen/", form)
    response = reviewer_client.post(url)
    assert response.status_code == 302  # two are still unreviewed
    response = reviewer_client.post(url, {"predicted": "1"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="gesprek-{conversation.pk}-test.yml"'
    data = yaml.safe_load(response.content.decode())
    [test] = data["conversations"]
    assert test["id"] == f"console_{conversation.pk}" and test["kind"] == "reviewed"
    turns = test["turns"]
    assert [t["user"] for t in turns] == [
        "Hoi",
        "Moet mijn bedrijf geld meebetalen? Bel [telefoonnummer]",
        "welke regio hoort bij ons, we zitten in Zwolle",
        "Kan ik subsidie krijgen voor zonnepanelen?",
        "Hebben jullie een vestiging in België?",
    ]
    assert turns[0]["expect"] == ["utter_greet"]
    # the reviewer's intent, answered as the rules say: not what the bot did (utter_nlu_fallback)
    assert turns[1]["expect"] == ["utter_cofinancing_amount"]
    assert turns[1]["forbid"] == ["action_default_ask_affirmation", "action_default_fallback"]
    assert (
        turns[2]["expect"] == assistant_files.expected_actions("find_region")
        and "action_find_region" in (turns[2]["expect"])
    )
    assert "utter_out_of_scope_other_subsidy" in turns[3]["expect"]
    assert all(name.startswith("utter_out_of_scope_") for name in turns[3]["expect"])
    assert "expect" not in turns[4] and turns[4]["note"] == "buitenland"
    named = {n for t in turns for n in t.get("expect", []) + t.get("forbid", [])}
    assert named and named <= known_names()
    entry = AuditEntry.objects.get(action="export")
    assert entry.user == reviewer and entry.target == f"conversation:{conversation.pk}"


def test_expected_answers_from_rules(db, settings, tmp_path):
    (tmp_path / "data" / "rules").mkdir(parents=True)
    (tmp_path / "data" / "rules" / "r.yml").write_text(
        """version: "3.1"
rules:
- rule: plain
  steps:
  - intent: affirm
  - action: utter_anything_else
- rule: with a place
  steps:
  - intent: affirm
    entities:
    - place
  - action: action_find_region
- rule: only with a place
  steps:
  - intent: inform
    entities:
    - place
  - action: action_find_region
  - action: action_listen
"""
    )
    settings.ASSISTANT_DIR = tmp_path
    assert assistant_files.expected_actions("affirm") == ["utter_anything_else"]
    assert assistant_files.expected_actions("affirm", with_entity=True) == ["action_find_region", "utter_anything_else"]
    assert assistant_files.expected_actions("inform") == ["action_find_region"]
    assert assistant_files.expected_actions("unknown") == []


def test_every_answer_the_rules_give_is_in_the_domain(db):
    names = known_names() | {"action_two_stage_fallback"}  # Rasa's built-in action
    answered = [i for i in assistant_files.domain_intents() if assistant_files.expected_actions(i)]
    assert "greet" in answered and "cofinancing_amount" in answered
    for intent in answered:
        assert set(assistant_files.expected_actions(intent, with_entity=True)) <= names, intent
