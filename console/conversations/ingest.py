"""Builds the read model from Rasa's `events` table.

Polls the table every few seconds. Each poll re-reads a trailing window of ids below the
highest id seen (RESCAN_IDS): in PostgreSQL an id is taken when a transaction inserts the row
but becomes visible only when it commits, so with several Rasa processes a row with a lower id
can appear after higher ones did. Events already stored are recognised by their source id (a
unique column), so re-reading never shows anything twice. Each batch is written in one
transaction under a lock shared with conversation deletion.
"""

from __future__ import annotations

import json
import logging
import threading
from bisect import bisect_left
from collections import defaultdict
from datetime import datetime
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import connection, transaction

from contacts import form_answers
from contacts import intake as contact_intake
from conversations.models import Conversation, ConversationIntent, IngestState, Turn, TurnKind
from conversations.tracker_source import EventRow, TrackerEvents

log = logging.getLogger("console.ingest")

STATE_NAME = "rasa-events"
BATCH_SIZE = 5000
RESCAN_IDS = 5000
FALLBACK_ACTIONS = frozenset(
    {
        "action_default_fallback",
        "action_two_stage_fallback",
        "action_default_ask_affirmation",
        "action_default_ask_rephrase",
    }
)
FALLBACK_INTENT = "nlu_fallback"
HUMAN_INTENT = "human_handoff"
REGION_SLOTS = frozenset({"region_id", "region"})
SKIPPED_ACTIONS = frozenset({"action_listen", "action_session_start"})
# Slots that only steer the dialogue, or hold what the contact form collects: not worth a line
# in the transcript. A confirmed contact request (slot `contact_request`) is kept as a turn whose
# value is only the request's id; its data goes to contacts.ContactRequest. The form's
# `requested_slot` is kept as a `form` turn (never shown) to mark the answers to its questions.
QUIET_SLOTS = frozenset({"awaiting_place", "session_started_metadata"}) | contact_intake.QUIET_SLOTS
# Searchable text per conversation is capped (PostgreSQL's tsvector holds at most 1 MB).
MAX_SEARCH_CHARS = 200_000
ADVISORY_LOCK_KEY = 80900001  # shared with conversations.erase


def _clean(text) -> str:
    # PostgreSQL text cannot hold NUL.
    return str(text or "").replace("\x00", "")


def lock_for_writing() -> None:
    """Serialise ingest batches and deletions (inside a transaction).

    PostgreSQL: a transaction-scoped advisory lock. SQLite: the console's transactions start
    with BEGIN IMMEDIATE (settings), which already takes the single write lock.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK_KEY])


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(float(ts or 0), tz=dt_timezone.utc)


def _top_intent(parse_data: dict) -> tuple[str, float | None, list[dict]]:
    """Predicted intent, its confidence, and the ranking without nlu_fallback."""
    intent = parse_data.get("intent") or {}
    name = intent.get("name") or ""
    confidence = intent.get("confidence")
    ranking = [
        r
        for r in (parse_data.get("intent_ranking") or [])
        if isinstance(r, dict) and r.get("name") and r.get("name") != FALLBACK_INTENT
    ]
    return name, confidence, ranking


KEPT_TYPES = frozenset({"user", "bot", "action", "slot", "session_started"})


def worth_reading(type_name: str, action_name: str | None) -> bool:
    return type_name in KEPT_TYPES and not (type_name == "action" and action_name in SKIPPED_ACTIONS)


def turn_from_event(row: EventRow) -> Turn | None:
    """The Turn for one Rasa event, or None for events not worth keeping."""
    kind = row.type_name
    if not worth_reading(kind, row.action_name):
        return None
    try:
        data = json.loads(row.data) if row.data else {}
    except (TypeError, ValueError):
        data = {}
    turn = Turn(source_id=row.id, at=_at(row.timestamp))
    if kind == "user":
        parse = data.get("parse_data") or {}
        name, confidence, ranking = _top_intent(parse)
        best = ranking[0].get("confidence") if ranking else confidence
        turn.kind = TurnKind.USER
        turn.text = _clean(data.get("text"))
        turn.intent = name[:100]
        turn.confidence = float(confidence) if isinstance(confidence, (int, float)) else None
        turn.entities = [
            {
                "entity": _clean(e.get("entity")),
                "value": _clean(e.get("value")),
                "extractor": _clean(e.get("extractor")),
            }
            for e in (parse.get("entities") or [])
            if isinstance(e, dict)
        ]
        turn.runners_up = [
            {"name": _clean(r["name"]), "confidence": r.get("confidence")} for r in ranking if r["name"] != name
        ][:2]
        turn.is_fallback = name == FALLBACK_INTENT
        turn.is_low_confidence = isinstance(best, (int, float)) and best < settings.CONFIDENCE_THRESHOLD
        turn.slot_value = _clean(data.get("input_channel"))[:64]  # channel, read by the aggregate
    elif kind == "bot":
        turn.kind = TurnKind.BOT
        turn.text = _clean(data.get("text"))
        turn.name = _clean((data.get("metadata") or {}).get("utter_action"))[:200]
        payload = data.get("data") or {}
        turn.buttons = [
            {"title": _clean(b.get("title")), "payload": _clean(b.get("payload"))}
            for b in (payload.get("buttons") or [])
            if isinstance(b, dict)
        ]
    elif kind == "action":
        turn.kind = TurnKind.ACTION
        turn.name = _clean(row.action_name or data.get("name"))[:200]
        turn.is_fallback = turn.name in FALLBACK_ACTIONS
    elif kind == "slot":
        name = _clean(data.get("name"))
        if name == form_answers.FORM_STATE_SLOT:
            value = data.get("value")
            turn.kind = TurnKind.FORM
            turn.name = name
            turn.slot_value = _clean(value)[:200] if isinstance(value, str) else ""
            return turn
        if name in QUIET_SLOTS:
            return None
        turn.kind = TurnKind.SLOT
        turn.name = name[:200]
        value = data.get("value")
        if name == contact_intake.SLOT:
            request = contact_intake.parse_slot_value(value, row.id)
            if request is None:
                return None
            turn.slot_value = request.request_id
            turn.contact_request = request  # stored by store_batch, in the same transaction
            return turn
        turn.slot_value = "" if value is None else _clean(value if isinstance(value, str) else json.dumps(value))
    else:
        turn.kind = TurnKind.SESSION
        turn.name = kind
    return turn


def _apply(conversation: Conversation, turns: list[Turn], intents: set[str]) -> None:
    """Fold new turns into the conversation's aggregates (order-independent)."""
    texts = []
    for turn in turns:
        if conversation.started is None or turn.at < conversation.started:
            conversation.started = turn.at
        if conversation.last_activity is None or turn.at > conversation.last_activity:
            conversation.last_activity = turn.at
        conversation.had_fallback |= turn.is_fallback
        if turn.kind == TurnKind.USER:
            conversation.user_messages += 1
            conversation.low_confidence |= turn.is_low_confidence
            conversation.asked_human |= turn.intent == HUMAN_INTENT
            if turn.intent:
                intents.add(turn.intent)
            if turn.slot_value and not conversation.channel:
                conversation.channel = turn.slot_value
            if turn.text:
                texts.append(turn.text.lower())
        elif turn.kind == TurnKind.SLOT and turn.name in REGION_SLOTS:
            stamp = turn.at.timestamp()
            if stamp >= conversation.region_at:
                conversation.region = turn.slot_value[:100]
                conversation.region_at = stamp
    if texts and len(conversation.search_text) < MAX_SEARCH_CHARS:
        joined = "\n".join(texts)
        text = f"{conversation.search_text}\n{joined}" if conversation.search_text else joined
        conversation.search_text = text[:MAX_SEARCH_CHARS]


# --- answers to the contact form -----------------------------------------------------------------
# A user message answers a question of the contact form when the latest `requested_slot` before
# it (in event order, i.e. Rasa's ids) names one of the form's slots. A session start ends the
# form (Rasa does not carry an active form into a new session); the `requested_slot` Rasa copies
# into the new session with the other slots (carry_over_slots_to_new_session) is therefore not
# stored: it is the `requested_slot` event that follows a session start with no user message in
# between. The state is read from the stored `form` and session turns, so it survives ingest
# batches and process restarts, and a late row (a lower id seen after higher ones) is folded in.
FORM_CONTEXT = (TurnKind.FORM, TurnKind.SESSION)


def _asked(timeline: list[tuple[int, str, str]], ids: list[int], source_id: int) -> str:
    """The form's slot being asked just before event `source_id`, or ""."""
    i = bisect_left(ids, source_id)
    if i == 0:
        return ""
    _, kind, value = timeline[i - 1]
    return value if kind == TurnKind.FORM and value in form_answers.SLOTS else ""


def _follows_session_start(conversation_id: int, earlier_turns: list[Turn], turn: Turn, stored: bool) -> bool:
    """True when the nearest user message or session start before `turn` (in the batch's
    `earlier_turns`, else among the stored turns) is a session start."""
    for earlier in reversed(earlier_turns):
        if earlier.kind in (TurnKind.USER, TurnKind.SESSION):
            return earlier.kind == TurnKind.SESSION
    if not stored:
        return False
    kind = (
        Turn.objects.filter(
            conversation_id=conversation_id, kind__in=[TurnKind.USER, TurnKind.SESSION], source_id__lt=turn.source_id
        )
        .order_by("-source_id")
        .values_list("kind", flat=True)
        .first()
    )
    return kind == TurnKind.SESSION


def mark_form_answers(by_sender: dict[str, list[Turn]], conversations: dict, fresh: set[str], skipped) -> None:
    """Set `form_answer` on the batch's user turns (before they are written), drop the
    `requested_slot` copied into a new session, and mark again stored user turns that a late
    `requested_slot` or session start changes. Conversations without the form cost one query
    per batch."""
    touched = {
        sender: sorted(turns, key=lambda t: t.source_id)
        for sender, turns in by_sender.items()
        if any(t.kind in (TurnKind.USER, TurnKind.FORM, TurnKind.SESSION) for t in turns)
    }
    if not touched:
        return
    with_form = {sender for sender, turns in touched.items() if any(t.kind == TurnKind.FORM for t in turns)}
    old = {conversations[sender].pk: sender for sender in touched if sender not in fresh}
    if old:
        stored_form = Turn.objects.filter(conversation_id__in=list(old), kind=TurnKind.FORM)
        with_form |= {old[pk] for pk in stored_form.values_list("conversation_id", flat=True).distinct()}
    if not with_form:
        return
    timelines: dict[int, list[tuple[int, str, str]]] = defaultdict(list)
    stored_ids = [conversations[sender].pk for sender in with_form if sender not in fresh]
    rows = Turn.objects.filter(conversation_id__in=stored_ids, kind__in=FORM_CONTEXT)
    for pk, source_id, kind, value in rows.values_list("conversation_id", "source_id", "kind", "slot_value"):
        timelines[pk].append((source_id, kind, value))
    late: dict[int, int] = {}  # conversation -> lowest new form/session event, for stored turns after it
    for sender in with_form:
        pk = conversations[sender].pk
        turns = touched[sender]
        stored = sender not in fresh
        kept = []
        for i, turn in enumerate(turns):
            if turn.kind == TurnKind.FORM and turn.slot_value and _follows_session_start(pk, turns[:i], turn, stored):
                if skipped is not None:
                    skipped.add(turn.source_id)
                continue
            kept.append(turn)
        by_sender[sender] = kept
        new_events = [(t.source_id, t.kind, t.slot_value) for t in kept if t.kind in FORM_CONTEXT]
        timeline = sorted(timelines[pk] + new_events)
        timelines[pk] = timeline
        ids = [event[0] for event in timeline]
        for turn in kept:
            if turn.kind == TurnKind.USER:
                turn.form_answer = _asked(timeline, ids, turn.source_id)
        if stored and new_events:
            late[pk] = min(event[0] for event in new_events)
    if not late:
        return
    changed = []
    ids_of = {pk: [event[0] for event in timelines[pk]] for pk in late}
    later = Turn.objects.filter(conversation_id__in=list(late), kind=TurnKind.USER, source_id__gt=min(late.values()))
    for turn in later.only("pk", "conversation_id", "source_id", "form_answer"):
        if turn.source_id <= late[turn.conversation_id]:
            continue
        slot = _asked(timelines[turn.conversation_id], ids_of[turn.conversation_id], turn.source_id)
        if slot != turn.form_answer:
            turn.form_answer = slot
            changed.append(turn)
    if changed:
        Turn.objects.bulk_update(changed, ["form_answer"])
        from review.models import InboxMessage  # review builds on conversations, not the reverse

        InboxMessage.objects.filter(turn_id__in=[t.pk for t in changed if t.form_answer]).delete()
        log.info("marked %d stored messages again as answers to the contact form (late events)", len(changed))


AGGREGATE_FIELDS = [
    "started",
    "last_activity",
    "user_messages",
    "channel",
    "region",
    "region_at",
    "had_fallback",
    "asked_human",
    "low_confidence",
    "search_text",
]


def store_batch(rows: list[EventRow], skipped: set[int] | None = None) -> int:
    """Store events not stored before; returns how many turns were added. Ids of events that
    are not worth a turn go into `skipped`. Call inside a transaction holding lock_for_writing()."""
    by_sender: dict[str, list[Turn]] = defaultdict(list)
    for row in rows:
        turn = turn_from_event(row)
        if turn is not None:
            by_sender[row.sender_id[:255]].append(turn)
        elif skipped is not None:
            skipped.add(row.id)
    if not by_sender:
        return 0
    existing = Conversation.objects.in_bulk(list(by_sender), field_name="sender_id")
    new = []
    for sender_id, turns in by_sender.items():
        if sender_id not in existing:
            first = min(t.at for t in turns)
            new.append(Conversation(sender_id=sender_id, started=first, last_activity=first))
    if new:
        Conversation.objects.bulk_create(new)
        existing.update(Conversation.objects.in_bulk([c.sender_id for c in new], field_name="sender_id"))
    mark_form_answers(by_sender, existing, {c.sender_id for c in new}, skipped)
    all_turns, intent_rows = [], []
    for sender_id, turns in by_sender.items():
        conversation = existing[sender_id]
        intents: set[str] = set()
        _apply(conversation, turns, intents)
        for turn in turns:
            turn.conversation = conversation
            if turn.kind == TurnKind.USER:
                turn.slot_value = ""  # the channel was only carried for the aggregate
        all_turns.extend(turns)
        intent_rows.extend(ConversationIntent(conversation=conversation, intent=i) for i in intents)
    Turn.objects.bulk_create(all_turns, batch_size=2000)
    contact_intake.store_requests(all_turns)
    ConversationIntent.objects.bulk_create(intent_rows, ignore_conflicts=True, batch_size=2000)
    Conversation.objects.bulk_update(list(existing.values()), AGGREGATE_FIELDS, batch_size=500)
    return len(all_turns)


class Ingest:
    """Polls one tracker store. Remembers which events in the trailing window it skipped, so
    a quiet poll reads only ids and types, not the events' JSON."""

    def __init__(self, source: TrackerEvents, batch_size: int = BATCH_SIZE, rescan: int = RESCAN_IDS):
        self.source = source
        self.batch_size = batch_size
        self.rescan = rescan
        self.skipped: set[int] = set()

    def run_once(self) -> int:
        """Everything new since the last poll, and the trailing window. Returns #turns added."""
        state, _ = IngestState.objects.get_or_create(name=STATE_NAME)
        after = max(0, state.last_event_id - self.rescan)
        self.skipped = {i for i in self.skipped if i > after}
        added = 0
        while True:
            with transaction.atomic():
                # Read under the lock, so a conversation deleted meanwhile cannot come back.
                lock_for_writing()
                heads = self.source.fetch_heads_after(after, self.batch_size)
                if not heads:
                    break
                stored = set(
                    Turn.objects.filter(source_id__gte=heads[0].id, source_id__lte=heads[-1].id).values_list(
                        "source_id", flat=True
                    )
                )
                wanted = []
                for head in heads:
                    if head.id in stored or head.id in self.skipped:
                        continue
                    if worth_reading(head.type_name, head.action_name):
                        wanted.append(head.id)
                    else:
                        self.skipped.add(head.id)
                if wanted:
                    added += store_batch(self.source.fetch_ids(wanted), self.skipped)
                highest = heads[-1].id
                if highest > state.last_event_id:
                    IngestState.objects.filter(pk=state.pk).update(last_event_id=highest)
                    state.last_event_id = highest
            after = heads[-1].id
            if len(heads) < self.batch_size:
                break
        return added


def run_once(source: TrackerEvents, batch_size: int = BATCH_SIZE, rescan: int = RESCAN_IDS) -> int:
    """One poll with a fresh state (tests, `manage.py ingest --once`)."""
    return Ingest(source, batch_size, rescan).run_once()


class PollingThread(threading.Thread):
    """A daemon thread beside the web server (manage.py serve) that calls tick() every
    `interval` seconds until stopped; a failing tick is logged and tried again next time."""

    def __init__(self, name: str, source: TrackerEvents | None, interval: float, logger: logging.Logger = log):
        super().__init__(name=name, daemon=True)
        self.source = source
        self.interval = interval
        self.log = logger
        self.stopping = threading.Event()

    def tick(self) -> None:
        raise NotImplementedError

    def run(self) -> None:
        from django.db import close_old_connections, connections

        while not self.stopping.is_set():
            try:
                close_old_connections()
                self.tick()
            except Exception:  # noqa: BLE001 - keep going; the database may come back
                self.log.exception("%s failed; retrying", self.name)
                if self.source is not None:
                    self.source.close()
            self.stopping.wait(self.interval)
        if self.source is not None:
            self.source.close()
        connections.close_all()

    def stop(self) -> None:
        self.stopping.set()


class IngestThread(PollingThread):
    """The ingest as a daemon thread beside the web server (manage.py serve)."""

    def __init__(self, source: TrackerEvents, interval: float | None = None):
        interval = interval if interval is not None else settings.INGEST_INTERVAL_SECONDS
        super().__init__("console-ingest", source, interval)
        self.poller = Ingest(source)

    def run(self) -> None:
        log.info("ingest started (every %.1f s)", self.interval)
        super().run()

    def tick(self) -> None:
        added = self.poller.run_once()
        if added:
            log.info("ingested %d events", added)
