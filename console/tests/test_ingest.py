"""The ingest: Rasa's events become conversations and turns, each exactly once."""

from __future__ import annotations

import json
import random
import threading
import time
import uuid

import pytest
from django.db import connection

from conversations import ingest
from conversations.erase import erase_conversation
from conversations.models import Conversation, ConversationIntent, IngestState, Turn, TurnKind
from conversations.tracker_source import SqliteEvents
from tests.conftest import only_postgres

# What the ten recorded conversations (tests/data/rasa_events.json) contain, as read off
# the transcripts: sender prefix -> (user messages, region, fallback, asked for a person, low confidence)
EXPECTED = {
    "052fdffd": (9, "zuid-limburg", False, False, False),
    "c78be843": (9, "groningenstad", False, False, False),
    "a9079da3": (10, "middenbrabant", True, False, True),
    "adc2ccfb": (9, "zuid-limburg", True, False, True),
    "5508e1e8": (6, "", True, False, True),
    "94986f1c": (6, "", True, False, True),
    "15623ef5": (8, "haaglanden", False, True, False),
    "de0b59ba": (8, "", False, True, False),
    "3abdff0c": (8, "", False, False, False),
    "a4aa54d1": (8, "", False, False, False),
}


def _summary():
    return {
        c.sender_id[:8]: (c.user_messages, c.region, c.had_fallback, c.asked_human, c.low_confidence)
        for c in Conversation.objects.all()
    }


def test_recorded_conversations_become_the_read_model(recorded):
    assert _summary() == EXPECTED
    assert set(Conversation.objects.values_list("channel", flat=True)) == {"rest"}
    user_turns = Turn.objects.filter(kind=TurnKind.USER)
    assert user_turns.count() == sum(v[0] for v in EXPECTED.values())
    # every typed message has a predicted intent and two runner-up intents from the ranking
    # (a button payload such as "/what_is_sto" is certain and has no ranking)
    typed = [t for t in user_turns if not t.text.startswith("/")]
    assert len(typed) > 50
    for turn in typed:
        assert turn.intent and turn.confidence is not None
        assert len(turn.runners_up) == 2
        assert turn.intent not in [r["name"] for r in turn.runners_up]
    assert ConversationIntent.objects.filter(intent="human_handoff").count() == 2


def test_bot_turns_keep_response_name_and_buttons(recorded):
    bot = Turn.objects.filter(kind=TurnKind.BOT)
    assert bot.exclude(name="").filter(name__startswith="utter_").exists()
    with_buttons = [t for t in bot if t.buttons]
    assert with_buttons, "the recorded conversations contain quick-reply buttons"
    assert all(b["payload"] for t in with_buttons for b in t.buttons)
    # a fallback action was recorded as such
    assert Turn.objects.filter(kind=TurnKind.ACTION, is_fallback=True).exists()


def test_place_entities_are_kept(recorded):
    with_entities = [t for t in Turn.objects.filter(kind=TurnKind.USER) if t.entities]
    assert any(e["entity"] == "place" and e["value"] for t in with_entities for e in t.entities)


def test_ingest_twice_adds_nothing(recorded):
    before = (Turn.objects.count(), _summary())
    assert ingest.run_once(recorded.source) == 0
    IngestState.objects.update(last_event_id=0)  # even a full re-read from the start
    assert ingest.run_once(recorded.source) == 0
    assert (Turn.objects.count(), _summary()) == before


def test_events_arriving_later_extend_the_conversation(tracker, db):
    sender = tracker.conversation(text="Wat is STO?", intent="what_is_sto")
    ingest.run_once(tracker.source)
    tracker.insert([tracker.user_event(sender, "Kan ik iemand spreken?", "human_handoff", 0.97)])
    ingest.run_once(tracker.source)
    conversation = Conversation.objects.get(sender_id=sender)
    assert conversation.user_messages == 2
    assert conversation.asked_human
    assert sorted(conversation.intents.values_list("intent", flat=True)) == ["human_handoff", "what_is_sto"]


def test_low_confidence_uses_the_best_real_intent(tracker, db, settings):
    sender = uuid.uuid4().hex
    # FallbackClassifier output: nlu_fallback on top, the real intents below
    tracker.insert(
        [
            tracker.user_event(
                sender, "iets vaags", "nlu_fallback", 0.5, ranking=[("cofinancing_amount", 0.31), ("greet", 0.2)]
            )
        ]
    )
    ingest.run_once(tracker.source)
    turn = Turn.objects.get(conversation__sender_id=sender)
    assert turn.is_fallback and turn.is_low_confidence
    assert [r["name"] for r in turn.runners_up] == ["cofinancing_amount", "greet"]
    sure = tracker.conversation(confidence=0.51)
    ingest.run_once(tracker.source)
    assert not Conversation.objects.get(sender_id=sure).low_confidence


def test_latest_region_wins_even_out_of_order(tracker, db):
    sender = uuid.uuid4().hex
    now = time.time()
    tracker.insert([tracker.slot_event(sender, "region_id", "haaglanden", now + 10)])
    ingest.run_once(tracker.source)
    tracker.insert([tracker.slot_event(sender, "region_id", "zuid-limburg", now)])  # older
    ingest.run_once(tracker.source)
    assert Conversation.objects.get(sender_id=sender).region == "haaglanden"


def test_missing_tracker_database_is_not_an_error(tmp_path, db):
    assert ingest.run_once(SqliteEvents(tmp_path / "not-there.db")) == 0


def test_erased_conversation_does_not_come_back(recorded, db):
    conversation = Conversation.objects.first()
    sender = conversation.sender_id
    assert recorded.count(sender) > 0
    erase_conversation(conversation, recorded.source, by="test")
    assert recorded.count(sender) == 0
    IngestState.objects.update(last_event_id=0)
    ingest.run_once(recorded.source)
    assert not Conversation.objects.filter(sender_id=sender).exists()
    assert Conversation.objects.count() == len(EXPECTED) - 1


@only_postgres
def test_row_committed_late_with_lower_id_is_not_missed(tracker, db):
    """PostgreSQL hands out ids at insert time; a slower transaction commits a lower id later."""
    slow = tracker.connect()
    try:
        early_sender, late_sender = uuid.uuid4().hex, uuid.uuid4().hex
        [low_id] = tracker.insert([tracker.user_event(early_sender, "langzaam", "greet", 0.9)], conn=slow)
        [high_id] = tracker.insert([tracker.user_event(late_sender, "snel", "greet", 0.9)])
        assert low_id < high_id
        ingest.run_once(tracker.source)
        assert IngestState.objects.get().last_event_id == high_id
        assert not Conversation.objects.filter(sender_id=early_sender).exists()
        slow.commit()
        ingest.run_once(tracker.source)
        assert Conversation.objects.get(sender_id=early_sender).user_messages == 1
        assert Turn.objects.filter(source_id=low_id).count() == 1
    finally:
        slow.close()


def test_concurrent_writers_nothing_missed_nothing_twice(tracker, db):
    """Four writers (as several Rasa processes) store conversations while the ingest polls."""
    writers, per_writer = 4, 25
    stop = threading.Event()
    errors = []

    def write(seed):
        rng = random.Random(seed)
        try:
            for i in range(per_writer):
                sender = f"w{seed}-{i}-{uuid.uuid4().hex[:8]}"
                rows = [tracker.user_event(sender, f"vraag {j}", "greet", 0.9) for j in range(3)]
                if connection.vendor == "postgresql" and rng.random() < 0.5:
                    conn = tracker.connect()  # keep the transaction open a little
                    tracker.insert(rows, conn=conn)
                    time.sleep(rng.random() * 0.02)
                    conn.commit()
                    conn.close()
                else:
                    tracker.insert(rows)
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        ingest.run_once(tracker.source)
        time.sleep(0.01)
    stop.set()
    ingest.run_once(tracker.source)
    assert not errors
    total = writers * per_writer
    assert Conversation.objects.count() == total
    assert Turn.objects.count() == total * 3 == tracker.count()
    assert set(Conversation.objects.values_list("user_messages", flat=True)) == {3}


@pytest.mark.django_db(transaction=True)
def test_new_conversation_visible_within_ten_seconds(tracker):
    thread = ingest.IngestThread(tracker.source, interval=1.0)
    thread.start()
    try:
        time.sleep(0.5)
        sender = tracker.conversation(text="Hoeveel moeten bedrijven bijdragen?", intent="cofinancing_amount")
        written = time.monotonic()
        while time.monotonic() - written < 10:
            if Conversation.objects.filter(sender_id=sender).exists():
                break
            time.sleep(0.2)
        assert Conversation.objects.filter(sender_id=sender).exists()
        assert time.monotonic() - written < 10
    finally:
        thread.stop()
        thread.join(10)


def test_quiet_poll_reads_no_event_bodies(recorded):
    """A poll with nothing new reads ids and types only (the window's JSON is not fetched again)."""
    fetched = []
    original = recorded.source.fetch_ids

    def counting(ids):
        fetched.append(len(ids))
        return original(ids)

    recorded.source.fetch_ids = counting
    poller = ingest.Ingest(recorded.source)
    assert poller.run_once() == 0
    # a fresh process reads the bodies of the window's unstored events once (here: slot events
    # of internal slots), never the stored ones or action_listen
    from tests.tracker import recorded_events

    quiet_slots = [
        r for r in recorded_events() if r["type_name"] == "slot" and json.loads(r["data"])["name"] in ingest.QUIET_SLOTS
    ]
    assert sum(fetched) == len(quiet_slots)
    fetched.clear()
    assert poller.run_once() == 0
    assert sum(fetched) == 0
    sender = recorded.conversation()
    assert poller.run_once() == 3
    assert sum(fetched) == 3 and Conversation.objects.filter(sender_id=sender).exists()
